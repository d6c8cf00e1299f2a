package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter"
	"github.com/mparchive/mparchive/exporter/wechattest"
	"github.com/mparchive/mparchive/output"
	"github.com/mparchive/mparchive/render"
)

// remoteImage finds Markdown images that still point at a server.
var remoteImage = regexp.MustCompile(`!\[[^\]]*\]\((https?:)?//[^)]*\)`)

// hugoBuild runs the real hugo on a written site and returns the public dir.
func hugoBuild(t *testing.T, site string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: runs hugo")
	}
	if _, err := exec.LookPath("hugo"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("hugo is not installed; .ci/run installs it")
		}
		t.Skip("hugo is not installed (apt-get install hugo)")
	}
	public := filepath.Join(t.TempDir(), "public")
	cmd := exec.Command("hugo", "--source", site, "--destination", public, "--cacheDir", t.TempDir())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("hugo failed: %v\n%s", err, out.String())
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, "ERROR") || strings.Contains(line, "WARN") {
			t.Errorf("hugo: %s", line)
		}
	}
	return public
}

func TestDemoExportBuildsWithHugo(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs hugo")
	}
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runCLI(t, "export", "--demo", "-o", out)
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	pages := bundles(t, out)
	if len(pages) < 30 {
		t.Fatalf("demo export wrote %d pages, want about 40", len(pages))
	}
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if m := remoteImage.Find(b); m != nil {
			t.Errorf("%s: image not made local: %s", p, m)
		}
	}
	// The demo's two voices come from the demo API's voice host, beside
	// their articles, linked from them, and published by Hugo.
	voices, _ := filepath.Glob(filepath.Join(out, "content", "posts", "*", "*.mp3"))
	if len(voices) != 2 {
		t.Errorf("%d voice files in the bundles, want the demo's 2: %v", len(voices), voices)
	}
	for _, v := range voices {
		page, err := os.ReadFile(filepath.Join(filepath.Dir(v), "index.md"))
		if err != nil || !bytes.Contains(page, []byte("]("+filepath.Base(v)+` "mparchive:voice `)) {
			t.Errorf("%s is not linked from its page (%v)", v, err)
		}
	}
	public := hugoBuild(t, out)
	html, _ := filepath.Glob(filepath.Join(public, "posts", "*", "index.html"))
	if len(html) != len(pages) {
		t.Errorf("hugo made %d article pages from %d bundles", len(html), len(pages))
	}
	if published, _ := filepath.Glob(filepath.Join(public, "posts", "*", "*.mp3")); len(published) != len(voices) {
		t.Errorf("hugo published %d of the %d voices", len(published), len(voices))
	}

	// A second run finds everything archived: it downloads nothing and
	// rewrites nothing.
	before := treeDigest(t, out)
	code, _, stderr = runCLI(t, "export", "--demo", "-o", out)
	if code != exitOK {
		t.Fatalf("second run: exit %d\n%s", code, stderr)
	}
	if !strings.HasPrefix(stderr, "nothing new: ") {
		t.Errorf("second run found something to do:\n%s", stderr)
	}
	diffTrees(t, before, treeDigest(t, out))
}

// countingTransport records every access_token a client sent, so tests can
// check no token leaked anywhere, and counts the requests of each path. A
// non-nil sending sees each request before it goes.
type countingTransport struct {
	next    http.RoundTripper
	sending func(*http.Request)
	mu      sync.Mutex
	tokens  map[string]bool
	paths   map[string]int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if c.sending != nil {
		c.sending(r)
	}
	c.mu.Lock()
	if tok := r.URL.Query().Get("access_token"); tok != "" {
		if c.tokens == nil {
			c.tokens = map[string]bool{}
		}
		c.tokens[tok] = true
	}
	if c.paths == nil {
		c.paths = map[string]int{}
	}
	c.paths[r.URL.Path]++
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

func instantSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// exportWith fetches from srv into dir/.mparchive/archive and builds the
// Hugo output into dir, as export does, with instant retries. A non-nil
// counter sees every request.
func exportWith(t testing.TB, srv *wechattest.Server, dir string, secret string, counter *countingTransport, opts exporter.FetchOptions) (*exporter.Summary, *output.Result, error) {
	t.Helper()
	sum, arch, err := fetchWith(t, srv, dir, secret, counter, opts)
	if err != nil {
		return sum, nil, err
	}
	w := output.NewHugo(dir, output.Options{Converter: render.New()})
	res, err := w.Write(t.Context(), arch)
	return sum, res, err
}

// fetchWith is the fetch half of exportWith.
func fetchWith(t testing.TB, srv *wechattest.Server, dir string, secret string, counter *countingTransport, opts exporter.FetchOptions) (*exporter.Summary, *archive.Archive, error) {
	t.Helper()
	var rt http.RoundTripper = srv.Client().Transport
	if counter != nil {
		counter.next = rt
		rt = counter
	}
	hc := &http.Client{Transport: rt}
	c, err := exporter.NewClient(
		exporter.WithBaseURL(srv.URL()),
		exporter.WithCredentials("wx0123456789abcdef", secret),
		exporter.WithHTTPClient(hc),
		// Generous: a deadline bounds a call's attempts together, and a
		// loaded machine must not make a loopback call miss it.
		exporter.WithRequestTimeout(10*time.Second),
		exporter.WithMaxAttempts(12),
		exporter.WithSleep(instantSleep),
	)
	if err != nil {
		t.Fatal(err)
	}
	arch, err := archive.Open(filepath.Join(dir, archiveSubdir))
	if err != nil {
		t.Fatal(err)
	}
	opts.Sleep = instantSleep
	opts.ImageHTTPClient = &http.Client{Transport: rt}
	opts.VoiceBaseURL = srv.URL() // the fake's voices, never WeChat's
	sum, err := exporter.Fetch(t.Context(), c, arch, opts)
	return sum, arch, err
}

func TestExportThousandArticlesThroughFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("long end-to-end test")
	}
	t.Parallel()
	const secret = "s3cr3t-AppSecret-never-printed"
	srv := startFake(t, wechattest.Options{
		Articles:  1000,
		Drafts:    -1,
		Seed:      7,
		FaultRate: 0.2,
		// Slow bodies finish within the request deadline: a body that
		// stalls past it costs the call its deadline (retry_test.go).
		SlowBody: 100 * time.Millisecond,
		Host:     fakeHost,
	})
	// Expire every token once the run is under way: at the fifth list page.
	var lists atomic.Int32
	rt := &countingTransport{sending: func(r *http.Request) {
		if p := r.URL.Path; (p == wechattest.PathFreePublishList || p == wechattest.PathBatchGetMaterial) && lists.Add(1) == 5 {
			srv.ExpireTokens()
		}
	}}
	dir := t.TempDir()

	var logs bytes.Buffer
	var logMu sync.Mutex
	sum, res, err := exportWith(t, srv, dir, secret, rt, exporter.FetchOptions{
		Attempts: 12,
		Logf: func(format string, args ...any) {
			logMu.Lock()
			defer logMu.Unlock()
			logs.WriteString(strings.TrimSpace(fmt.Sprintf(format, args...)) + "\n")
		},
	})
	if err != nil {
		t.Fatalf("export failed: %v\n%s", err, logs.String())
	}
	articles := 0
	for src, ss := range sum.Sources {
		if !ss.Complete {
			t.Errorf("%s incomplete: %v", src, ss.Err)
		}
		articles += ss.Articles
	}
	if articles != 1000 {
		t.Errorf("listed %d articles, want 1000", articles)
	}
	if len(sum.FailedMedia) != 0 {
		t.Errorf("%d images failed: %v", len(sum.FailedMedia), sum.FailedMedia)
	}
	if got := len(bundles(t, dir)); got != 1000 || res.Articles != 1000 {
		t.Errorf("wrote %d bundles for %d articles, want 1000 each", got, res.Articles)
	}
	if st := srv.Stats(); st["/cgi-bin/material/batchget_material"].Faults == 0 {
		t.Errorf("no fault was injected: %+v", st)
	}
	if len(rt.tokens) < 2 {
		t.Errorf("the token was never renewed after expiry (saw %d tokens)", len(rt.tokens))
	}
	assertNoSecrets(t, dir, logs.String(), append(tokenList(rt), secret))
}

func tokenList(rt *countingTransport) []string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	var out []string
	for tok := range rt.tokens {
		out = append(out, tok)
	}
	return out
}

// assertNoSecrets fails if any secret appears in text or in any file below dir.
func assertNoSecrets(t *testing.T, dir, text string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("a secret appears in the output: %.6s…", s)
		}
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("a secret appears in %s", p)
			}
		}
		return nil
	})
}
