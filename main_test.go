package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/mparchive/mparchive/convcache"
	"github.com/mparchive/mparchive/exporter/wechattest"
	"github.com/mparchive/mparchive/internal/testscratch"
)

// The root package's tests run commands in-process (runCLI) against the
// fake API (startFake, wrapFake) and compare what they write (treeDigest).

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		runAsMain()
	}
	retrySleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	pageSleep = retrySleep
	testscratch.InMemory()
	// Builds convert through a cache of their own, never the user's.
	cache, err := os.MkdirTemp("", "mparchive-test-cache-")
	if err != nil {
		panic(err)
	}
	os.Setenv(convcache.EnvDir, cache)
	// The CLI contract suite (scripts_test.go) runs this binary as
	// mparchive: main itself, with its signal handling and exit codes,
	// and the waits above off.
	testscript.Main(cleanupM{m, cache}, map[string]func(){"mparchive": main})
}

// cleanupM removes the tests' cache after the tests, before testscript.Main
// exits.
type cleanupM struct {
	m     *testing.M
	cache string
}

func (c cleanupM) Run() int {
	defer func() {
		os.RemoveAll(c.cache)
		for _, d := range append(benchCleanup, fixtureCleanup...) {
			os.RemoveAll(d)
		}
	}()
	return c.m.Run()
}

// runCLI runs one mparchive command line in-process and returns its exit
// code and what it printed.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(t.Context(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// fakeConfig writes the fake API's credentials into a config file and
// returns the --config flag that names it: unlike t.Setenv, it leaves a
// test free to run in parallel with others.
func fakeConfig(t *testing.T) []string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte("appid: wx1\nsecret: s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"--config", path}
}

// fakeHost names every fake server in tests that use its Client, so two
// servers with the same seed serve byte-identical content.
const fakeHost = "fake.mparchive.invalid"

func startFake(t testing.TB, opts wechattest.Options) *wechattest.Server {
	t.Helper()
	srv, err := wechattest.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// bundles lists the page bundles of a Hugo output.
func bundles(t *testing.T, dir string) []string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, "content", "posts", "*", "index.md"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(matches)
	return matches
}

// treeDigest maps every file below dir to the SHA-256 of its content, so two
// runs' outputs can be compared whole.
func treeDigest(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		sum := sha256.Sum256(b)
		out[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func diffTrees(t testing.TB, want, got map[string]string) {
	t.Helper()
	n := 0
	for k, v := range want {
		if got[k] != v {
			if n++; n <= 10 {
				t.Errorf("file %s differs or is missing (want %.8s, got %.8s)", k, v, got[k])
			}
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			if n++; n <= 10 {
				t.Errorf("unexpected file %s", k)
			}
		}
	}
}

// wrapFake serves srv behind handler wrap, to make one endpoint misbehave in
// a way the fake itself does not offer.
func wrapFake(t *testing.T, opts wechattest.Options, wrap func(next http.Handler) http.Handler) string {
	t.Helper()
	srv, err := wechattest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(wrap(srv.Handler()))
	t.Cleanup(ts.Close)
	srv.SetBaseURL(ts.URL)
	return ts.URL
}

func answer(path, body string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == path {
			if strings.HasPrefix(body, "<") {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusBadGateway)
			}
			w.Write([]byte(body))
			return
		}
		next.ServeHTTP(w, r)
	})
}
