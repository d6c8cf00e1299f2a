package output

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"

	"github.com/mparchive/mparchive/render"
)

func writeSite(t *testing.T, dir string, opts Options) *Result {
	t.Helper()
	if opts.Converter == nil {
		opts.Converter = render.New()
	}
	res, err := NewSite(dir, opts).Write(t.Context(), siteFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) > 0 {
		t.Fatalf("failed: %v", res.Failed)
	}
	return res
}

func postDirs(t *testing.T, site string) []string {
	t.Helper()
	pages, _ := filepath.Glob(filepath.Join(site, "posts", "*", "index.html"))
	var out []string
	for _, p := range pages {
		out = append(out, filepath.Base(filepath.Dir(p)))
	}
	return out
}

// TestSiteFeedAndSitemap parses the feed with a real feed parser and checks
// that the sitemap lists every article, with and without a base URL.
func TestSiteFeedAndSitemap(t *testing.T) {
	for _, base := range []string{"", "https://example.org/blog"} {
		t.Run("base="+base, func(t *testing.T) {
			site := t.TempDir()
			res := writeSite(t, site, Options{BaseURL: base, SiteTitle: "测试公众号"})
			slugs := postDirs(t, site)
			if len(slugs) != res.Articles {
				t.Fatalf("%d article pages for %d articles", len(slugs), res.Articles)
			}

			f, err := os.Open(filepath.Join(site, "feed.xml"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			feed, err := gofeed.NewParser().Parse(f)
			if err != nil {
				t.Fatalf("feed.xml does not parse: %v", err)
			}
			if feed.FeedType != "atom" || feed.Title != "测试公众号" {
				t.Errorf("feed type %q title %q", feed.FeedType, feed.Title)
			}
			if len(feed.Items) != siteFeedEntries {
				t.Errorf("%d feed entries, want %d", len(feed.Items), siteFeedEntries)
			}
			first := feed.Items[0]
			if first.Title != "春节快乐：新年的第一篇" || first.PublishedParsed == nil || first.PublishedParsed.Unix() != 1707494400 {
				t.Errorf("newest entry %q published %v", first.Title, first.PublishedParsed)
			}
			if !strings.Contains(first.Content, "新年好") || first.Description != "给读者拜年，顺便聊聊这一年。" {
				t.Errorf("entry content %.80q summary %q", first.Content, first.Description)
			}
			wantLink := "posts/2024-02-10-春节快乐-新年的第一篇/"
			if base != "" {
				wantLink = base + "/" + wantLink
			}
			if !strings.HasSuffix(unescapePath(first.Link), wantLink) {
				t.Errorf("entry link %q, want …%q", first.Link, wantLink)
			}
			ids := map[string]bool{}
			for _, it := range feed.Items {
				if ids[it.GUID] {
					t.Errorf("duplicate entry id %q", it.GUID)
				}
				ids[it.GUID] = true
			}

			robots, _ := os.ReadFile(filepath.Join(site, "robots.txt"))
			home, _ := os.ReadFile(filepath.Join(site, "index.html"))
			raw, err := os.ReadFile(filepath.Join(site, "sitemap.xml"))
			if base == "" {
				// A sitemap needs absolute addresses: none without them.
				if !os.IsNotExist(err) {
					t.Errorf("sitemap.xml without a base URL: %v\n%s", err, raw)
				}
				if bytes.Contains(robots, []byte("Sitemap:")) || !bytes.Contains(robots, []byte("--base-url")) || bytes.Contains(home, []byte(`rel="canonical"`)) {
					t.Errorf("absolute links without a base URL, or no word on how to get a sitemap:\n%s", robots)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var sm struct {
				URLs []struct {
					Loc string `xml:"loc"`
				} `xml:"url"`
			}
			if err := xml.Unmarshal(raw, &sm); err != nil {
				t.Fatalf("sitemap.xml: %v", err)
			}
			listed := map[string]bool{}
			for _, u := range sm.URLs {
				if !strings.HasPrefix(u.Loc, base+"/") {
					t.Errorf("sitemap entry %q is not under the base URL", u.Loc)
				}
				if strings.Contains(u.Loc, ".mparchive") {
					t.Errorf("sitemap lists the archive folder: %q", u.Loc)
				}
				listed[unescapePath(u.Loc)] = true
			}
			want := []string{base + "/", base + "/archive/", base + "/materials/"}
			for _, s := range slugs {
				want = append(want, base+"/posts/"+s+"/")
			}
			for _, loc := range want {
				if !listed[loc] {
					t.Errorf("sitemap lacks %s", loc)
				}
			}
			if !bytes.Contains(robots, []byte("Sitemap: "+base+"/sitemap.xml")) || !bytes.Contains(robots, []byte("Disallow: /blog/.mparchive/")) {
				t.Errorf("robots.txt:\n%s", robots)
			}
			if !bytes.Contains(home, []byte(`<link rel="canonical" href="`+base+`/">`)) {
				t.Error("home page lacks its canonical link")
			}
		})
	}
}

// TestSiteSitemapGoesWithBaseURL builds a site with a base URL, then
// without: the sitemap of the first run, which would go stale, is removed;
// a sitemap.xml that mparchive did not write is left alone.
func TestSiteSitemapGoesWithBaseURL(t *testing.T) {
	site := t.TempDir()
	writeSmallSite(t, site, Options{BaseURL: "https://example.org/"})
	if _, err := os.Stat(filepath.Join(site, "sitemap.xml")); err != nil {
		t.Fatal(err)
	}
	writeSmallSite(t, site, Options{})
	if _, err := os.Stat(filepath.Join(site, "sitemap.xml")); !os.IsNotExist(err) {
		t.Errorf("the sitemap of the run with a base URL stayed: %v", err)
	}
	mine := []byte("<?xml version=\"1.0\"?>\n<urlset><url><loc>https://mine.example/</loc></url></urlset>\n")
	must(t, os.WriteFile(filepath.Join(site, "sitemap.xml"), mine, 0o644))
	writeSmallSite(t, site, Options{})
	if got, _ := os.ReadFile(filepath.Join(site, "sitemap.xml")); !bytes.Equal(got, mine) {
		t.Errorf("a sitemap.xml of the user's was changed:\n%s", got)
	}
}

func unescapePath(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			var v byte
			if _, err := fmtSscanfHex(s[i+1:i+3], &v); err == nil {
				b.WriteByte(v)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// TestSiteDeterministic builds the site twice into two folders and once
// more over the first: byte-identical trees, and the re-run changes nothing.
func TestSiteDeterministic(t *testing.T) {
	one, two := t.TempDir(), t.TempDir()
	writeSite(t, one, Options{})
	writeSite(t, two, Options{})
	a, b := readTree(t, one), readTree(t, two)
	if len(a) != len(b) {
		t.Fatalf("%d files vs %d", len(a), len(b))
	}
	for p, data := range a {
		if !bytes.Equal(data, b[p]) {
			t.Errorf("%s differs between two builds", p)
		}
	}
	res := writeSite(t, one, Options{})
	if res.Written != 0 || res.Unchanged != res.Articles || res.ImagesCopied != 0 {
		t.Errorf("re-run over an unchanged archive: %+v", res)
	}
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSiteEscapesHostileContent builds the hostile fixtures of the Hugo
// tests: no title, digest or body may come out as markup.
func TestSiteEscapesHostileContent(t *testing.T) {
	site := t.TempDir()
	res, err := NewSite(site, Options{Converter: render.New()}).Write(t.Context(), testArchive(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) > 0 {
		t.Fatal(res.Failed)
	}
	for p, data := range readTree(t, site) {
		if !strings.HasSuffix(p, ".html") && !strings.HasSuffix(p, ".js") && !strings.HasSuffix(p, ".xml") {
			continue
		}
		if bytes.Contains(data, []byte("<script>alert")) || bytes.Contains(data, []byte("onerror=")) {
			t.Errorf("%s carries unescaped markup from the archive", p)
		}
	}
	// An article whose image the archive lacks shows it remotely, and so
	// must send no Referer.
	pages, _ := filepath.Glob(filepath.Join(site, "posts", "*", "index.html"))
	remote := 0
	for _, p := range pages {
		page, _ := os.ReadFile(p)
		shows := bytes.Contains(page, []byte(`src="https://mmbiz`))
		policy := bytes.Contains(page, []byte(`<meta name="referrer" content="no-referrer">`))
		if shows {
			remote++
		}
		if shows != policy {
			t.Errorf("%s: remote image %v, no-referrer policy %v", p, shows, policy)
		}
	}
	if remote == 0 {
		t.Error("the fixture's missing images should show remotely on some page")
	}
}

// TestSiteThemes builds with each embedded theme and with a theme folder
// overriding one template and one asset; bad themes fail before writing.
func TestSiteThemes(t *testing.T) {
	for _, theme := range []string{"reading", "compact"} {
		site := t.TempDir()
		writeSite(t, site, Options{Theme: theme})
		css, err := os.ReadFile(filepath.Join(site, "assets", "style.css"))
		if err != nil || !bytes.Contains(css, []byte("/* "+theme+":")) {
			t.Errorf("theme %s: style.css is not the theme's (%v)", theme, err)
		}
	}

	custom := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(custom, "layouts"), 0o755))
	must(t, os.MkdirAll(filepath.Join(custom, "assets"), 0o755))
	must(t, os.WriteFile(filepath.Join(custom, "layouts", "authors.html"), []byte(`{{define "main"}}<p id="custom">{{len .Authors}} authors</p>{{end}}`), 0o644))
	must(t, os.WriteFile(filepath.Join(custom, "assets", "extra.css"), []byte("body{}"), 0o644))
	site := t.TempDir()
	writeSite(t, site, Options{ThemeDir: custom})
	page, _ := os.ReadFile(filepath.Join(site, "authors", "index.html"))
	if !bytes.Contains(page, []byte(`<p id="custom">3 authors</p>`)) {
		t.Errorf("--theme-dir template not used:\n%s", page)
	}
	if _, err := os.Stat(filepath.Join(site, "assets", "extra.css")); err != nil {
		t.Errorf("--theme-dir asset not published: %v", err)
	}

	broken := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(broken, "layouts"), 0o755))
	must(t, os.WriteFile(filepath.Join(broken, "layouts", "home.html"), []byte(`{{define "main"}}{{.Nope`), 0o644))
	for name, opts := range map[string]Options{
		"unknown theme":   {Theme: "nope"},
		"missing folder":  {ThemeDir: filepath.Join(broken, "missing")},
		"broken template": {ThemeDir: broken},
	} {
		out := t.TempDir()
		_, err := NewSite(out, Options{Theme: opts.Theme, ThemeDir: opts.ThemeDir, Converter: render.New()}).Write(t.Context(), siteFixture(t))
		if err == nil {
			t.Errorf("%s: no error", name)
		}
		if entries, _ := os.ReadDir(out); len(entries) > 0 {
			t.Errorf("%s: wrote files before failing", name)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSearchTerms(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"春节快乐", []string{"春", "节", "春节", "快", "节快", "乐", "快乐"}},
		{"Hello", []string{"he", "hel", "hell", "hello"}},
		{"a 年", []string{"年"}},
		{"WeChat公众号2024", []string{"we", "wec", "wech", "wecha", "wechat", "公", "众", "公众", "号", "众号", "20", "202", "2024"}},
		{"ひらがな", []string{"ひ", "ら", "ひら", "が", "らが", "な", "がな"}},
		{"abcdefghijklmnopqrstuvwxyz", []string{"ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh", "abcdefghi", "abcdefghij", "abcdefghijk", "abcdefghijkl", "abcdefghijklm", "abcdefghijklmn", "abcdefghijklmno"}},
		{"«»—!?", nil},
	}
	for _, tt := range tests {
		var got []string
		searchTerms(tt.text, func(term string) { got = append(got, term) })
		if !slices.Equal(got, tt.want) {
			t.Errorf("searchTerms(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
	// search.js computes the same FNV-1a; 0xe40c292c is FNV-1a-32("a").
	if got, want := searchShard("a", 1<<31), 0xe40c292c%(1<<31); got != want {
		t.Errorf("searchShard = %#x, want %#x", got, want)
	}
}

func fmtSscanfHex(s string, v *byte) (int, error) { return fmt.Sscanf(s, "%02x", v) }

// TestSitePrunesListPagesOfEarlierRuns builds a site, then builds it again
// with a filter that leaves one author and one month: the other authors'
// and months' pages go, the site's own pages stay, a user's file stays.
func TestSitePrunesListPagesOfEarlierRuns(t *testing.T) {
	a := siteFixture(t)
	out := t.TempDir()
	if _, err := NewSite(out, Options{Converter: listingConverter{}}).Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	authorsBefore, _ := filepath.Glob(filepath.Join(out, "authors", "*", "index.html"))
	if len(authorsBefore) < 2 {
		t.Fatalf("fixture has %d author pages, want several", len(authorsBefore))
	}
	userFile := filepath.Join(out, "archive", "notes.txt")
	os.WriteFile(userFile, []byte("mine"), 0o644)
	f := &Filter{Author: "张三"}
	if _, err := NewSite(out, Options{Converter: listingConverter{}, Filter: f}).Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	authorsAfter, _ := filepath.Glob(filepath.Join(out, "authors", "*", "index.html"))
	if len(authorsAfter) != 1 {
		t.Errorf("%d author pages after filtering to one author: %v", len(authorsAfter), authorsAfter)
	}
	for _, keep := range []string{"index.html", "archive/index.html", "authors/index.html", "search/index.html"} {
		if _, err := os.Stat(filepath.Join(out, keep)); err != nil {
			t.Errorf("%s was removed", keep)
		}
	}
	if _, err := os.Stat(userFile); err != nil {
		t.Error("a file the user put into archive/ was removed")
	}
}
