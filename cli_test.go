package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter/wechattest"
	"github.com/mparchive/mparchive/output"
)

// TestHostileArticlesStayInside exports an account whose titles and ids try
// to break out of the output folder or the front matter, and checks every
// file stays inside and every title round-trips.
func TestHostileArticlesStayInside(t *testing.T) {
	t.Parallel()
	// The generator draws a hostile title one time in 25 (this account
	// has two), so every title of hostileTitles is published besides, each
	// over a body whose markup must not survive.
	srv := startFake(t, wechattest.Options{Articles: 40, Drafts: 4, Seed: 11})
	for titles := slices.Clone(hostileTitles); len(titles) > 0; {
		n := min(len(titles), 8) // a message holds up to 8 articles
		var msg []wechattest.Article
		for i, title := range titles[:n] {
			msg = append(msg, wechattest.Article{Title: title,
				Content: `<p>正文</p>` + hostileBodies[i%len(hostileBodies)]})
		}
		if _, err := srv.Publish(msg...); err != nil {
			t.Fatal(err)
		}
		titles = titles[n:]
	}
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runCLI(t, append([]string{"export", "--api-base", srv.URL(), "-o", out, "--source", "news,published,drafts", "--quiet"}, fakeConfig(t)...)...)
	if code != exitOK && code != exitPartial {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	arch, err := archive.Open(filepath.Join(out, archiveSubdir))
	if err != nil {
		t.Fatal(err)
	}
	wantTitles := map[string]int{}
	arch.Walk(func(a *archive.Article) error { wantTitles[a.Title]++; return nil })
	gotTitles := map[string]int{}
	for _, p := range bundles(t, out) {
		b, _ := os.ReadFile(p)
		// The front matter ends at a line of "---" alone, as Hugo reads
		// it: a title's own "---" lines come indented.
		front, body := splitFrontMatter(t, string(b))
		var fm map[string]any
		if err := yaml.Unmarshal([]byte(front), &fm); err != nil {
			t.Fatalf("%s: front matter: %v", p, err)
		}
		if _, ok := fm["url"]; ok {
			t.Errorf("%s: front matter has the key url, which overrides Hugo's address", p)
		}
		title, _ := fm["title"].(string)
		gotTitles[title]++
		for _, bad := range []string{"<script", "onclick", "<iframe"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: %q survived into the Markdown", p, bad)
			}
		}
		if m := scriptLink.FindString(body); m != "" {
			t.Errorf("%s: a script link survived into the Markdown: %s", p, m)
		}
	}
	for title, n := range wantTitles {
		if gotTitles[title] != n {
			t.Errorf("title %q: %d pages, want %d", title, gotTitles[title], n)
		}
	}
	if !testing.Short() { // -short runs no hugo
		hugoBuild(t, out)
	}
}

// hostileTitles are titles that break naive slug, path, YAML or shell
// code.
var hostileTitles = []string{
	"../../../../etc/passwd",
	"..\\..\\Windows\\win.ini",
	"/absolute/path",
	"第一行\n第二行",
	"tab\there and\rreturn",
	"---\ntitle: injected\n---",
	"key: value # comment",
	`quotes "double" and 'single'`,
	"{{ .Site.Params.secret }} {% raw %}",
	"<script>alert('title')</script>",
	"$(rm -rf ~) `id`",
	"CON",
	".",
	"..",
	"  leading and trailing spaces  ",
	"nul\x00byte",
	"零宽\u200b字符与 emoji 🎉",
	strings.Repeat("很长的标题", 80),
}

// scriptLink finds a Markdown link or image whose target runs script.
var scriptLink = regexp.MustCompile(`(?i)\]\(<?\s*(javascript|vbscript|data):`)

// hostileBodies are article bodies whose markup must not reach the
// output: scripts, event handlers, script links.
var hostileBodies = []string{
	`<script>document.write("injected")</script>`,
	`<p onclick="alert(1)">点我</p>`,
	`<p><a href="javascript:alert(document.cookie)">查看详情</a></p>`,
	`<iframe src="javascript:alert(1)"></iframe>`,
}

// TestFailedImageIsRetried breaks one image for the first run with a
// failure that may pass (503, through every attempt): that run finishes
// with exit 3, names the image and keeps its remote URL; the next run
// downloads it and the page links the local file.
func TestFailedImageIsRetried(t *testing.T) {
	t.Parallel()
	var broken atomic.Bool
	broken.Store(true)
	var (
		mu         sync.Mutex
		brokenPath string
	)
	base := wrapFake(t, wechattest.Options{Articles: 10, Drafts: -1, Seed: 5}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			hit := broken.Load() && strings.Contains(r.URL.Path, "/mmbiz") && (brokenPath == "" || brokenPath == r.URL.Path)
			if hit {
				brokenPath = r.URL.Path
			}
			mu.Unlock()
			if hit {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	cfg := fakeConfig(t)
	out := t.TempDir()
	code, _, stderr := runCLI(t, append([]string{"export", "--api-base", base, "-o", out, "--concurrency", "1"}, cfg...)...)
	mu.Lock()
	path := brokenPath
	mu.Unlock()
	if code != exitPartial || !strings.Contains(stderr, path) || !strings.Contains(stderr, "HTTP 503") {
		t.Fatalf("first run: exit %d, want %d naming %s:\n%s", code, exitPartial, path, stderr)
	}
	if !pagesMention(t, out, path) {
		t.Fatal("no page keeps the failed image's remote URL")
	}
	broken.Store(false)
	code, _, stderr = runCLI(t, append([]string{"export", "--api-base", base, "-o", out}, cfg...)...)
	if code != exitOK || !strings.Contains(stderr, "retrying 1 media downloads") {
		t.Fatalf("second run: exit %d:\n%s", code, stderr)
	}
	if pagesMention(t, out, path) {
		t.Error("a page still links the image remotely after it was downloaded")
	}
}

func pagesMention(t *testing.T, dir, s string) bool {
	for _, p := range bundles(t, dir) {
		b, _ := os.ReadFile(p)
		if strings.Contains(string(b), s) {
			return true
		}
	}
	return false
}

// TestInterruptKeepsProgress cancels a run after its first page, as Ctrl-C
// does: the command exits 130 after printing what it did, and the next run
// resumes and completes.
func TestInterruptKeepsProgress(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// Ctrl-C comes as the second page of news is asked for: the first is in.
	// This account's news fill two pages (22 messages), enough for a run to
	// stop between them; with one page the first run would not stop and
	// the test fails.
	const articles = 60
	var pages atomic.Int32
	base := wrapFake(t, wechattest.Options{Articles: articles, Drafts: -1, Seed: 31}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == wechattest.PathBatchGetMaterial && pages.Add(1) == 2 {
				cancel()
			}
			next.ServeHTTP(w, r)
		})
	})
	out := t.TempDir()
	export := append([]string{"export", "--api-base", base, "-o", out}, fakeConfig(t)...)
	var stdout, stderr bytes.Buffer
	code := run(ctx, export, &stdout, &stderr)
	if code != exitInterrupted || !strings.Contains(stderr.String(), "news") {
		t.Fatalf("exit %d, want %d with a summary:\n%s", code, exitInterrupted, stderr.String())
	}
	code, _, errs := runCLI(t, export...)
	if code != exitOK || !strings.Contains(errs, "resuming at offset") {
		t.Fatalf("second run: exit %d:\n%s", code, errs)
	}
	if got, want := len(bundles(t, out)), articles; got != want {
		t.Errorf("%d pages after resuming, want %d", got, want)
	}
}

// TestPlainProgressLines checks that without a terminal progress comes as
// plain lines (for cron and CI logs), and that --quiet silences it.
func TestPlainProgressLines(t *testing.T) {
	old := plainInterval
	plainInterval = 0
	defer func() { plainInterval = old }()
	out := t.TempDir()
	_, _, stderr := runCLI(t, "export", "--demo", "-o", out)
	for _, want := range []string{"fetching news: ", "fetching published: ", "building hugo: "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("no %q line:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "\r") || strings.Contains(stderr, "\x1b[") {
		t.Error("terminal control characters in plain output")
	}
	if _, _, stderr := runCLI(t, "export", "--demo", "-o", out, "--quiet"); stderr != "" {
		t.Errorf("--quiet printed:\n%s", stderr)
	}
}

func TestConvertCommand(t *testing.T) {
	in := filepath.Join(t.TempDir(), "body.html")
	os.WriteFile(in, []byte(`<section style="color:red"><p><span leaf="">你好，<strong>世界</strong></span></p><script>alert(1)</script></section>`), 0o644)
	code, stdout, stderr := runCLI(t, "convert", in)
	if code != exitOK || stdout != "你好，**世界**\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if code, _, stderr := runCLI(t, "convert", filepath.Join(t.TempDir(), "missing.html")); code != exitFailed || stderr == "" {
		t.Errorf("missing file: exit %d %q", code, stderr)
	}
}

// TestURLSourceAndMaterials backs up, besides the list sources, articles
// that only have a web page (from a links file, some of them deleted) and
// the account's permanent materials.
func TestURLSourceAndMaterials(t *testing.T) {
	srv := startFake(t, wechattest.Options{Articles: 20, Drafts: -1, Seed: 13, MassSent: 4})
	mass := srv.MassSentArticles()
	if len(mass) != 4 {
		t.Fatalf("%d mass-sent articles", len(mass))
	}
	if err := srv.SetPageState(mass[3].URL, wechattest.PageDeleted); err != nil {
		t.Fatal(err)
	}
	list := filepath.Join(t.TempDir(), "urls.txt")
	var lines []string
	for i, a := range mass {
		link := a.URL
		if i == 1 {
			link = wechattest.ShortLink(a.URL)
		}
		lines = append(lines, link)
	}
	os.WriteFile(list, []byte("# mass-sent since 2023\n"+strings.Join(lines, "\n")+"\n"), 0o644)
	t.Setenv("MPARCHIVE_APPID", "wx1")
	t.Setenv("MPARCHIVE_SECRET", "s")
	out := t.TempDir()
	args := []string{"export", "--api-base", srv.URL(), "--page-base", srv.URL(), "-o", out,
		"--source", "news,published,images,voice,video", "--urls", list}
	// A deleted page is reported, once, and fails no run: no re-run
	// brings it back.
	code, _, stderr := runCLI(t, args...)
	if code != exitOK || !strings.Contains(stderr, "unavailable for good") || !strings.Contains(stderr, "deleted") {
		t.Fatalf("exit %d, want %d naming the deleted page:\n%s", code, exitOK, stderr)
	}
	pages := srv.Calls(wechattest.PagesStatsPath)
	code, _, stderr2 := runCLI(t, args...)
	if code != exitOK || strings.Contains(stderr2, "deleted") || srv.Calls(wechattest.PagesStatsPath) != pages {
		t.Errorf("second run: exit %d after %d more page requests, want 0 and none:\n%s",
			code, srv.Calls(wechattest.PagesStatsPath)-pages, stderr2)
	}
	for _, a := range mass[:3] {
		found := false
		for _, p := range bundles(t, out) {
			b, _ := os.ReadFile(p)
			found = found || strings.Contains(string(b), "title: "+a.Title) || strings.Contains(string(b), a.Title)
		}
		if !found {
			t.Errorf("mass-sent article %q has no page", a.Title)
		}
	}
	for _, kind := range []string{"image", "voice", "video"} {
		if !strings.Contains(stderr, kind+" ") {
			t.Errorf("summary does not report %s materials:\n%s", kind, stderr)
		}
	}
	arch, _ := archive.Open(filepath.Join(out, archiveSubdir))
	n := 0
	arch.WalkMaterials(func(m *archive.Material) error {
		if _, ok := arch.Media(m.MediaKey()); ok {
			n++
		}
		return nil
	})
	if n == 0 {
		t.Error("no material file was stored")
	}
}

// TestEveryFormatEndToEnd exports one account from the fake API over
// loopback in every format, then checks each output holds a page per
// article and no image that still points at the server.
func TestEveryFormatEndToEnd(t *testing.T) {
	t.Parallel()
	srv := startFake(t, wechattest.Options{Articles: 12, Drafts: -1, Seed: 17})
	cfg := fakeConfig(t)
	pages := map[string]string{
		"hugo":     "content/posts/*/index.md",
		"site":     "posts/*/index.html",
		"markdown": "*.md",
		"hexo":     "source/_posts/*.md",
		"jekyll":   "_posts/*.md",
		"zola":     "content/*/index.md",
	}
	for _, format := range output.Formats() {
		t.Run(format, func(t *testing.T) {
			glob, ok := pages[format]
			if !ok {
				t.Fatalf("no page pattern for format %q: add it to this test", format)
			}
			out := t.TempDir()
			code, _, stderr := runCLI(t, append([]string{"export", "--api-base", srv.URL(), "-o", out, "--format", format, "--quiet"}, cfg...)...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			files, _ := filepath.Glob(filepath.Join(out, glob))
			n := 0
			for _, f := range files {
				if filepath.Base(f) == "index.md" && format == "markdown" {
					continue // the list of articles, not an article
				}
				b, _ := os.ReadFile(f)
				if strings.Contains(string(b), srv.URL()+"/mmbiz") {
					t.Errorf("%s links an image on the server", f)
				}
				n++
			}
			if n != 12 {
				t.Errorf("%d pages, want 12", n)
			}
		})
	}
}

// TestVersion checks what a release build prints: goreleaser sets the
// version, commit and date at link time (.goreleaser.yaml).
func TestVersion(t *testing.T) {
	buildVersion, buildCommit, buildDate = "v1.2.3", "0123456789abcdef", "2026-11-30T08:00:00Z"
	t.Cleanup(func() { buildVersion, buildCommit, buildDate = "", "", "" })
	code, out, _ := runCLI(t, "version")
	want := "mparchive v1.2.3\n  commit   0123456789abcdef\n  built    from a commit of 2026-11-30T08:00:00Z\n  go       " +
		runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	if code != 0 || out != want {
		t.Errorf("exit %d, printed\n%s\nwant\n%s", code, out, want)
	}
}
