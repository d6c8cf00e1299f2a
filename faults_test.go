package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter"
	"github.com/mparchive/mparchive/exporter/wechattest"
)

// TestPermanentFailuresFailNoRun: images that are 404 are reported once,
// with what they were, kept in the archive's state, and fail neither the
// run that finds them nor the next, which does not ask for them again.
func TestPermanentFailuresFailNoRun(t *testing.T) {
	t.Parallel()
	srv := startFake(t, wechattest.Options{Articles: 12, Drafts: -1, Seed: 31, MissingImages: 2})
	out := t.TempDir()
	args := append([]string{"export", "--api-base", srv.URL(), "-o", out}, fakeConfig(t)...)

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

// closedPort is a loopback address nothing listens on: connecting to it is
// refused at once, as on a machine whose network is down.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// TestDeadNetworkExitsOne: when nothing answers, the run ends with exit 1
// after one request's attempts, not with 3 ("some failed, re-run") after
// every source and file has spent its own.
func TestDeadNetworkExitsOne(t *testing.T) {
	t.Setenv("MPARCHIVE_APPID", "wx1")
	t.Setenv("MPARCHIVE_SECRET", "s")
	links := filepath.Join(t.TempDir(), "links.txt")
	if err := os.WriteFile(links, []byte("https://mp.weixin.qq.com/s/AAAAAAAAAAAAAAAAAAAAAA\nhttps://mp.weixin.qq.com/s/BBBBBBBBBBBBBBBBBBBBBB\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
	}{
		{"API", []string{"--api-base", closedPort(t), "--source", "news,published,drafts"}},
		{"pages", []string{"--page-base", closedPort(t), "--source", "urls", "--urls", links}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"export", "-o", t.TempDir()}, tt.args...)
			code, _, stderr := runCLI(t, args...)
			if code != exitFailed {
				t.Fatalf("exit %d, want %d:\n%s", code, exitFailed, stderr)
			}
			if !strings.Contains(stderr, "connection refused") || !strings.Contains(stderr, fmt.Sprintf("gave up after %d attempts", exporter.DefaultMaxAttempts)) {
				t.Errorf("the error does not say what failed, after how many attempts:\n%s", stderr)
			}
			// One request's retries, not one set per source or call.
			if n := strings.Count(stderr, "failed, retrying"); n > exporter.DefaultMaxAttempts-1 {
				t.Errorf("%d retries reported, want at most %d:\n%s", n, exporter.DefaultMaxAttempts-1, stderr)
			}
		})
	}
}

// TestOptionsCheckedBeforeAnyRequest: every option mistake exits 2 before
// the first request, so a typo costs no API quota.
func TestOptionsCheckedBeforeAnyRequest(t *testing.T) {
	srv := startFake(t, wechattest.Options{Articles: 4, Drafts: -1})
	t.Setenv("MPARCHIVE_APPID", "wx1")
	t.Setenv("MPARCHIVE_SECRET", "s")
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	typo := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(typo, []byte("appid: wx1\nsecert: s3cr3t-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	api := []string{"--api-base", srv.URL()}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"unknown theme", []string{"export", "-o", dir, "--format", "site", "--theme", "nosuch"}, []string{`unknown theme "nosuch"`}},
		{"theme of another format", []string{"export", "-o", dir, "--theme", "compact"}, []string{"--format site"}},
		{"theme-dir that is a file", []string{"export", "-o", dir, "--format", "site", "--theme-dir", file}, []string{"not a folder"}},
		{"theme-dir of jekyll that is a file", []string{"export", "-o", dir, "--format", "jekyll", "--theme-dir", file}, []string{"not a folder"}},
		{"unknown format", []string{"export", "-o", dir, "--format", "docx"}, []string{`unknown --format "docx"`}},
		{"extra argument", []string{"export", "-o", dir, "news"}, []string{`unexpected argument "news"`}},
		{"extra argument to fetch", []string{"fetch", "--archive", dir, "published"}, []string{`unexpected argument "published"`}},
		{"extra argument to build", []string{"build", "-o", dir, "x"}, []string{`unexpected argument "x"`}},
		{"-o names a file", []string{"export", "-o", file}, []string{"-o " + file + " is a file"}},
		{"--archive names a file", []string{"fetch", "--archive", file}, []string{"--archive " + file + " is a file"}},
		{"bad timeout", []string{"export", "-o", dir, "--timeout", "0s"}, []string{"--timeout"}},
		{"config key misspelt", []string{"export", "-o", dir, "--config", typo}, []string{`unknown key "secert" (line 2)`, typo, "appid, secret, api_base"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := srv.Stats()
			args := tt.args
			if args[0] != "build" {
				args = append(args, api...)
			}
			code, _, stderr := runCLI(t, args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d:\n%s", code, exitUsage, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stderr, "s3cr3t-value") {
				t.Errorf("the config file's secret is in the message:\n%s", stderr)
			}
			if after := srv.Stats(); len(after) != len(before) {
				t.Errorf("requests were made: %v", after)
			}
		})
	}
}

// TestBuildRecordIsShared: build writes the record export reads, so an
// export after a filtered build builds again instead of counting the
// articles of an output that no longer holds them as unchanged.
func TestBuildRecordIsShared(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	demoExportInto(t, out)
	want := len(bundles(t, out))
	if want == 0 {
		t.Fatal("the demo export wrote no bundle")
	}
	if code, _, stderr := runCLI(t, "build", "-o", out, "--title-match", "NO SUCH TITLE"); code != exitOK {
		t.Fatalf("build: exit %d:\n%s", code, stderr)
	}
	if n := len(bundles(t, out)); n != 0 {
		t.Fatalf("the filtered build left %d bundles", n)
	}
	code, _, stderr := runCLI(t, "export", "--demo", "-o", out)
	if code != exitOK {
		t.Fatalf("second export: exit %d:\n%s", code, stderr)
	}
	if n := len(bundles(t, out)); n != want {
		t.Errorf("second export left %d bundles, want %d:\n%s", n, want, stderr)
	}
}

// TestExportThroughFaultsEqualsFaultFree exports an account of 120
// articles (API sources, article pages, images, voices, every kind of
// material) once without faults and once with a fifth of every kind of
// request failing (errcode -1 and 45011, 5xx, truncated, cut and stalled
// bodies, resets): the second run exits 0 and leaves the very same files.
// Its hundreds of requests meet faults on every kind of request (the
// test checks they do), as 300 articles did.
func TestExportThroughFaultsEqualsFaultFree(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: exports 120 articles twice; TestNetworkLostMidRunIsPartial and the exporter's tests cover faults")
	}
	t.Parallel()
	srv := startFake(t, wechattest.Options{
		Articles: 120, Drafts: 12, Seed: 10, MassSent: 6, PicturePosts: 2, TextPosts: 2, SharePosts: 2, VideoPosts: 2,
		// Slow bodies stall for less than the deadline: they pass, slowly.
		SlowBody: 20 * time.Millisecond,
	})
	links := filepath.Join(t.TempDir(), "links.txt")
	if err := os.WriteFile(links, []byte(strings.Join(srv.PageLinks(), "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := fakeConfig(t)
	export := func(out string) string {
		t.Helper()
		code, _, stderr := runCLI(t, append([]string{"export", "--api-base", srv.URL(), "--page-base", srv.URL(), "-o", out,
			"--source", "news,published,drafts,urls,images,voice,video", "--urls", links, "--quiet"}, cfg...)...)
		if code != exitOK {
			t.Fatalf("exit %d, want %d:\n%s", code, exitOK, stderr)
		}
		return stderr
	}
	clean := t.TempDir()
	export(clean)
	srv.SetFaultRate(0.2)
	before := srv.Stats()
	faulty := t.TempDir()
	export(faulty)

	// Every kind of request met faults.
	after := srv.Stats()
	faults := func(paths ...string) int {
		n := 0
		for _, p := range paths {
			n += after[p].Faults - before[p].Faults
		}
		return n
	}
	for kind, n := range map[string]int{
		"API": faults(wechattest.PathStableToken, wechattest.PathFreePublishList, wechattest.PathBatchGetMaterial,
			wechattest.PathDraftList, wechattest.PathGetMaterial, wechattest.PathMaterialCount, wechattest.PathQuotaGet),
		"image": faults("images"),
		"page":  faults(wechattest.PagesStatsPath),
		"voice": faults(wechattest.VoiceStatsPath),
		"video": faults(wechattest.VideoStatsPath),
	} {
		if n == 0 {
			t.Errorf("no fault was injected on %s requests", kind)
		}
	}
	diffTrees(t, treeDigest(t, clean), treeDigest(t, faulty))
}

// TestStalledServerCostsOneDeadline: a token endpoint that answers nothing
// costs the run one request deadline, not one per attempt, source and
// call: the run ends with exit 1 after a single stalled request.
func TestStalledServerCostsOneDeadline(t *testing.T) {
	srv := startFake(t, wechattest.Options{Articles: 4, Drafts: -1, Hostile: wechattest.Hostile{StallToken: true}})
	t.Setenv("MPARCHIVE_APPID", "wx1")
	t.Setenv("MPARCHIVE_SECRET", "s")
	code, _, stderr := runCLI(t, "export", "--api-base", srv.URL(), "-o", t.TempDir(), "--timeout", "200ms",
		"--source", "news,published,drafts,images")
	if code != exitFailed {
		t.Fatalf("exit %d, want %d:\n%s", code, exitFailed, stderr)
	}
	if !strings.Contains(stderr, "no complete answer within 200ms") {
		t.Errorf("the error does not name the deadline:\n%s", stderr)
	}
	if n := srv.Calls(wechattest.PathStableToken); n != 1 {
		t.Errorf("%d token requests, want 1: the deadline was spent by the first\n%s", n, stderr)
	}
}

// TestNetworkLostMidRunIsPartial: when the API stops answering after a
// source was listed, the run keeps and builds what came in and exits 3
// (a re-run goes on), naming the failure; only a run that reached nothing
// exits 1.
func TestNetworkLostMidRunIsPartial(t *testing.T) {
	base := wrapFake(t, wechattest.Options{Articles: 10, Drafts: -1, Seed: 3}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == wechattest.PathFreePublishList {
				// The connection drops before any answer.
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					conn.Close()
				}
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	t.Setenv("MPARCHIVE_APPID", "wx1")
	t.Setenv("MPARCHIVE_SECRET", "s")
	out := t.TempDir()
	code, _, stderr := runCLI(t, "export", "--api-base", base, "-o", out, "--source", "news,published")
	if code != exitPartial {
		t.Fatalf("exit %d, want %d:\n%s", code, exitPartial, stderr)
	}
	if !strings.Contains(stderr, "published: wechat /cgi-bin/freepublish/batchget") || len(bundles(t, out)) == 0 {
		t.Errorf("the failure is not named, or the news were not built:\n%s", stderr)
	}
}
