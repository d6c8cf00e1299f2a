package output

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"

	"github.com/mparchive/mparchive/archive"
)

// newFormats are the formats that share writePosts with Hugo; each has a
// golden tree in testdata/<format>/basic.txtar.
var newFormats = []string{"markdown", "hexo", "jekyll", "zola"}

func newWriter(t testing.TB, format, dir string, opts Options) Writer {
	t.Helper()
	w, err := New(format, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestFormatsRegistered(t *testing.T) {
	for _, f := range append([]string{"hugo"}, newFormats...) {
		if !slices.Contains(Formats(), f) {
			t.Errorf("Formats() = %v lacks %s", Formats(), f)
		}
	}
	if !slices.IsSorted(Formats()) {
		t.Errorf("Formats() = %v, not sorted", Formats())
	}
	if _, err := New("gatsby", t.TempDir(), Options{}); err == nil || !strings.Contains(err.Error(), "hexo, hugo, jekyll, markdown") {
		t.Errorf("unknown format: err = %v", err)
	}
}

// checkFormatGolden compares a written tree with testdata/<format>/<name>.txtar.
func checkFormatGolden(t *testing.T, format, name, dir string) {
	t.Helper()
	got := treeTxtar(t, dir)
	got.Comment = fmt.Appendf(nil, "Files written by --format %s for testdata/items; regenerate with go test ./output -update.\n", format)
	compareGolden(t, format, name, got)
}

func TestFormatsGolden(t *testing.T) {
	a := testArchive(t)
	wantMissing := []MissingImages{
		{Article: "news/MEDIA_multi_01/2", Images: []string{"https://mmbiz.qpic.cn/mmbiz_png/MISSING/640?wx_fmt=png"}},
		{Article: "news/MEDIA_multi_01/3", Images: []string{"https://mmbiz.qpic.cn/mmbiz_jpg/NOCOVER/0?wx_fmt=jpeg"}},
	}
	for _, format := range newFormats {
		t.Run(format, func(t *testing.T) {
			out := t.TempDir()
			// Most of the fixture's hostile titles are drafts, which plain
			// Markdown leaves out unless asked (TestDraftsStayDrafts).
			res, err := newWriter(t, format, out, Options{Converter: listingConverter{}, IncludeDrafts: true}).Write(t.Context(), a)
			if err != nil {
				t.Fatal(err)
			}
			checkFormatGolden(t, format, "basic", out)
			if res.Articles != 15 || res.Written != 15 || res.Unchanged != 0 || len(res.Failed) != 0 || res.ImagesCopied != 7 {
				t.Errorf("result = %+v, want 15 articles all written, 7 images", res)
			}
			if fmt.Sprint(res.Missing) != fmt.Sprint(wantMissing) {
				t.Errorf("Missing = %v\nwant %v", res.Missing, wantMissing)
			}
		})
	}
}

// TestFormatsSameSlugsAsHugo checks that every format names an article's
// files after the same slug, so that one archive exported twice gives
// matching addresses.
func TestFormatsSameSlugsAsHugo(t *testing.T) {
	a := testArchive(t)
	read := func(dir string) string {
		b, err := os.ReadFile(slugMapPath(dir))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	hugo := t.TempDir()
	if _, err := NewHugo(hugo, Options{Converter: listingConverter{}}).Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	for _, format := range newFormats {
		out := t.TempDir()
		// Hugo writes drafts as drafts; the others must have them asked for.
		if _, err := newWriter(t, format, out, Options{Converter: listingConverter{}, IncludeDrafts: true}).Write(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		if read(out) != read(hugo) {
			t.Errorf("%s: slugs.json differs from Hugo's:\n%s", format, read(out))
		}
	}
}

// TestFormatsRerunWritesNothing checks that a second run over the same
// archive leaves every file alone, content and mtime.
// TestFormatsRerunWritesNothing checks, for every format, that a second run
// over the same archive leaves every file alone, content and mtime, so
// rsync and git see nothing.
func TestFormatsRerunWritesNothing(t *testing.T) {
	a := testArchive(t)
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			out := t.TempDir()
			w := newWriter(t, format, out, Options{Converter: listingConverter{}})
			if _, err := w.Write(t.Context(), a); err != nil {
				t.Fatal(err)
			}
			// Push every mtime into the past: a rewrite within the same
			// clock tick would otherwise go unnoticed.
			old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
			before := map[string][]byte{}
			filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					before[path], _ = os.ReadFile(path)
					os.Chtimes(path, old, old)
				}
				return err
			})
			res, err := w.Write(t.Context(), a)
			if err != nil {
				t.Fatal(err)
			}
			if res.Written != 0 || res.Unchanged != res.Articles || res.ImagesCopied != 0 {
				t.Errorf("second run: %+v, want everything unchanged", res)
			}
			n := 0
			filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				n++
				data, _ := os.ReadFile(path)
				st, _ := os.Stat(path)
				if b, ok := before[path]; !ok {
					t.Errorf("second run created %s", path)
				} else if !bytes.Equal(b, data) {
					t.Errorf("second run changed %s", path)
				} else if !st.ModTime().Equal(old) {
					t.Errorf("second run touched %s", path)
				}
				return nil
			})
			if n != len(before) {
				t.Errorf("%d files after the second run, %d before", n, len(before))
			}
		})
	}
}

// TestFormatsUserSitePreserved checks that a folder with its own config
// gets pages but none of our skeleton, and that a generated site gets a
// deleted template back without losing edits.
func TestFormatsUserSitePreserved(t *testing.T) {
	a := testArchive(t)
	cases := []struct {
		format, config, template, page string
	}{
		{"hexo", "_config.yml", "themes/mparchive/layout/post.ejs", "source/_posts/2023-11-15-hello-world.md"},
		{"jekyll", "_config.yml", "_layouts/post.html", "_posts/2023-11-15-hello-world.md"},
		{"zola", "config.toml", "templates/page.html", "content/2023-11-15-hello-world/index.md"},
	}
	for _, c := range cases {
		t.Run(c.format, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, c.config), []byte("title: mine\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := newWriter(t, c.format, dir, Options{Converter: listingConverter{}}).Write(t.Context(), a); err != nil {
				t.Fatal(err)
			}
			if b, _ := os.ReadFile(filepath.Join(dir, c.config)); string(b) != "title: mine\n" {
				t.Errorf("the user's %s was changed: %q", c.config, b)
			}
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(c.template))); err == nil {
				t.Errorf("%s was added to a site with its own config", c.template)
			}
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(c.page))); err != nil {
				t.Errorf("page not written: %v", err)
			}

			dir = t.TempDir()
			w := newWriter(t, c.format, dir, Options{Converter: listingConverter{}})
			if _, err := w.Write(t.Context(), a); err != nil {
				t.Fatal(err)
			}
			cfg := filepath.Join(dir, c.config)
			b, _ := os.ReadFile(cfg)
			os.WriteFile(cfg, append(b, "# edited\n"...), 0o644)
			os.Remove(filepath.Join(dir, filepath.FromSlash(c.template)))
			if _, err := w.Write(t.Context(), a); err != nil {
				t.Fatal(err)
			}
			if b, _ := os.ReadFile(cfg); !strings.HasSuffix(string(b), "# edited\n") {
				t.Error("the edited generated config was overwritten")
			}
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(c.template))); err != nil {
				t.Errorf("deleted %s not restored: %v", c.template, err)
			}
		})
	}
}

// hostileStrings are titles, authors and digests that break naive front
// matter: YAML and TOML syntax, control characters, invalid UTF-8.
var hostileStrings = []string{
	"plain",
	"",
	`"double" and 'single' quotes`,
	`back\slash \n not a newline`,
	"key: value",
	"key = \"value\"",
	"line one\nline two",
	"cr\r\nlf",
	"---\ntitle: injected\n---",
	"+++\ntitle = \"injected\"\n+++",
	"# not a comment",
	"[extra]",
	"[[array]]",
	"*alias", "&anchor", "!tag", "%directive", "@reserved", "`backtick",
	"- list item", "{flow: map}", "[flow, seq]",
	"yes", "no", "on", "off", "true", "null", "~", "1.0", "0x1F", "1e3", "inf", "nan",
	"2024-03-01", "2024-03-01 08:00:00", "12:30:00",
	"  leading and trailing spaces  ",
	"\ttab",
	"bell\a, nul\x00, del\x7f, esc\x1b",
	"\u2028line separator\u2029",
	"bad utf-8 \xff\xfe here",
	"{{ shortcode() }} {% raw %}",
	"<script>alert(1)</script> & \"Q&A\"",
	"中文标题：副标题「引号」",
	strings.Repeat("很长的标题 long title ", 25),
}

// wantString is what a reader of the front matter must get back: the text
// with invalid UTF-8 replaced, since no front matter format can carry it.
func wantString(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// frontMatterBlock splits a page into its front matter, between fence
// lines, and checks the body follows intact.
func frontMatterBlock(t *testing.T, page []byte, fence, body string) []byte {
	t.Helper()
	rest, ok := bytes.CutPrefix(page, []byte(fence+"\n"))
	if !ok {
		t.Fatalf("page does not start with %s:\n%s", fence, page)
	}
	head, tail, ok := bytes.Cut(rest, []byte("\n"+fence+"\n"))
	if !ok {
		t.Fatalf("no closing %s:\n%s", fence, page)
	}
	if want := "\n" + body + "\n"; string(tail) != want {
		t.Errorf("body after front matter = %q, want %q", tail, want)
	}
	return append(head, '\n')
}

// TestFrontMatterHostileAllFormats writes each hostile string as title,
// author, digest, account name and id, and in a share's link, in every
// format, and parses the front matter back with a real YAML or TOML
// parser.
func TestFrontMatterHostileAllFormats(t *testing.T) {
	date := time.Date(2024, 3, 1, 8, 0, 0, 0, archive.ChinaTime)
	layouts := map[string]postLayout{
		"markdown": markdownLayout{}, "hexo": hexoLayout{}, "jekyll": jekyllLayout{}, "zola": zolaLayout{},
	}
	for _, s := range hostileStrings {
		art := &archive.Article{
			Source: archive.Published, ItemID: "ART_1", Index: 2,
			Title: s, Author: s, Digest: s,
			ContentSourceURL: "https://example.com/?a=1&b=2", URL: "https://mp.weixin.qq.com/s/x",
			CreateTime: date, UpdateTime: date.Add(time.Hour),
			AccountName: s, AccountID: s, Type: archive.PostShare, Original: true, Paid: true,
			Share: &archive.Share{URL: "https://example.com/?q=" + s, Account: s},
		}
		wantMeta := PostMeta{Account: wantString(s), AccountID: wantString(s), Type: "share", Original: true, Paid: true,
			SharedFrom: strings.TrimSpace(wantString("https://example.com/?q=" + s))}
		imgs := pageImages{Cover: "abc.jpg", Images: []string{"abc.jpg", "def.png"}}
		for _, format := range newFormats {
			page, err := layouts[format].page(art, "2024-03-01-x", imgs, "Body.")
			if err != nil {
				t.Errorf("%s %q: %v", format, s, err)
				continue
			}
			var got struct {
				Title, Author, Description string
				Date                       time.Time
				Meta                       PostMeta
			}
			switch format {
			case "zola":
				var fm struct {
					Title, Description string
					Date, Updated      time.Time
					Extra              map[string]any
				}
				md, err := toml.Decode(string(frontMatterBlock(t, page, "+++", "Body.")), &fm)
				if err != nil {
					t.Errorf("zola %q: TOML: %v\n%s", s, err, page)
					continue
				}
				if und := md.Undecoded(); len(und) > 0 {
					t.Errorf("zola %q: keys Zola would refuse: %v", s, und)
				}
				got.Title, got.Description, got.Date = fm.Title, fm.Description, fm.Date
				got.Author, _ = fm.Extra["author"].(string)
				got.Meta.Account, _ = fm.Extra["account"].(string)
				got.Meta.AccountID, _ = fm.Extra["account_id"].(string)
				got.Meta.Type, _ = fm.Extra["type"].(string)
				got.Meta.SharedFrom, _ = fm.Extra["shared_from"].(string)
				got.Meta.Original, _ = fm.Extra["original"].(bool)
				got.Meta.Paid, _ = fm.Extra["paid"].(bool)
				if !fm.Updated.Equal(date.Add(time.Hour)) {
					t.Errorf("zola: updated = %v", fm.Updated)
				}
			default:
				var fm map[string]any
				if err := yaml.Unmarshal(frontMatterBlock(t, page, "---", "Body."), &fm); err != nil {
					t.Errorf("%s %q: YAML: %v\n%s", format, s, err, page)
					continue
				}
				got.Title, _ = fm["title"].(string)
				got.Author, _ = fm["author"].(string)
				got.Description, _ = fm["description"].(string)
				got.Meta.Account, _ = fm["account"].(string)
				got.Meta.AccountID, _ = fm["account_id"].(string)
				got.Meta.Type, _ = fm["type"].(string)
				got.Meta.SharedFrom, _ = fm["shared_from"].(string)
				got.Meta.Original, _ = fm["original"].(bool)
				got.Meta.Paid, _ = fm["paid"].(bool)
				switch d := fm["date"].(type) {
				case time.Time:
					got.Date = d
				case string:
					got.Date, _ = time.Parse("2006-01-02 15:04:05 -0700", d)
				}
				if format == "hexo" {
					// Hexo's dates are wall-clock times read in the
					// config's zone, Asia/Shanghai.
					got.Date = time.Date(got.Date.Year(), got.Date.Month(), got.Date.Day(), got.Date.Hour(), got.Date.Minute(), got.Date.Second(), 0, archive.ChinaTime)
				}
			}
			want := wantString(s)
			if got.Title != want || got.Author != want || got.Description != want {
				t.Errorf("%s %q: read back title %q, author %q, description %q", format, s, got.Title, got.Author, got.Description)
			}
			if !got.Date.Equal(date) {
				t.Errorf("%s %q: date read back as %v, want %v", format, s, got.Date, date)
			}
			if got.Meta != wantMeta {
				t.Errorf("%s %q: read back %+v\nwant %+v", format, s, got.Meta, wantMeta)
			}
		}
	}
}

// markdownLinks finds the targets of inline links and images.
var markdownLinks = regexp.MustCompile(`\]\(<?([^)>]+)>?\)`)

// TestMarkdownLinksResolve checks that every relative link of the Markdown
// output, index and pages, names a file that is there, as a viewer would
// resolve it.
func TestMarkdownLinksResolve(t *testing.T) {
	a := testArchive(t)
	out := t.TempDir()
	if _, err := NewMarkdown(out, Options{Converter: listingConverter{}, IncludeDrafts: true}).Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	pages, _ := filepath.Glob(filepath.Join(out, "*.md"))
	if len(pages) != 16 {
		t.Fatalf("%d .md files, want 15 pages and the index", len(pages))
	}
	links := 0
	for _, p := range pages {
		b, _ := os.ReadFile(p)
		for _, m := range markdownLinks.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			if isRemoteURL(target) {
				continue
			}
			links++
			unescaped, err := url.PathUnescape(target)
			if err != nil {
				t.Errorf("%s: bad link %q", filepath.Base(p), target)
				continue
			}
			if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(unescaped))); err != nil {
				t.Errorf("%s: link %q leads nowhere", filepath.Base(p), target)
			}
		}
	}
	if links < 20 {
		t.Errorf("only %d local links checked", links)
	}
}

func TestLinkPath(t *testing.T) {
	for in, want := range map[string]string{
		"2024-03-01-春节/abc.png": "2024-03-01-春节/abc.png",
		"a b/c#d?e%f.png":       "a%20b/c%23d%3Fe%25f.png",
		"(x)<y>[z].md":          "%28x%29%3Cy%3E%5Bz%5D.md",
	} {
		if got := linkPath(in); got != want {
			t.Errorf("linkPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEscapeZolaShortcodes(t *testing.T) {
	for in, want := range map[string]string{
		"{{ youtube(id=1) }}":                 "{{/* youtube(id=1) */}}",
		"a {{youtube()}} b":                   "a {{/* youtube() */}} b",
		"{% quote(author=\"x\") %}q{% end %}": "{%/* quote(author=\"x\") */%}q{%/* end */%}",
		"{{ page.title }}":                    "{{ page.title }}", // no call: Zola leaves it
		"{% raw %}":                           "{% raw %}",
		`{{ youtube(id="}") }}`:               `{{/* youtube(id="}") */}}`,
		"{{ f(a='(', b=[1, 2]) }}":            "{{/* f(a='(', b=[1, 2]) */}}",
		"no braces":                           "no braces",
	} {
		if got := escapeZolaShortcodes(in); got != want {
			t.Errorf("escapeZolaShortcodes(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkFormats writes 200 synthetic articles with the real converter
// into a fresh folder per run, for each format.
func BenchmarkFormats(b *testing.B) {
	a := syntheticArchive(b, 200)
	for _, format := range append([]string{"hugo"}, newFormats...) {
		b.Run(format, func(b *testing.B) {
			for b.Loop() {
				w, err := New(format, b.TempDir(), Options{})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := w.Write(b.Context(), a); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
