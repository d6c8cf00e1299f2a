package output

import (
	"bufio"
	"bytes"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"gopkg.in/yaml.v3"

	"github.com/mparchive/mparchive/render"
)

// hugoBinary finds hugo. Developers without it skip the test; CI installs
// it, so there a missing hugo is a failure rather than a silent skip.
func hugoBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: runs hugo")
	}
	bin, err := exec.LookPath("hugo")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("hugo not on PATH (apt-get install hugo); CI runs this test")
		}
		t.Fatal("hugo not on PATH, and CI is set: the CI setup must install it")
	}
	return bin
}

// TestHugoBuildsSite runs the real Hugo over a written site, with the real
// converter, and checks what a reader would see.
func TestHugoBuildsSite(t *testing.T) {
	hugo := hugoBinary(t)
	a := testArchive(t)
	site := t.TempDir()
	res, err := NewHugo(site, Options{Converter: render.New()}).Write(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) > 0 {
		t.Fatalf("articles failed: %v", res.Failed)
	}

	public := t.TempDir()
	// Most of the fixture's hostile titles are drafts: built here as
	// `hugo -D` would, TestHugoHostileArticle checks they are not without.
	cmd := exec.CommandContext(t.Context(), hugo, "--buildDrafts", "--source", site, "--destination", public, "--cacheDir", t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("hugo: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	for _, out := range []*bytes.Buffer{&stdout, &stderr} {
		sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
		for sc.Scan() {
			if l := sc.Text(); strings.Contains(l, "ERROR") || strings.Contains(l, "WARN") {
				t.Errorf("hugo said: %s", l)
			}
		}
	}

	bundles, _ := filepath.Glob(filepath.Join(site, "content", "posts", "*", "index.md"))
	pages, _ := filepath.Glob(filepath.Join(public, "posts", "*", "index.html"))
	if len(bundles) != res.Articles || len(pages) != res.Articles {
		t.Errorf("%d articles, %d bundles, %d HTML pages; want one each", res.Articles, len(bundles), len(pages))
	}

	for _, md := range bundles {
		slug := filepath.Base(filepath.Dir(md))
		page := filepath.Join(public, "posts", slug, "index.html")
		title := readFrontMatter(t, md).Title
		if title == "" {
			title = "（无标题）"
		}
		if got, ok := h1Text(t, page); !ok {
			t.Errorf("%s: no page or no <h1>", slug)
		} else if got != title {
			t.Errorf("%s: <h1> shows %q, want %q", slug, got, title)
		}

		files, _ := os.ReadDir(filepath.Dir(md))
		for _, f := range files {
			if f.Name() == "index.md" {
				continue
			}
			if _, err := os.Stat(filepath.Join(public, "posts", slug, f.Name())); err != nil {
				t.Errorf("%s: image %s not published: %v", slug, f.Name(), err)
			}
		}
	}

	home, err := os.ReadFile(filepath.Join(public, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	// The hostile title must come out as text, never as markup.
	if bytes.Contains(home, []byte("<script>alert(1)")) {
		t.Error("home page carries an unescaped <script> from a title")
	}
	if !bytes.Contains(home, []byte(`name="referrer" content="no-referrer"`)) {
		t.Error("home page lacks the no-referrer policy that remote WeChat images need")
	}
	// The footer's count is computed once per build and shown on every page.
	count := fmt.Sprintf("· %d 篇文章 ·", len(pages))
	for _, page := range []string{filepath.Join(public, "index.html"), pages[0]} {
		if b, _ := os.ReadFile(page); !bytes.Contains(b, []byte(count)) {
			t.Errorf("%s: footer lacks %q", page, count)
		}
	}
	// Static hosts serve 404.html for any missing address.
	if got, ok := h1Text(t, filepath.Join(public, "404.html")); got != "找不到这个页面" {
		t.Errorf("404.html: <h1> %q (found %v), want our not-found page", got, ok)
	}
}

// splitFrontMatter returns the YAML between the leading "---" lines.
func splitFrontMatter(page []byte) ([]byte, bool) {
	rest, ok := bytes.CutPrefix(page, []byte("---\n"))
	if !ok {
		return nil, false
	}
	i := bytes.Index(rest, []byte("\n---\n"))
	if i < 0 {
		return nil, false
	}
	return rest[:i+1], true
}

// h1Text returns the text of the first <h1> as a browser would show it
// before whitespace collapsing.
func h1Text(t *testing.T, path string) (string, bool) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	doc, err := xhtml.Parse(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var find func(*xhtml.Node) *xhtml.Node
	find = func(n *xhtml.Node) *xhtml.Node {
		if n.Type == xhtml.ElementNode && n.DataAtom == atom.H1 {
			return n
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if h := find(c); h != nil {
				return h
			}
		}
		return nil
	}
	h := find(doc)
	if h == nil {
		return "", false
	}
	var b strings.Builder
	for c := range h.Descendants() {
		if c.Type == xhtml.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String(), true
}

// TestHugoBuildsMaterials has the real Hugo build a site with permanent
// materials: the materials page lists each one, its players and
// thumbnails name files Hugo published, and every page links to it.
func TestHugoBuildsMaterials(t *testing.T) {
	hugo := hugoBinary(t)
	a := testArchive(t)
	putFixtureMaterials(t, a)
	site := t.TempDir()
	res, err := NewHugo(site, Options{Converter: listingConverter{}}).Write(t.Context(), a)
	if err != nil || len(res.Failed) > 0 {
		t.Fatalf("%+v %v", res, err)
	}
	public := t.TempDir()
	cmd := exec.CommandContext(t.Context(), hugo, "--source", site, "--destination", public, "--cacheDir", t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("hugo: %v\n%s", err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "ERROR") || strings.Contains(l, "WARN") {
			t.Errorf("hugo said: %s", l)
		}
	}
	pagePath := filepath.Join(public, "materials", "index.html")
	page, err := os.ReadFile(pagePath)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := xhtml.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	text := nodeText(doc)
	for _, want := range []string{"春节海报.png", "家乡 <老屋> & 院子.jpg", "新年祝福.mp3", "除夕烟花", "楼下放的烟花，拍了十秒。", "VIDEO_lost_02", "2024-02-09 11:40", "图片未能备份", "文件未能备份"} {
		if !strings.Contains(text, want) {
			t.Errorf("materials page lacks %q", want)
		}
	}
	srcs := loadedURLs(doc)
	if len(srcs) != 4 { // two images, one voice, one video
		t.Errorf("materials page loads %q, want 4 files", srcs)
	}
	for _, src := range srcs {
		if isRemoteURL(src) {
			t.Errorf("materials page loads %s from elsewhere", src)
			continue
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(pagePath), filepath.FromSlash(src))); err != nil {
			t.Errorf("materials page loads %s: %v", src, err)
		}
	}
	home, _ := os.ReadFile(filepath.Join(public, "index.html"))
	if !bytes.Contains(home, []byte(`materials/">素材</a>`)) {
		t.Error("home page does not link the materials page")
	}
}

// TestHugoThemeConventions builds the demo with the real Hugo and a theme
// of the user's (testdata/hugo-theme) that finds covers the way PaperMod
// (cover.image, cover.alt, cover.relative), Stack (image) and Hugo's own
// Open Graph templates (images) do: every article with a cover shows it,
// on its page and in the list, through each of them, and each names a
// file Hugo published.
func TestHugoThemeConventions(t *testing.T) {
	hugo := hugoBinary(t)
	a := demoArchive(t)
	site := t.TempDir()
	// The user's own site: the writer adds content, no layouts of ours.
	const base = "https://example.org/"
	must(t, os.WriteFile(filepath.Join(site, "hugo.toml"), []byte("baseURL = \""+base+"\"\ntitle = \"theme test\"\ntheme = \"fixture\"\n"), 0o644))
	must(t, os.CopyFS(filepath.Join(site, "themes", "fixture"), os.DirFS(filepath.Join("testdata", "hugo-theme"))))
	res, err := NewHugo(site, Options{Converter: render.New()}).Write(t.Context(), a)
	if err != nil || len(res.Failed) > 0 {
		t.Fatalf("%+v %v", res, err)
	}
	if _, err := os.Stat(filepath.Join(site, "layouts")); err == nil {
		t.Fatal("the writer put layouts into a site with a theme of its own")
	}
	public := t.TempDir()
	out, err := exec.CommandContext(t.Context(), hugo, "--source", site, "--destination", public, "--cacheDir", t.TempDir()).CombinedOutput()
	if err != nil {
		t.Fatalf("hugo: %v\n%s", err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "ERROR") || strings.Contains(l, "WARN") {
			t.Errorf("hugo said: %s", l)
		}
	}
	// published maps an address the theme wrote to the file it names.
	published := func(u string) (string, bool) {
		rest, ok := strings.CutPrefix(u, base)
		if !ok {
			rest, ok = strings.CutPrefix(u, "/")
		}
		if !ok {
			return "", false
		}
		rest, err := url.PathUnescape(rest)
		if err != nil {
			return "", false
		}
		p := filepath.Join(public, filepath.FromSlash(rest))
		st, err := os.Stat(p)
		return p, err == nil && st.Mode().IsRegular()
	}
	home := parseHTMLFile(t, filepath.Join(public, "index.html"))
	covers := 0
	for _, md := range bundlesOf(t, site) {
		fm := readFrontMatter(t, md)
		if fm.Cover.Image == "" {
			continue
		}
		covers++
		slug := filepath.Base(filepath.Dir(md))
		coverFile := filepath.Join(filepath.Dir(md), filepath.FromSlash(fm.Cover.Image))
		want, err := os.ReadFile(coverFile)
		if err != nil {
			t.Errorf("%s: the cover %s is not in the bundle: %v", slug, fm.Cover.Image, err)
			continue
		}
		page := parseHTMLFile(t, filepath.Join(public, "posts", slug, "index.html"))
		var entry *xhtml.Node
		for n := range home.Descendants() {
			if p, _ := url.PathUnescape(attrOf(n, "data-page")); n.Type == xhtml.ElementNode && strings.HasSuffix(p, "/posts/"+slug+"/") {
				entry = n
			}
		}
		for _, c := range []struct {
			where string
			doc   *xhtml.Node
			tag   string
			attr  string
			conv  string
		}{
			{"page", page, "img", "src", "papermod"},
			{"page", page, "img", "src", "stack"},
			{"page", page, "meta", "content", "papermod"},
			{"page", page, "meta", "content", "images"},
			{"list", entry, "img", "src", "papermod"},
			{"list", entry, "img", "src", "stack"},
		} {
			if c.doc == nil {
				t.Errorf("%s: not in the home list", slug)
				continue
			}
			var found []string
			for n := range c.doc.Descendants() {
				if n.Type == xhtml.ElementNode && n.Data == c.tag && attrOf(n, "data-convention") == c.conv {
					found = append(found, attrOf(n, c.attr))
					if c.conv == "papermod" && c.tag == "img" && attrOf(n, "alt") != fm.Title {
						t.Errorf("%s %s: PaperMod's cover says alt %q, want the title", slug, c.where, attrOf(n, "alt"))
					}
				}
			}
			if len(found) == 0 {
				t.Errorf("%s %s: no cover through %s", slug, c.where, c.conv)
				continue
			}
			file, ok := published(found[0])
			if !ok {
				t.Errorf("%s %s: %s's cover %s names no published file", slug, c.where, c.conv, found[0])
				continue
			}
			if got, _ := os.ReadFile(file); !bytes.Equal(got, want) {
				t.Errorf("%s %s: %s shows %s, not the cover", slug, c.where, c.conv, found[0])
			}
		}
	}
	if covers < 20 {
		t.Errorf("%d articles of the demo have a cover, want most of its 41", covers)
	}
}

func bundlesOf(t *testing.T, site string) []string {
	t.Helper()
	md, err := filepath.Glob(filepath.Join(site, "content", "posts", "*", "index.md"))
	if err != nil || len(md) == 0 {
		t.Fatalf("no bundles in %s (%v)", site, err)
	}
	return md
}

func readFrontMatter(t *testing.T, path string) FrontMatter {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head, ok := splitFrontMatter(b)
	if !ok {
		t.Fatalf("%s: no front matter", path)
	}
	var fm FrontMatter
	if err := yaml.Unmarshal(head, &fm); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return fm
}

func parseHTMLFile(t *testing.T, path string) *xhtml.Node {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := xhtml.Parse(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}
