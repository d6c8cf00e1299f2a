package main

import (
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter/wechattest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// pageLinks returns the links a user copies from 发表记录 for the articles
// that only have pages on a personal account: its published ones (minus
// those deleted, whose page says so) and the mass-sent ones.
func pageLinks(srv *wechattest.Server) []string {
	var links []string
	for _, a := range append(srv.Articles(wechattest.SourcePublished), srv.MassSentArticles()...) {
		if !a.Deleted {
			links = append(links, wechattest.ArticleLink(a.URL))
		}
	}
	return links
}

// refusalBlock is what the first default run on a personal account tells
// about published, word for word; base and out are the run's --api-base
// and -o, which the command to run next repeats.
func refusalBlock(base, out string) string {
	return `published: WeChat refused this account the list of its published articles (errcode 48001 from /cgi-bin/freepublish/batchget).
Since July 2025 WeChat lets only verified accounts (微信认证) call freepublish/*, reading included;
personal and unverified accounts lost it, and no re-run changes that. The other sources were backed up: news.
The published articles are still on their public pages, and mparchive backs them up from their links:
  1. in the MP console (mp.weixin.qq.com) open 内容管理 → 发表记录 and use 复制链接 on each article;
  2. put the links into a text file, one a line, say links.txt;
  3. run: mparchive export --api-base ` + base + ` -o ` + out + ` --page-base ` + base + ` --urls links.txt
Later runs skip published, with one line in their summary; --source published tries it again (after 微信认证, say).
`
}

// TestPersonalAccountEndToEnd backs up an account WeChat treats as
// personal since July 2025 the way its owner would: a default export
// explains the refusal once and exits 0, later runs are quiet about it,
// the command it suggests works, and news + drafts + urls give a tree that
// a re-run leaves byte-identical.
func TestPersonalAccountEndToEnd(t *testing.T) {
	srv := startFake(t, wechattest.Options{Articles: 24, Drafts: 4, Seed: 51, MassSent: 3, Personal: true})
	t.Setenv("MPARCHIVE_APPID", "wx1")
	t.Setenv("MPARCHIVE_SECRET", "s")
	base := srv.URL()
	work := t.TempDir()
	out := filepath.Join(work, "out")
	args := []string{"export", "--api-base", base, "--page-base", base, "-o", out}

	code, _, stderr := runCLI(t, args...)
	if code != exitOK {
		t.Fatalf("first run: exit %d, want 0\n%s", code, stderr)
	}
	if !strings.HasSuffix(stderr, refusalBlock(base, out)) {
		t.Errorf("first run does not end with the explanation; it printed:\n%s\nwant it to end with:\n%s", stderr, refusalBlock(base, out))
	}
	if n, want := len(bundles(t, out)), srv.ArticleCount(wechattest.SourceNews); n != want {
		t.Errorf("first run wrote %d articles, the news materials hold %d", n, want)
	}
	arch, err := archive.Open(filepath.Join(out, archiveSubdir))
	if err != nil {
		t.Fatal(err)
	}
	st, err := arch.LoadState()
	if err != nil {
		t.Fatal(err)
	}
	since := st.Refused[archive.Published].Since
	if since == "" {
		t.Fatalf("the refusal is not in the state: %+v", st.Refused)
	}

	// The second run says one line about published, the third (--quiet)
	// nothing at all.
	calls := srv.Calls(wechattest.PathFreePublishList)
	code, _, stderr = runCLI(t, args...)
	if code != exitOK {
		t.Fatalf("second run: exit %d, want 0\n%s", code, stderr)
	}
	var mentions []string
	for _, line := range strings.Split(stderr, "\n") {
		if strings.Contains(line, "published") || strings.Contains(line, "48001") || strings.Contains(line, "freepublish") {
			mentions = append(mentions, line)
		}
	}
	wantLine := "published  skipped: WeChat refuses it to this account (errcode 48001, since " + since + "); --source published tries again"
	if len(mentions) != 1 || mentions[0] != wantLine {
		t.Errorf("second run mentions published in %q, want only %q; it printed:\n%s", mentions, wantLine, stderr)
	}
	for _, phrase := range []string{"July 2025", "复制链接", "links.txt", "problems", "again to retry"} {
		if strings.Contains(stderr, phrase) {
			t.Errorf("second run says %q again:\n%s", phrase, stderr)
		}
	}
	if code, stdout, stderr := runCLI(t, append(args, "--quiet")...); code != exitOK || stdout+stderr != "" {
		t.Errorf("third run with --quiet: exit %d, printed %q", code, stdout+stderr)
	}
	if n := srv.Calls(wechattest.PathFreePublishList); n != calls {
		t.Errorf("later runs called freepublish %d times", n-calls)
	}

	// The command the first run printed, run where the links file is.
	m := regexp.MustCompile(`(?m)^  3\. run: mparchive (.*)$`).FindStringSubmatch(refusalBlock(base, out))
	links := pageLinks(srv)
	if err := os.WriteFile(filepath.Join(work, "links.txt"), []byte(strings.Join(links, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work)
	code, _, stderr = runCLI(t, strings.Fields(m[1])...)
	if code != exitOK {
		t.Fatalf("the suggested command: exit %d\n%s", code, stderr)
	}
	want := srv.ArticleCount(wechattest.SourceNews) + len(links)
	if n := len(bundles(t, out)); n != want {
		t.Errorf("after the suggested command: %d articles, want %d news + %d from links", n, want-len(links), len(links))
	}

	// news + drafts + urls, twice: the second run changes no byte.
	full := append(args, "--source", "news,drafts,urls", "--urls", "links.txt")
	if code, _, stderr := runCLI(t, full...); code != exitOK {
		t.Fatalf("news,drafts,urls: exit %d\n%s", code, stderr)
	}
	want += srv.ArticleCount(wechattest.SourceDrafts)
	if n := len(bundles(t, out)); n != want {
		t.Errorf("news + drafts + urls: %d articles, want %d", n, want)
	}
	before := treeDigest(t, out)
	if code, _, stderr := runCLI(t, full...); code != exitOK {
		t.Fatalf("news,drafts,urls again: exit %d\n%s", code, stderr)
	}
	diffTrees(t, before, treeDigest(t, out))
}

// Naming a refused source keeps trying it and fails, with the explanation
// each time and a command that leaves it out.
func TestRefusedSourceNamedExplicitly(t *testing.T) {
	srv := startFake(t, wechattest.Options{Articles: 20, Drafts: 2, Seed: 52, Personal: true})
	t.Setenv("MPARCHIVE_APPID", "wx1")
	t.Setenv("MPARCHIVE_SECRET", "s")
	out := filepath.Join(t.TempDir(), "out")
	for run := 1; run <= 2; run++ {
		code, _, stderr := runCLI(t, "export", "--api-base", srv.URL(), "-o", out, "--source", "news,published,drafts", "--quiet")
		if code != exitFailed {
			t.Errorf("run %d: exit %d, want %d", run, code, exitFailed)
		}
		for _, want := range []string{
			"The other sources were backed up: news, drafts.\n",
			"  3. run: mparchive export --api-base " + srv.URL() + " -o " + out + " --quiet --source news,drafts --urls links.txt\n",
			"--source names published, so every run tries it and exits 1 while WeChat refuses it; the command above leaves it out.\n",
		} {
			if !strings.Contains(stderr, want) {
				t.Errorf("run %d does not say %q:\n%s", run, want, stderr)
			}
		}
	}
	if n := srv.Calls(wechattest.PathFreePublishList); n != 2 {
		t.Errorf("freepublish called %d times in two runs naming it, want 2", n)
	}
}

// TestURLSourceNeedsNoCredentials runs the urls source with the whole
// environment cleared and no config file anywhere.
func TestURLSourceNeedsNoCredentials(t *testing.T) {
	srv := startFake(t, wechattest.Options{Articles: 10, Drafts: -1, Seed: 53, MassSent: 3})
	dir := t.TempDir()
	list := filepath.Join(dir, "links.txt")
	var links []string
	for _, a := range srv.MassSentArticles() {
		links = append(links, wechattest.ArticleLink(a.URL))
	}
	if err := os.WriteFile(list, []byte(strings.Join(links, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	saved := os.Environ()
	os.Clearenv()
	t.Cleanup(func() {
		os.Clearenv()
		for _, kv := range saved {
			k, v, _ := strings.Cut(kv, "=")
			os.Setenv(k, v)
		}
	})
	empty := t.TempDir()
	os.Setenv("HOME", empty)
	os.Setenv("XDG_CONFIG_HOME", empty)

	for i, order := range [][]string{
		{"--source", "urls", "--urls", list},
		{"--urls", list, "--source", "urls"},
	} {
		out := filepath.Join(dir, "out"+string(rune('a'+i)))
		args := append([]string{"export"}, order...)
		args = append(args, "-o", out, "--page-base", srv.URL())
		code, _, stderr := runCLI(t, args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d\n%s", order, code, stderr)
		}
		if n := len(bundles(t, out)); n != len(links) {
			t.Errorf("%v: %d articles from %d links", order, n, len(links))
		}
	}
	for path, st := range srv.Stats() {
		if strings.HasPrefix(path, "/cgi-bin/") && st.Calls > 0 {
			t.Errorf("the urls source called %s %d times", path, st.Calls)
		}
	}
	// Any API source still needs credentials, and says so.
	code, _, stderr := runCLI(t, "export", "--source", "news,urls", "--urls", list, "-o", filepath.Join(dir, "x"))
	if code != exitFailed || !strings.Contains(stderr, "no credentials") {
		t.Errorf("news without credentials: exit %d\n%s", code, stderr)
	}
}

// TestCheckCommand shows the table check prints for a normal and a
// personal account (testdata/check/*.txt; go test . -run Check -update),
// and that a token failure, and only that, fails it.
func TestCheckCommand(t *testing.T) {
	t.Setenv("MPARCHIVE_APPID", "wx1")
	t.Setenv("MPARCHIVE_SECRET", "s")
	opts := wechattest.Options{Articles: 40, Drafts: 4, Seed: 54, MediaMaterials: 2}
	personal := opts
	personal.Personal = true
	for _, tt := range []struct {
		golden string
		base   func() string
	}{
		{"normal.txt", func() string { return startFake(t, opts).URL() }},
		{"personal.txt", func() string { return startFake(t, personal).URL() }},
		// The token granted, every other call refused with 40164 (a token
		// from elsewhere, or the whitelist changed meanwhile): what to do
		// is said once, not per row.
		{"ip-refused.txt", func() string {
			return wrapFake(t, opts, func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if strings.HasPrefix(r.URL.Path, "/cgi-bin/") && !strings.Contains(r.URL.Path, "token") {
						w.Write([]byte(`{"errcode":40164,"errmsg":"invalid ip 203.0.113.9 ipv6 ::ffff:203.0.113.9, not in whitelist rid: 691d5b03-245c4618-0056bcfe"}`))
						return
					}
					next.ServeHTTP(w, r)
				})
			})
		}},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			base := tt.base()
			code, stdout, stderr := runCLI(t, "check", "--api-base", base)
			if code != exitOK || stderr != "" {
				t.Fatalf("exit %d, stderr:\n%s", code, stderr)
			}
			got := strings.ReplaceAll(stdout, base, "http://FAKE")
			path := filepath.Join("testdata", "check", tt.golden)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test . -run TestCheckCommand -update)", err)
			}
			if got != string(want) {
				t.Errorf("check printed:\n%s\nwant (%s):\n%s", got, path, want)
			}
		})
	}

	t.Run("ip not whitelisted", func(t *testing.T) {
		srv := startFake(t, wechattest.Options{Articles: 5, RejectIP: "117.39.59.7"})
		code, stdout, stderr := runCLI(t, "check", "--api-base", srv.URL())
		if code != exitFailed || stdout != "" || !strings.Contains(stderr, "WeChat saw this request come from IP 117.39.59.7") ||
			!strings.Contains(stderr, "IP白名单") {
			t.Errorf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
		}
	})
	t.Run("demo", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, "check", "--demo")
		if code != exitOK || !regexp.MustCompile(`(?m)^published +yes +[1-9]`).MatchString(stdout) {
			t.Errorf("exit %d\n%s%s", code, stdout, stderr)
		}
	})
}

// The command printed after a refusal repeats the run's flags, quoted for
// a shell where needed, and never an access token.
func TestNextCommand(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-o", "backup"}, "mparchive export -o backup --urls links.txt"},
		{[]string{"--out", "my backup", "--quiet", "--format", "site"}, "mparchive export --format site --out 'my backup' --quiet --urls links.txt"},
		{[]string{"-o", "b", "--access-token", "SECRET_TOKEN_VALUE", "--git=false"}, "mparchive export --access-token TOKEN --git=false -o b --urls links.txt"},
		{[]string{"-o", "b", "--urls", "it's.txt"}, "mparchive export -o b --urls 'it'\\''s.txt'"},
		{[]string{"-o", "b", "--source", "published, news,images,urls,news", "--urls", "l.txt"}, "mparchive export -o b --source news,images --urls l.txt"},
		{[]string{"-o", "b", "--source", "published"}, "mparchive export -o b --source urls --urls links.txt"},
	}
	for _, tt := range tests {
		fs := newFlagSet("export", "", io.Discard)
		var ff fetchFlags
		var bf buildFlags
		var rf runFlags
		ff.register(fs)
		bf.register(fs)
		rf.register(fs, "", "")
		if _, err := parseFlags(fs, tt.args); err != nil {
			t.Fatal(err)
		}
		ff.parsed("export", fs)
		if got := ff.nextCommand([]archive.Source{archive.Published}); got != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.args, got, tt.want)
		}
	}
}
