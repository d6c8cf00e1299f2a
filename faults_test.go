package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter/wechattest"
)

// TestPermanentFailuresFailNoRun: images that are 404 are reported once,
// with what they were, kept in the archive's state, and fail neither the
// run that finds them nor the next, which does not ask for them again.
func TestPermanentFailuresFailNoRun(t *testing.T) {
	srv := startFake(t, wechattest.Options{Articles: 12, Drafts: -1, Seed: 31, MissingImages: 2})
	t.Setenv("MPARCHIVE_APPID", "wx1")
	t.Setenv("MPARCHIVE_SECRET", "s")
	out := t.TempDir()
	args := []string{"export", "--api-base", srv.URL(), "-o", out}

	code, _, stderr := runCLI(t, args...)
	if code != exitOK {
		t.Fatalf("first run: exit %d, want %d:\n%s", code, exitOK, stderr)
	}
	if !strings.Contains(stderr, "unavailable for good") || strings.Count(stderr, "HTTP 404") != 2 {
		t.Errorf("first run does not report the two 404 images once each:\n%s", stderr)
	}
	arch, err := archive.Open(filepath.Join(out, archiveSubdir))
	if err != nil {
		t.Fatal(err)
	}
	st, err := arch.LoadState()
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Unavailable) != 2 || len(st.FailedMedia) != 0 {
		t.Errorf("state: unavailable %v, failed %v; want the two images unavailable and nothing to retry", st.Unavailable, st.FailedMedia)
	}
	for k, u := range st.Unavailable {
		if u.What != "image" || !strings.Contains(u.Reason, "404") || u.Since == "" {
			t.Errorf("unavailable %s: %+v", k, u)
		}
	}

	images := srv.Calls("images")
	code, _, stderr = runCLI(t, args...)
	if code != exitOK {
		t.Fatalf("second run: exit %d, want %d:\n%s", code, exitOK, stderr)
	}
	if strings.Contains(stderr, "HTTP 404") || srv.Calls("images") != images {
		t.Errorf("second run asked for %d images and reported:\n%s", srv.Calls("images")-images, stderr)
	}
}
