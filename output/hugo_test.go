package output

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/tools/txtar"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/render"
	"github.com/mparchive/mparchive/themes"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/hugo")

// testMedia is what the fake download stored: media key → testdata file.
// The blue PNG is stored under two keys (a thumb material and a video
// cover), as the archive does when two URLs give the same bytes.
var testMedia = []struct{ key, file, mime string }{
	{"https://mmbiz.qpic.cn/mmbiz_png/RED/640?wx_fmt=png&from=appmsg", "red.png", "image/png"},
	{"https://mmbiz.qpic.cn/mmbiz_jpg/GREEN/640?wx_fmt=jpeg", "green.jpg", "image/jpeg"},
	{"https://mmbiz.qpic.cn/mmbiz_jpg/YELLOW/0?wx_fmt=jpeg", "yellow.jpg", "image/jpeg"},
	{"wechat-material:THUMB_blue", "blue.png", "image/png"},
	{"https://mmbiz.qpic.cn/mmbiz_jpg/BLUEVID/0?wx_fmt=jpeg", "blue.png", "image/png"},
}

// testArchive builds an archive from testdata/items and testdata/media.
func testArchive(t testing.TB) *archive.Archive {
	t.Helper()
	a, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range archive.Sources {
		files, _ := filepath.Glob(filepath.Join("testdata", "items", string(src), "*.json"))
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.PutItem(src, raw); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
		}
	}
	for _, m := range testMedia {
		data, err := os.ReadFile(filepath.Join("testdata", "media", m.file))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.PutMedia(m.key, data, filepath.Ext(m.file), m.mime); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
	return a
}

// listingConverter stands in for render.Converter where a test compares
// bytes: its output depends only on this package, so the golden files do not
// change whenever the real converter's rules improve. Like the real one, it
// asks ImageURL for every image.
type listingConverter struct {
	failOn string // a body containing this fails
}

func (c listingConverter) Convert(body string, opts render.Options) (string, error) {
	if c.failOn != "" && strings.Contains(body, c.failOn) {
		return "", errors.New("converter refused the body")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Body: %d bytes of HTML.\n", len(body))
	for _, m := range archive.BodyMedia(body) {
		switch m.Kind {
		case archive.MediaImage:
			link := opts.ImageURL(m.Key)
			if link == "" {
				link = m.Key
			}
			fmt.Fprintf(&b, "\n![](<%s>)\n", link)
		case archive.MediaVoice:
			// Written as the converter writes a voice embed, so that
			// the site shows its player.
			link := opts.MediaURL(m.Key)
			if link == "" {
				link = m.Key
			}
			fmt.Fprintf(&b, "\n> [语音] [voice](<%s> \"mparchive:voice\")\n", link)
		}
	}
	return b.String(), nil
}

func isBinaryFile(name string, data []byte) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".jpg", ".jpeg", ".gif", ".webp":
		return true
	}
	return !utf8.Valid(data)
}

// treeTxtar captures a folder as a txtar archive, in path order. Images are
// listed by hash and size; the embedded layouts are too, so that a change of
// style does not bury the content changes of a golden diff.
func treeTxtar(t *testing.T, dir string) *txtar.Archive {
	t.Helper()
	ar := &txtar.Archive{Comment: []byte("Files written by HugoWriter for testdata/items; regenerate with go test ./output -update.\n")}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if isBinaryFile(rel, data) || strings.HasPrefix(rel, "layouts/") {
			data = fmt.Appendf(nil, "sha256 %x, %d bytes\n", sha256.Sum256(data), len(data))
		}
		ar.Files = append(ar.Files, txtar.File{Name: rel, Data: data})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ar
}

// checkGolden compares a tree with testdata/hugo/<name>.txtar, file by file.
func checkGolden(t *testing.T, name, dir string) {
	t.Helper()
	got := treeTxtar(t, dir)
	compareGolden(t, "hugo", name, got)
}

func TestHugoGolden(t *testing.T) {
	a := testArchive(t)
	out := t.TempDir()
	res, err := NewHugo(out, Options{Converter: listingConverter{}}).Write(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "basic", out)

	if res.Articles != 15 || res.Written != 15 || res.Unchanged != 0 || len(res.Failed) != 0 {
		t.Errorf("result = %+v, want 15 articles all written", res)
	}
	// Red, green and the yellow cover twice each (two articles share
	// each), blue once as both video cover and cover of one article.
	if res.ImagesCopied != 7 {
		t.Errorf("ImagesCopied = %d, want 7", res.ImagesCopied)
	}
	wantMissing := []MissingImages{
		{Article: "news/MEDIA_multi_01/2", Images: []string{"https://mmbiz.qpic.cn/mmbiz_png/MISSING/640?wx_fmt=png"}},
		{Article: "news/MEDIA_multi_01/3", Images: []string{"https://mmbiz.qpic.cn/mmbiz_jpg/NOCOVER/0?wx_fmt=jpeg"}},
	}
	if fmt.Sprint(res.Missing) != fmt.Sprint(wantMissing) {
		t.Errorf("Missing = %v\nwant %v", res.Missing, wantMissing)
	}
}

func TestHugoUserSitePreserved(t *testing.T) {
	a := testArchive(t)
	write := func(t *testing.T, dir, name, content string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	read := func(dir, name string) string {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			return "<" + err.Error() + ">"
		}
		return string(b)
	}
	exists := func(dir, name string) bool {
		_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name)))
		return err == nil
	}
	run := func(t *testing.T, dir string) {
		t.Helper()
		if _, err := NewHugo(dir, Options{Converter: listingConverter{}}).Write(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("own config gets no skeleton", func(t *testing.T) {
		for _, cfg := range []string{"hugo.yaml", "config.toml", "config/_default/hugo.toml"} {
			dir := t.TempDir()
			write(t, dir, cfg, "theme: mine\n")
			run(t, dir)
			if read(dir, cfg) != "theme: mine\n" {
				t.Errorf("%s was changed", cfg)
			}
			if cfg != "hugo.toml" && exists(dir, "hugo.toml") {
				t.Errorf("with %s, a hugo.toml was added", cfg)
			}
			if exists(dir, "layouts") {
				t.Errorf("with %s, layouts were added over the user's theme", cfg)
			}
			if !exists(dir, "content/posts/2023-11-15-hello-world/index.md") {
				t.Errorf("with %s, the content was not written", cfg)
			}
		}
	})

	t.Run("existing layout kept, config and other layouts added", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, "layouts/_default/single.html", "mine")
		run(t, dir)
		if got := read(dir, "layouts/_default/single.html"); got != "mine" {
			t.Errorf("single.html = %q, want the user's", got)
		}
		if !strings.HasPrefix(read(dir, "hugo.toml"), generatedMarker) {
			t.Errorf("hugo.toml not generated: %q", read(dir, "hugo.toml"))
		}
		if !exists(dir, "layouts/_default/baseof.html") {
			t.Error("baseof.html not added")
		}
	})

	t.Run("generated site gets a deleted layout back, edits kept", func(t *testing.T) {
		dir := t.TempDir()
		run(t, dir)
		write(t, dir, "hugo.toml", read(dir, "hugo.toml")+"\n[params]\nedited = true\n")
		write(t, dir, "layouts/_default/list.html", "edited")
		os.Remove(filepath.Join(dir, "layouts", "index.html"))
		run(t, dir)
		if !strings.HasSuffix(read(dir, "hugo.toml"), "edited = true\n") {
			t.Error("the edited hugo.toml was overwritten")
		}
		if read(dir, "layouts/_default/list.html") != "edited" {
			t.Error("the edited list.html was overwritten")
		}
		if !exists(dir, "layouts/index.html") {
			t.Error("the deleted index.html was not restored")
		}
	})

	// A site an earlier release made keeps that release's layouts until a
	// run replaces them; they read the front matter as it was then (a
	// plain string cover), which the current front matter would break.
	t.Run("layouts of an earlier release replaced, edited ones kept", func(t *testing.T) {
		old := oldSingleHTML(t)
		dir := t.TempDir()
		run(t, dir)
		write(t, dir, "layouts/_default/single.html", old)
		write(t, dir, "layouts/_default/list.html", old+"<!-- edited -->")
		run(t, dir)
		current, _ := fs.ReadFile(themes.Format("hugo"), "layouts/_default/single.html")
		if got := read(dir, "layouts/_default/single.html"); got != string(current) {
			t.Errorf("the first release's single.html was not replaced:\n%s", got)
		}
		if got := read(dir, "layouts/_default/list.html"); got != old+"<!-- edited -->" {
			t.Error("an edited layout was replaced")
		}
	})
}

// oldSingleHTML is the single.html mparchive shipped first, which read the
// cover as a string.
func oldSingleHTML(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "hugo-single-v1.html"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if !themes.HugoShipped()["layouts/_default/single.html"][hex.EncodeToString(sum[:])] {
		t.Fatal("testdata/hugo-single-v1.html is not a shipped version")
	}
	return string(b)
}

func TestHugoArticleFailureIsolated(t *testing.T) {
	a := testArchive(t)
	out := t.TempDir()
	res, err := NewHugo(out, Options{Converter: listingConverter{failOn: "Hostile title."}}).Write(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) != 1 || res.Failed[0].Article != "published/ART_pub_01/2" {
		t.Fatalf("Failed = %v, want only published/ART_pub_01/2", res.Failed)
	}
	if res.Written != res.Articles-1 {
		t.Errorf("Written = %d, want %d", res.Written, res.Articles-1)
	}
	if !strings.Contains(res.Failed[0].Error(), "converter refused") {
		t.Errorf("error %q lost its cause", res.Failed[0].Error())
	}
}

func TestHugoProgressAndCancel(t *testing.T) {
	a := testArchive(t)
	var calls []int
	res, err := NewHugo(t.TempDir(), Options{
		Converter: listingConverter{},
		Progress: func(done, total int) {
			if total != 15 {
				t.Errorf("total = %d, want 15", total)
			}
			calls = append(calls, done)
		},
	}).Write(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}; !slices.Equal(calls, want) {
		t.Errorf("progress calls %v, want %v", calls, want)
	}
	_ = res

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := NewHugo(t.TempDir(), Options{Converter: listingConverter{}}).Write(ctx, a); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled write: err = %v, want context.Canceled", err)
	}

	// Cancel half-way: the write stops with the error and what was done.
	ctx, cancel = context.WithCancel(t.Context())
	defer cancel()
	res, err = NewHugo(t.TempDir(), Options{
		Converter: listingConverter{},
		Workers:   1,
		Progress: func(done, total int) {
			if done == 3 {
				cancel()
			}
		},
	}).Write(ctx, a)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled mid-way: err = %v, want context.Canceled", err)
	}
	if res.Written < 3 || res.Written == res.Articles {
		t.Errorf("cancelled mid-way: wrote %d of %d", res.Written, res.Articles)
	}
}

// TestImageLookupLenient checks that the URL forms the converter may hand
// over all find the stored image.
// planImages is planImagesOf for an article whose body's media the test
// leaves to archive.BodyMedia.
func planImages(a *archive.Archive, art *archive.Article) *imagePlan {
	return planImagesOf(a, art, archive.BodyMedia(art.Content))
}

func TestImageLookupLenient(t *testing.T) {
	a, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	png, _ := os.ReadFile(filepath.Join("testdata", "media", "red.png"))
	e, err := a.PutMedia("https://mmbiz.qpic.cn/mmbiz_png/X/640?wx_fmt=png&from=appmsg", png, ".png", "image/png")
	if err != nil {
		t.Fatal(err)
	}
	want := e.SHA256[:12] + ".png"
	art := &archive.Article{Source: archive.News, ItemID: "m", Index: 1}
	for _, u := range []string{
		"https://mmbiz.qpic.cn/mmbiz_png/X/640?wx_fmt=png&from=appmsg",
		"https://mmbiz.qpic.cn/mmbiz_png/X/640?wx_fmt=png&amp;from=appmsg",
		"https%3A%2F%2Fmmbiz.qpic.cn%2Fmmbiz_png%2FX%2F640%3Fwx_fmt%3Dpng%26from%3Dappmsg",
		"  https://mmbiz.qpic.cn/mmbiz_png/X/640?wx_fmt=png&from=appmsg ",
		"//mmbiz.qpic.cn/mmbiz_png/X/640?wx_fmt=png&from=appmsg",
		"http://mmbiz.qpic.cn/mmbiz_png/X/640?wx_fmt=png&from=appmsg",
	} {
		p := planImages(a, art)
		if got := p.localURL(u); got != want {
			t.Errorf("localURL(%q) = %q, want %q", u, got, want)
		}
		if len(p.missingKeys()) != 0 {
			t.Errorf("localURL(%q) counted a miss", u)
		}
	}
	p := planImages(a, art)
	for _, u := range []string{"https://mmbiz.qpic.cn/other", "https://mmbiz.qpic.cn/other", "data:image/gif;base64,R0l"} {
		if got := p.localURL(u); got != "" {
			t.Errorf("localURL(%q) = %q, want \"\"", u, got)
		}
	}
	if got := p.missingKeys(); !slices.Equal(got, []string{"https://mmbiz.qpic.cn/other"}) {
		t.Errorf("missing = %q, want the remote URL once", got)
	}

	// A media index entry whose file has gone is a miss, not a broken link.
	os.Remove(a.MediaPath(e))
	if got := planImages(a, art).localURL("https://mmbiz.qpic.cn/mmbiz_png/X/640?wx_fmt=png&from=appmsg"); got != "" {
		t.Errorf("vanished file mapped to %q", got)
	}
}
