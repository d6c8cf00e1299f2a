package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter/wechattest"
)

// The exact text a user reads at the end of a run, for the cases people
// meet every day: nothing new, Ctrl-C, a failed image, a second format.

// fixedClock makes the summary's elapsed line the same on every machine,
// and keeps progress lines out of it, so that the text can be compared
// whole.
func fixedClock(t *testing.T) {
	oldSince, oldInterval := elapsedSince, plainInterval
	elapsedSince = func(time.Time) time.Duration { return 1234 * time.Millisecond }
	plainInterval = time.Hour
	t.Cleanup(func() { elapsedSince, plainInterval = oldSince, oldInterval })
}

// TestMessageNothingNew: a run that finds nothing new says so in one line,
// with the day of the account's last change.
func TestMessageNothingNew(t *testing.T) {
	fixedClock(t)
	out := filepath.Join(t.TempDir(), "out")
	demoExportInto(t, out)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "--demo", "-o", out},
			"nothing new: the last change was on 2025-12-07; 42 articles archived, the hugo output is up to date\n"},
		{[]string{"fetch", "--demo", "--archive", filepath.Join(out, archiveSubdir)},
			"nothing new: the last change was on 2025-12-07; 29 items archived\n"},
	} {
		code, stdout, stderr := runCLI(t, tt.args...)
		if code != exitOK || stdout != "" || stderr != tt.want {
			t.Errorf("%s: exit %d, stdout %q, stderr:\n%s\nwant:\n%s", tt.args[0], code, stdout, stderr, tt.want)
		}
	}
}

// TestMessageInterrupted: Ctrl-C during a run says "interrupted", what is
// saved and how to go on, never "context canceled". The context is
// cancelled when the run asks for the published list, after the news
// source is done, so the text does not depend on timing.
func TestMessageInterrupted(t *testing.T) {
	fixedClock(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var interrupt atomic.Bool
	interrupt.Store(true)
	base := wrapFake(t, wechattest.Options{Articles: 30, Drafts: -1, Seed: 21}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/cgi-bin/freepublish/batchget") && interrupt.CompareAndSwap(true, false) {
				// Ctrl-C while the run waits for this answer. The body is
				// read first: the server notices the client hanging up
				// (and ends r.Context()) only once it has.
				io.Copy(io.Discard, r.Body)
				cancel()
				<-r.Context().Done()
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	t.Setenv("MPARCHIVE_APPID", "wx1")
	t.Setenv("MPARCHIVE_SECRET", "s")
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"export", "--api-base", base, "-o", out}, &stdout, &stderr)

	arch, err := archive.Open(filepath.Join(out, archiveSubdir))
	if err != nil {
		t.Fatal(err)
	}
	refs, _ := arch.Items()
	articles := 0
	must(t, arch.Walk(func(*archive.Article) error { articles++; return nil }))
	want := fmt.Sprintf("news       %d items listed: %d new, 0 changed\n", len(refs), len(refs)) +
		"published  not listed: stopped before its first page\n" +
		fmt.Sprintf("images     %d downloaded, 0 already archived, 0 failed\n", arch.MediaCount()) +
		"elapsed    1.23s\n" +
		fmt.Sprintf("interrupted: saved %d new or changed items (%d articles) and %d images. "+
			"The output was not built. Run the same command again to go on from there and build it.\n", len(refs), articles, arch.MediaCount())
	if code != exitInterrupted || stdout.String() != "" || stderr.String() != want {
		t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant:\n%s", code, stdout.String(), stderr.String(), want)
	}
	if len(refs) == 0 || arch.MediaCount() == 0 {
		t.Errorf("the run saved %d items and %d images before Ctrl-C: the test stops it too early", len(refs), arch.MediaCount())
	}

	// Going on: the next run lists the rest and builds.
	code, _, errs := runCLI(t, "export", "--api-base", base, "-o", out)
	if code != exitOK || !regexp.MustCompile(`(?m)^published  \d+ items listed: \d+ new, 0 changed$`).MatchString(errs) {
		t.Errorf("the run after Ctrl-C: exit %d:\n%s", code, errs)
	}
}

// TestMessageFailedImage: each image that failed names the article it
// belongs to.
func TestMessageFailedImage(t *testing.T) {
	fixedClock(t)
	// The cover of the newest news article answers 503 on every attempt: a
	// failure a later run may get past (a 404 would be unavailable for good).
	srv, err := wechattest.New(wechattest.Options{Articles: 10, Drafts: -1, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	var brokenPath string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == brokenPath {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		srv.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	srv.SetBaseURL(ts.URL)
	art := srv.Articles(wechattest.SourceNews)[0]
	u, err := url.Parse(art.ThumbURL)
	if err != nil {
		t.Fatal(err)
	}
	brokenPath = u.Path
	t.Setenv("MPARCHIVE_APPID", "wx1")
	t.Setenv("MPARCHIVE_SECRET", "s")
	out := t.TempDir()
	code, _, stderr := runCLI(t, "export", "--api-base", ts.URL, "-o", out)
	st, err := mustArchive(t, out).LoadState()
	if err != nil {
		t.Fatal(err)
	}
	reason, ok := st.FailedMedia[art.ThumbURL]
	if !ok {
		t.Fatalf("the broken cover is not among the failed downloads: %v\n%s", st.FailedMedia, stderr)
	}
	want := "problems:\n" +
		"  - image " + art.ThumbURL + " in “" + art.Title + "”: " + reason + "\n" +
		"Run the same command again to retry what failed; what is done is kept.\n"
	if code != exitPartial || !strings.HasSuffix(stderr, want) {
		t.Errorf("exit %d, stderr:\n%s\nwant it to end with:\n%s", code, stderr, want)
	}
	if !strings.Contains(stderr, "\n           1 image in 1 article still links to WeChat (their download failed)\n") {
		t.Errorf("the output line does not count the image:\n%s", stderr)
	}
}

func mustArchive(t *testing.T, out string) *archive.Archive {
	t.Helper()
	a, err := archive.Open(filepath.Join(out, archiveSubdir))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestMessageSecondFormat: a second format into a folder that holds an
// output already is refused before any request, with the command that
// writes it into a folder of its own from the same archive.
func TestMessageSecondFormat(t *testing.T) {
	fixedClock(t)
	root := t.TempDir()
	t.Chdir(root)
	demoExportInto(t, "blog")
	before := treeDigest(t, "blog")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "--demo", "-o", "blog", "--format", "site"},
			"mparchive export: blog already holds the hugo output; a site output in the same folder would mix their files.\n" +
				"Write it into a folder of its own, from the same archive:\n" +
				"  mparchive build --archive blog/.mparchive/archive --format site -o blog-site\n"},
		{[]string{"build", "--archive", "blog/.mparchive/archive", "-o", "blog/", "--format", "markdown"},
			"mparchive build: blog/ already holds the hugo output; a markdown output in the same folder would mix their files.\n" +
				"Write it into a folder of its own, from the same archive:\n" +
				"  mparchive build --archive blog/.mparchive/archive --format markdown -o blog-markdown\n"},
	} {
		code, stdout, stderr := runCLI(t, tt.args...)
		if code != exitUsage || stdout != "" || stderr != tt.want {
			t.Errorf("%q: exit %d, stdout %q, stderr:\n%s\nwant:\n%s", tt.args, code, stdout, stderr, tt.want)
		}
	}
	diffTrees(t, before, treeDigest(t, "blog"))
	// The command it gives works, and the same format again is no refusal.
	if code, _, stderr := runCLI(t, "build", "--archive", "blog/.mparchive/archive", "--format", "site", "-o", "blog-site", "--quiet"); code != exitOK {
		t.Errorf("the suggested build: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "export", "--demo", "-o", "blog"); code != exitOK || !strings.HasPrefix(stderr, "nothing new") {
		t.Errorf("the same format again: exit %d\n%s", code, stderr)
	}
}

// TestConvertWithoutInput: convert with nothing piped in prints its usage
// rather than wait on a silent terminal.
func TestConvertWithoutInput(t *testing.T) {
	old := stdinIsTerminal
	stdinIsTerminal = func() bool { return true }
	t.Cleanup(func() { stdinIsTerminal = old })
	code, stdout, stderr := runCLI(t, "convert")
	want := "Usage: mparchive convert [FILE|-]\n\n" +
		"Reads one article body's HTML (the API's content field, or the inner HTML of #js_content)\n" +
		"from FILE or standard input and writes its Markdown to standard output.\n"
	if code != exitUsage || stdout != "" || stderr != want {
		t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant:\n%s", code, stdout, stderr, want)
	}
	// A file still converts, whatever stdin is.
	in := filepath.Join(t.TempDir(), "a.html")
	must(t, os.WriteFile(in, []byte("<p>你好</p>"), 0o644))
	if code, stdout, _ := runCLI(t, "convert", in); code != exitOK || stdout != "你好\n" {
		t.Errorf("convert FILE: exit %d, %q", code, stdout)
	}
}

// TestProgressAgreesWithSummary: the counts of the last progress line of
// each source are the ones its summary line gives, on a first run and on
// a re-run that stops listing at the first page with nothing new.
func TestProgressAgreesWithSummary(t *testing.T) {
	old := plainInterval
	plainInterval = 0
	t.Cleanup(func() { plainInterval = old })
	// The published items fill three pages (43 messages): the re-run,
	// with one new message on the first, stops after the second.
	srv := startFake(t, wechattest.Options{Articles: 60, NewsPercent: 10, Drafts: -1, Seed: 3})
	t.Setenv("MPARCHIVE_APPID", "wx1")
	t.Setenv("MPARCHIVE_SECRET", "s")
	out := t.TempDir()
	progress := regexp.MustCompile(`(?m)^fetching (news|published): (\d+)/(\d+) items`)
	summary := regexp.MustCompile(`(?m)^(news|published) +(?:(\d+) of (\d+)|(\d+)) items listed`)
	for run := 1; run <= 2; run++ {
		if run == 2 {
			if _, err := srv.Publish(wechattest.Article{Title: "新的一篇", Content: "<p>新</p>"}); err != nil {
				t.Fatal(err)
			}
		}
		code, _, stderr := runCLI(t, "export", "--api-base", srv.URL(), "-o", out)
		if code != exitOK {
			t.Fatalf("run %d: exit %d\n%s", run, code, stderr)
		}
		last := map[string]string{}
		for _, m := range progress.FindAllStringSubmatch(stderr, -1) {
			last[m[1]] = m[2] + "/" + m[3]
		}
		seen := 0
		for _, m := range summary.FindAllStringSubmatch(stderr, -1) {
			said := m[4] + "/" + m[4]
			if m[2] != "" {
				said = m[2] + "/" + m[3]
			}
			seen++
			if last[m[1]] != said {
				t.Errorf("run %d, %s: the progress ended at %s, the summary says %s\n%s", run, m[1], last[m[1]], said, stderr)
			}
		}
		if seen != 2 {
			t.Errorf("run %d: %d source lines in the summary:\n%s", run, seen, stderr)
		}
		if run == 2 && !strings.Contains(stderr, "items listed, the rest already archived: ") {
			t.Errorf("the re-run does not say it stopped listing where nothing was new:\n%s", stderr)
		}
	}
}
