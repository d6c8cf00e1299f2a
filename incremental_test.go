package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter"
	"github.com/mparchive/mparchive/exporter/wechattest"
)

// fileStamp is what a no-change run must leave alone: content and mtime.
type fileStamp struct {
	size  int64
	mtime time.Time
}

func stamps(t *testing.T, dir string) map[string]fileStamp {
	t.Helper()
	out := map[string]fileStamp{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = fileStamp{info.Size(), info.ModTime()}
		return nil
	})
	return out
}

// TestNoChangeRerunOnlyLists re-runs an export against an account that did
// not change: it must make only listing calls (one page per source),
// download nothing and write nothing, so cron runs and git stay quiet.
func TestNoChangeRerunOnlyLists(t *testing.T) {
	t.Parallel()
	// Both sources fill two pages (24 and 29 messages), so stopping after
	// the first is seen.
	srv := startFake(t, wechattest.Options{Articles: 80, Drafts: -1, Seed: 31})
	out := t.TempDir()
	export := append([]string{"export", "--api-base", srv.URL(), "-o", out}, fakeConfig(t)...)
	if code, _, stderr := runCLI(t, export...); code != exitOK {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	backdate(t, out) // a rewrite would show in the mtime
	before := stamps(t, out)
	digests := treeDigest(t, out)
	calls := srv.Stats()
	code, _, stderr := runCLI(t, export...)
	if code != exitOK {
		t.Fatalf("second run: exit %d\n%s", code, stderr)
	}
	for path, st := range srv.Stats() {
		n := st.Calls - calls[path].Calls
		switch path {
		case wechattest.PathStableToken:
		case wechattest.PathBatchGetMaterial, wechattest.PathFreePublishList:
			if n != 1 {
				t.Errorf("%s: %d calls, want 1 (the first page holds nothing new)", path, n)
			}
		default:
			if n != 0 {
				t.Errorf("%s: %d calls on a no-change run", path, n)
			}
		}
	}
	after := stamps(t, out)
	for path, st := range after {
		if before[path] != st {
			t.Errorf("%s was rewritten", path)
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d files before, %d after", len(before), len(after))
	}
	diffTrees(t, digests, treeDigest(t, out))
}

// backdate sets the mtime of every file below dir a day back, so that a
// file written after it shows, however coarse the file system's clock.
func backdate(t *testing.T, dir string) {
	t.Helper()
	day := time.Now().Add(-24 * time.Hour)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return os.Chtimes(p, day, day)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func gitLog(t *testing.T, dir string) []string {
	t.Helper()
	out, err := exec.Command("git", "-C", dir, "log", "--format=%B%x00").Output()
	if err != nil {
		t.Fatalf("git log: %v", err)
	}
	var msgs []string
	for _, m := range strings.Split(string(out), "\x00") {
		if m = strings.TrimSpace(m); m != "" {
			msgs = append(msgs, m)
		}
	}
	return msgs
}

func readPage(t *testing.T, out, mediaID string, index int) string {
	t.Helper()
	for _, p := range bundles(t, out) {
		b, _ := os.ReadFile(p)
		s := string(b)
		if strings.Contains(s, "\nmedia_id: "+mediaID+"\n") && strings.Contains(s, "\nitem_index: "+strconv.Itoa(index)+"\n") {
			return s
		}
	}
	t.Fatalf("no page for %s/%d", mediaID, index)
	return ""
}

// TestUpstreamEditsAndDeletions edits and deletes articles on the fake API
// between backups to git: the archive keeps the old version and the removed
// articles, the outputs mark them, and the git history shows one commit per
// run that changed something, with the titles in its message.
func TestUpstreamEditsAndDeletions(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs git")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	t.Parallel()
	srv := startFake(t, wechattest.Options{Articles: 60, Drafts: -1, Seed: 41})
	cfg := fakeConfig(t)
	out := t.TempDir()
	export := func(extra ...string) string {
		t.Helper()
		args := append(append([]string{"export", "--api-base", srv.URL(), "-o", out, "--git"}, cfg...), extra...)
		code, _, stderr := runCLI(t, args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d\n%s", extra, code, stderr)
		}
		return stderr
	}
	export()
	if n := len(gitLog(t, out)); n != 1 {
		t.Fatalf("%d commits after the first backup", n)
	}

	news := srv.Articles(wechattest.SourceNews)
	published := srv.Articles(wechattest.SourcePublished)
	edited, gone := news[len(news)-1], news[0]
	if gone.ID == edited.ID {
		t.Fatal("need two news messages")
	}
	var deleted wechattest.Article
	for _, p := range published {
		if !p.Deleted {
			deleted = p
			break
		}
	}
	srv.Advance(time.Hour)
	if err := srv.EditArticle(edited.ID, edited.Index, func(a *wechattest.Article) {
		a.Title = "修订版：" + a.Title
		a.Content = "<p>改过的正文。</p>" + a.Content
	}); err != nil {
		t.Fatal(err)
	}
	if err := srv.DeleteMessage(gone.ID); err != nil {
		t.Fatal(err)
	}
	if err := srv.DeletePublished(deleted.ID, 0); err != nil {
		t.Fatal(err)
	}

	stderr := export("--full")
	log := gitLog(t, out)
	if len(log) != 2 {
		t.Fatalf("%d commits after the changes, want 2\n%s", len(log), stderr)
	}
	msg := log[0]
	for _, want := range []string{"修订版：", "Changed:", "Removed upstream:", gone.Title, deleted.Title} {
		if !strings.Contains(msg, want) {
			t.Errorf("commit message lacks %q:\n%s", want, msg)
		}
	}

	arch, err := archive.Open(filepath.Join(out, archiveSubdir))
	if err != nil {
		t.Fatal(err)
	}
	versions, err := arch.Versions(archive.News, edited.ID)
	if err != nil || len(versions) != 1 {
		t.Errorf("versions of the edited item: %v, %v", versions, err)
	}
	if page := readPage(t, out, edited.ID, edited.Index); !strings.Contains(page, "修订版：") || !strings.Contains(page, "改过的正文") {
		t.Errorf("the page does not show the latest version:\n%.400s", page)
	}
	if page := readPage(t, out, gone.ID, gone.Index); !strings.Contains(page, "\nremoved: ") || !strings.Contains(page, "\nlast_seen: ") {
		t.Errorf("the removed article is not marked:\n%.400s", page)
	}
	if page := readPage(t, out, deleted.ID, deleted.Index); !strings.Contains(page, "\ndeleted: true") {
		t.Errorf("the deleted published article is not marked:\n%.400s", page)
	}

	// Nothing changed since: no commit.
	if stderr := export(); !strings.Contains(stderr, "nothing changed") {
		t.Errorf("third run:\n%s", stderr)
	}
	if n := len(gitLog(t, out)); n != 2 {
		t.Errorf("%d commits after a no-change run, want 2", n)
	}

	// Dropping removed articles takes their pages out of the output, and
	// marking them again brings the pages back.
	pages := len(bundles(t, out))
	code, _, stderr := runCLI(t, "build", "-o", out, "--removed", "drop")
	if code != exitOK {
		t.Fatalf("build --removed drop: exit %d\n%s", code, stderr)
	}
	for _, p := range bundles(t, out) {
		b, _ := os.ReadFile(p)
		if strings.Contains(string(b), "\nmedia_id: "+gone.ID+"\n") || strings.Contains(string(b), "\nmedia_id: "+deleted.ID+"\n") {
			t.Errorf("%s is still in the output after --removed drop", p)
		}
	}
	if len(bundles(t, out)) >= pages {
		t.Errorf("%d pages before and after --removed drop", pages)
	}
	if code, _, stderr := runCLI(t, "build", "-o", out); code != exitOK || len(bundles(t, out)) != pages {
		t.Errorf("build --removed mark: exit %d, %d pages, want %d\n%s", code, len(bundles(t, out)), pages, stderr)
	}
}

// TestQuotaBackupAcrossDays backs up a 120-article account, nearly all of
// it published (five pages), whose list endpoints allow 2 calls a day:
// each day's run stops at the quota and the next day's resumes, until the
// archive is complete and identical to one made without the quota.
func TestQuotaBackupAcrossDays(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: backs up over several days")
	}
	t.Parallel()
	opts := wechattest.Options{
		Articles:    120,
		NewsPercent: 5,
		Drafts:      -1,
		Seed:        3,
		Host:        fakeHost,
		Quotas: map[string]int{
			wechattest.PathFreePublishList:  2,
			wechattest.PathBatchGetMaterial: 2,
		},
	}
	sources := exporter.FetchOptions{}
	clean := t.TempDir()
	unlimited := opts
	unlimited.Quotas = nil
	if _, _, err := exportWith(t, startFake(t, unlimited), clean, "x", nil, sources); err != nil {
		t.Fatal(err)
	}

	srv := startFake(t, opts)
	dir := t.TempDir()
	days := 0
	for {
		days++
		sum, _, err := exportWith(t, srv, dir, "x", nil, sources)
		if err != nil {
			t.Fatalf("day %d: %v", days, err)
		}
		if sum.Quota == nil {
			break
		}
		if !sum.Quota.ResetAt.After(srv.Now()) {
			t.Errorf("day %d: reset time %v is not in the future", days, sum.Quota.ResetAt)
		}
		if days == 6 {
			t.Fatal("not complete after 6 days")
		}
		srv.AdvanceDay()
	}
	t.Logf("complete after %d days", days)
	if days < 3 {
		t.Errorf("finished in %d days: the quota did not bite enough to test resuming", days)
	}
	diffTrees(t, treeDigest(t, clean), treeDigest(t, dir))
}

// TestExportRebuildsWhenArchiveChangedElsewhere: export skips a build whose
// inputs did not change, so it must notice an archive changed by a
// separate fetch (and a change of options) and build again.
func TestExportRebuildsWhenArchiveChangedElsewhere(t *testing.T) {
	t.Parallel()
	srv := startFake(t, wechattest.Options{Articles: 30, Drafts: -1, Seed: 51})
	cfg := fakeConfig(t)
	out := t.TempDir()
	exportOK := func(extra ...string) {
		t.Helper()
		args := append(append([]string{"export", "--api-base", srv.URL(), "-o", out}, cfg...), extra...)
		if code, _, stderr := runCLI(t, args...); code != exitOK {
			t.Fatalf("export %v: exit %d\n%s", extra, code, stderr)
		}
	}
	exportOK()
	news := srv.Articles(wechattest.SourceNews)
	edited := news[0]
	srv.Advance(time.Hour)
	if err := srv.EditArticle(edited.ID, edited.Index, func(a *wechattest.Article) { a.Title = "改了标题" }); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, append([]string{"fetch", "--api-base", srv.URL(), "--archive", filepath.Join(out, archiveSubdir)}, cfg...)...); code != exitOK {
		t.Fatalf("fetch: exit %d\n%s", code, stderr)
	}
	exportOK()
	if page := readPage(t, out, edited.ID, edited.Index); !strings.Contains(page, "title: 改了标题") {
		t.Errorf("export skipped the build after a separate fetch:\n%.300s", page)
	}
	// Other options, other output: dropping removed articles must build.
	if err := srv.DeleteMessage(news[1].ID); err != nil {
		t.Fatal(err)
	}
	exportOK("--full")
	before := len(bundles(t, out))
	exportOK("--removed", "drop")
	if after := len(bundles(t, out)); after >= before {
		t.Errorf("export --removed drop kept %d of %d pages: the build was skipped", after, before)
	}
}
