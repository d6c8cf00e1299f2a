package main

import (
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

// lockedBuffer lets the test read what runServe prints while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
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
	var stdout, stderr lockedBuffer
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, []string{dir, "--listen", "127.0.0.1:0"}, &stdout, &stderr) }()

	addr := regexp.MustCompile(`http://127\.0\.0\.1:\d+/`)
	var base string
	for deadline := time.Now().Add(5 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		base = addr.FindString(stdout.String())
	}
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
