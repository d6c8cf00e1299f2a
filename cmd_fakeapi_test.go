package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mparchive/mparchive/exporter/wechattest"
)

// TestFakeAPILinks checks fake-api writes the links of its page-only
// articles for --urls. The context is cancelled before the call, so the
// server shuts down as soon as it has started.
func TestFakeAPILinks(t *testing.T) {
	file := filepath.Join(t.TempDir(), "links.txt")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	err := runFakeAPI(ctx, []string{"--listen", "127.0.0.1:0", "--articles", "6", "--seed", "4", "--mass-sent", "2",
		"--picture-posts", "2", "--text-posts", "1", "--share-posts", "1", "--video-posts", "1", "--newspic", "2", "--links", file}, &out, &errb)
	if err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	srv, err := wechattest.New(wechattest.Options{Articles: 6, Drafts: 0, Seed: 4, MassSent: 2, PicturePosts: 2, TextPosts: 1, SharePosts: 1, VideoPosts: 1, Newspic: 2})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join(srv.PageLinks(), "\n") + "\n"
	if string(got) != want || strings.Count(want, "\n") != 7 {
		t.Errorf("links file:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(out.String(), "wrote 7 page-only links to "+file) {
		t.Errorf("stdout: %s", out.String())
	}
}
