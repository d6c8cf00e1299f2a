package output

import (
	"bufio"
	"bytes"
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
		title := frontMatterTitle(t, md)
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
}

func frontMatterTitle(t *testing.T, path string) string {
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
	return fm.Title
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
