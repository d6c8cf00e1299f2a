package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer lets the test read what runServe prints while it runs. A
// non-nil lines hears of every write that ends a line.
type lockedBuffer struct {
	mu    sync.Mutex
	b     strings.Builder
	lines chan struct{}
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lines != nil && bytes.HasSuffix(p, []byte("\n")) {
		select {
		case l.lines <- struct{}{}:
		default: // the reader has yet to take the last one
		}
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServe serves a folder on a free loopback port, checks the types of
// the site's files and that the archive folder stays private, then stops
// it the way Ctrl-C does.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"index.html":                    "<!DOCTYPE html><title>home</title>",
		"feed.xml":                      "<feed/>",
		"sitemap.xml":                   "<urlset/>",
		"search/meta.js":                "mpSearch.meta({})",
		"data.json":                     "{}",
		"posts/春节/index.html":           "<p>春节</p>",
		".mparchive/slugs.json":         `{"secret": true}`,
		".mparchive/archive/state.json": "{}",
	}
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	ctx, stop := context.WithCancel(t.Context())
	stdout := lockedBuffer{lines: make(chan struct{}, 1)}
	var stderr lockedBuffer
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, []string{dir, "--listen", "127.0.0.1:0"}, &stdout, &stderr) }()

	// The address is serve's first line, printed once it listens.
	select {
	case <-stdout.lines:
	case err := <-done:
		t.Fatalf("serve ended before it listened: %v; stderr %q", err, stderr.String())
	}
	base := regexp.MustCompile(`http://127\.0\.0\.1:\d+/`).FindString(stdout.String())
	if base == "" {
		stop()
		t.Fatalf("no address printed; stdout %q stderr %q", stdout.String(), stderr.String())
	}

	tests := []struct {
		path       string
		status     int
		typePrefix string
	}{
		{"", 200, "text/html"},
		{"feed.xml", 200, "application/xml"},
		{"sitemap.xml", 200, "application/xml"},
		{"search/meta.js", 200, "text/javascript"},
		{"data.json", 200, "application/json"},
		{"posts/%E6%98%A5%E8%8A%82/", 200, "text/html"},
		{".mparchive/slugs.json", 404, ""},
		{".mparchive/archive/state.json", 404, ""},
		{"posts/../.mparchive/slugs.json", 404, ""},
		{"missing.html", 404, ""},
	}
	for _, tt := range tests {
		resp, err := http.Get(base + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("GET /%s: %d, want %d", tt.path, resp.StatusCode, tt.status)
		}
		if ct := resp.Header.Get("Content-Type"); tt.typePrefix != "" && !strings.HasPrefix(ct, tt.typePrefix) {
			t.Errorf("GET /%s: Content-Type %q, want %s…", tt.path, ct, tt.typePrefix)
		}
		if strings.Contains(string(body), "secret") {
			t.Errorf("GET /%s shows the archive folder", tt.path)
		}
	}

	stop()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("serve after Ctrl-C: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after its context ended")
	}
}

func TestServeUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"a", "b"}} {
		err := runServe(t.Context(), args, io.Discard, io.Discard)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("serve %q: %v, want a usage error", args, err)
		}
	}
	if err := runServe(t.Context(), []string{filepath.Join(t.TempDir(), "missing")}, io.Discard, io.Discard); err == nil {
		t.Error("serving a missing folder: no error")
	}
}

// TestServeRegularFilesOnly checks what serve refuses: a link in the
// folder to a file or a folder outside it (it once served /etc/passwd
// that way), a folder's listing, a folder's index.html that is a link.
func TestServeRegularFilesOnly(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	secret := filepath.Join(outside, "passwd")
	if err := os.WriteFile(secret, []byte("root:x:0:0"), 0o644); err != nil {
		t.Fatal(err)
	}
	for p, content := range map[string]string{
		"index.html":          "<p>home</p>",
		"posts/a/index.html":  "<p>a</p>",
		"posts/a/img.png":     "png",
		"posts/nolist/x.png":  "png",
		"posts/linked/ok.png": "png",
	} {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"passwd":                  secret,
		"etc":                     outside,
		"posts/linked/index.html": secret,
		"posts/a/inner-link.png":  filepath.Join(dir, "posts", "a", "img.png"),
		"posts/b":                 filepath.Join(dir, "posts", "a"),
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			t.Fatal(err)
		}
	}
	h := siteHandler(dir)
	for _, tt := range []struct {
		path   string
		status int
		body   string
	}{
		{"/", 200, "<p>home</p>"},
		{"/posts/a/", 200, "<p>a</p>"},
		{"/posts/a", 301, ""},
		{"/posts/a/img.png", 200, "png"},
		{"/passwd", 404, ""},
		{"/etc/passwd", 404, ""},
		{"/posts/linked/", 404, ""},
		{"/posts/a/inner-link.png", 404, ""},
		{"/posts/b/", 404, ""},
		{"/posts/b/img.png", 404, ""},
		{"/posts/nolist/", 404, ""},
		{"/posts/", 404, ""},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
		if rec.Code != tt.status {
			t.Errorf("GET %s: %d, want %d", tt.path, rec.Code, tt.status)
		}
		if tt.body != "" && rec.Body.String() != tt.body {
			t.Errorf("GET %s: %q, want %q", tt.path, rec.Body.String(), tt.body)
		}
		if strings.Contains(rec.Body.String(), "root:x") || strings.Contains(rec.Body.String(), "<pre>") {
			t.Errorf("GET %s shows %q", tt.path, rec.Body.String())
		}
	}
}

// TestServeNotFoundPage checks that a missing address gets the site's own
// 404.html with the status 404, and a HEAD request no body; a 404.html that
// is a link out of the folder is not served.
func TestServeNotFoundPage(t *testing.T) {
	dir := t.TempDir()
	for p, content := range map[string]string{"index.html": "<p>home</p>", "404.html": "<h1>找不到这个页面</h1>"} {
		must(t, os.WriteFile(filepath.Join(dir, p), []byte(content), 0o644))
	}
	h := siteHandler(dir)
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, "/posts/gone/", nil))
		want := "<h1>找不到这个页面</h1>"
		if method == http.MethodHead {
			want = ""
		}
		if rec.Code != 404 || rec.Body.String() != want || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Errorf("%s a missing page: %d %q %q", method, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
		}
	}
	outside := filepath.Join(t.TempDir(), "secret.html")
	must(t, os.WriteFile(outside, []byte("secret"), 0o644))
	must(t, os.Remove(filepath.Join(dir, "404.html")))
	must(t, os.Symlink(outside, filepath.Join(dir, "404.html")))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/nope", nil))
	if rec.Code != 404 || strings.Contains(rec.Body.String(), "secret") {
		t.Errorf("a linked 404.html: %d %q", rec.Code, rec.Body.String())
	}
}

// TestServeRefusesOtherFolders shows what serve says for a folder that is
// no built site: the source of a Hugo site (with mparchive's archive, and
// without), another format's output, a folder without an index.html. Each
// message names the command to run instead.
func TestServeRefusesOtherFolders(t *testing.T) {
	root := t.TempDir()
	mk := func(name string, files ...string) string {
		dir := filepath.Join(root, name)
		for _, f := range files {
			p := filepath.Join(dir, filepath.FromSlash(f))
			must(t, os.MkdirAll(filepath.Dir(p), 0o755))
			must(t, os.WriteFile(p, []byte("x"), 0o644))
		}
		must(t, os.MkdirAll(dir, 0o755))
		return dir
	}
	tests := []struct {
		dir  string
		want string
	}{
		{mk("blog", "hugo.toml", ".mparchive/build-hugo.json", ".mparchive/archive/items/news/a.json"),
			"mparchive serve: blog is the source of a Hugo site, not a built one. Build it and serve what Hugo writes:\n" +
				"  hugo --source blog && mparchive serve blog/public\n" +
				"or write mparchive's own site from its archive:\n" +
				"  mparchive build --archive blog/.mparchive/archive --format site -o blog-site\n" +
				"  mparchive serve blog-site\n"},
		{mk("theirs", "config.toml"),
			"mparchive serve: theirs is the source of a Hugo site, not a built one. Build it and serve what Hugo writes:\n" +
				"  hugo --source theirs && mparchive serve theirs/public\n"},
		{mk("notes", "index.md", ".mparchive/build-markdown.json", ".mparchive/archive/items/news/a.json"),
			"mparchive serve: notes holds the markdown output, which its generator builds into a site; mparchive serves the site format:\n" +
				"  mparchive build --archive notes/.mparchive/archive --format site -o notes-site\n" +
				"  mparchive serve notes-site\n"},
		{mk("empty"),
			"mparchive serve: empty has no index.html, so it is no built site. Write one with:\n" +
				"  mparchive export --format site -o empty\n"},
	}
	t.Chdir(root)
	for _, tt := range tests {
		name := filepath.Base(tt.dir)
		code, stdout, stderr := runCLI(t, "serve", name, "--listen", "127.0.0.1:0")
		if code != exitUsage || stdout != "" || stderr != tt.want {
			t.Errorf("serve %s: exit %d, stdout %q, stderr:\n%s\nwant:\n%s", name, code, stdout, stderr, tt.want)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
