package output

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"html"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/render"
	"github.com/mparchive/mparchive/themes"
)

// needTool finds a generator. Developers without it skip the test; CI has
// it (see .ci/run), so there a missing one is a failure, not a silent skip.
func needTool(t *testing.T, name, install string) string {
	t.Helper()
	if testing.Short() {
		t.Skipf("-short: runs %s", name)
	}
	bin, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%s not on PATH (%s); CI runs this test", name, install)
		}
		t.Fatalf("%s not on PATH, and CI is set: the CI setup must install it (%s)", name, install)
	}
	return bin
}

// hexoPackages lists the packages the skeleton's package.json depends
// on, as name@version at the lowest version it accepts, sorted.
func hexoPackages(t *testing.T) []string {
	t.Helper()
	data, err := fs.ReadFile(themes.Format("hexo"), "package.json")
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		t.Fatalf("themes/hexo/package.json: %v", err)
	}
	var pkgs []string
	for name, version := range pkg.Dependencies {
		pkgs = append(pkgs, name+"@"+strings.TrimPrefix(version, "^"))
	}
	slices.Sort(pkgs)
	return pkgs
}

// hexoModules installs Hexo and the plugins the generated package.json
// names, at those exact versions, once per machine into a cache folder
// (MPARCHIVE_TEST_CACHE, or the user cache), and returns its node_modules.
// The install goes to a temporary folder renamed into place, so an
// interrupted install is never taken for a finished one.
func hexoModules(t *testing.T) string {
	t.Helper()
	npm := needTool(t, "npm", "apt-get install npm")
	needTool(t, "node", "apt-get install nodejs")
	pkgs := hexoPackages(t)
	cache := os.Getenv("MPARCHIVE_TEST_CACHE")
	if cache == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			t.Fatal(err)
		}
		cache = filepath.Join(base, "mparchive-test")
	}
	sum := sha256.Sum256([]byte(strings.Join(pkgs, " ")))
	dir := filepath.Join(cache, fmt.Sprintf("hexo-%x", sum[:6]))
	modules := filepath.Join(dir, "node_modules")
	if _, err := os.Stat(filepath.Join(modules, "hexo", "package.json")); err == nil {
		return modules
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp(cache, "install-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	if err := os.WriteFile(filepath.Join(tmp, "package.json"), []byte(`{"private": true}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), npm, append([]string{"install", "--no-audit", "--no-fund", "--no-save", "--loglevel=error"}, pkgs...)...)
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm install %s: %v\n%s", strings.Join(pkgs, " "), err, out)
	}
	if err := os.Rename(tmp, dir); err != nil && !dirHas(modules, "hexo") {
		t.Fatal(err)
	}
	return modules
}

func dirHas(dir, name string) bool {
	_, err := os.Stat(filepath.Join(dir, name))
	return err == nil
}

// checkToolOutput fails on the warnings and errors a generator printed.
func checkToolOutput(t *testing.T, tool string, out []byte, bad ...string) {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		for _, b := range bad {
			if strings.Contains(sc.Text(), b) {
				t.Errorf("%s said: %s", tool, sc.Text())
			}
		}
	}
}

// checkBuiltPost checks one article's HTML page: its <h1> is the title
// (or the placeholder of an untitled one) and every file of its media
// folder is published.
func checkBuiltPost(t *testing.T, page, title, mediaDir, publishedMediaDir string) {
	t.Helper()
	if title == "" {
		title = "（无标题）"
	}
	if got, ok := h1Text(t, page); !ok {
		t.Errorf("%s: no page or no <h1>", page)
	} else if got != title {
		t.Errorf("%s: <h1> shows %q, want %q", page, got, title)
	}
	files, _ := os.ReadDir(mediaDir)
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(publishedMediaDir, f.Name())); err != nil {
			t.Errorf("%s: image %s not published: %v", page, f.Name(), err)
		}
	}
}

// templateArticle is an article about templating: its text holds what
// Hexo's Nunjucks and Jekyll's Liquid would run, and what Zola would take
// for shortcodes. A generator must print it, not fail or swallow it.
const templateArticle = `{
  "media_id": "MEDIA_templates",
  "content": {
    "news_item": [{
      "title": "模板语法 {{ page.title }}",
      "author": "赵六",
      "digest": "{% raw %} and {{ x }}",
      "content": "<p>Write {{ page.title }} and {% if site.x %}yes{% endif %} or {% raw %} or {{ youtube(id=1) }}.</p><pre><code>{% for p in site.posts %}{{ p.url }}{% endfor %}\n{{{ triple }}} {{} {%} {{%x%}} {</code></pre>",
      "thumb_media_id": ""
    }],
    "create_time": 1700200000,
    "update_time": 1700200000
  },
  "update_time": 1700200000
}`

// templateTexts are the pieces of templateArticle's body a reader must see.
var templateTexts = []string{"{{ page.title }}", "{% if site.x %}yes{% endif %}", "{% raw %}", "{% for p in site.posts %}{{ p.url }}{% endfor %}", "{{{ triple }}} {{} {%} {{%x%}} {"}

// testArchiveWithTemplates is the test archive with templateArticle and
// the hostile fixture (safety_test.go).
func testArchiveWithTemplates(t *testing.T) *archive.Archive {
	t.Helper()
	a := testArchive(t)
	putHostile(t, a)
	if _, err := a.PutItem(archive.News, []byte(templateArticle)); err != nil {
		t.Fatal(err)
	}
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
	return a
}

// checkTemplateTexts checks that the templating article's page shows its
// text as text.
func checkTemplateTexts(t *testing.T, page string) {
	t.Helper()
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	text := html.UnescapeString(string(b))
	for _, want := range templateTexts {
		if !strings.Contains(text, want) {
			t.Errorf("%s does not show %q", page, want)
		}
	}
}

// TestHexoBuildsSite runs the real Hexo over a written site, with the real
// converter, and checks what a reader would see.
func TestHexoBuildsSite(t *testing.T) {
	node := needTool(t, "node", "apt-get install nodejs")
	modules := hexoModules(t)
	a := testArchiveWithTemplates(t)
	site := t.TempDir()
	res, err := newWriter(t, "hexo", site, Options{Converter: render.New()}).Write(t.Context(), a)
	if err != nil || len(res.Failed) > 0 {
		t.Fatalf("write: %v, failed %v", err, res.Failed)
	}
	if err := os.Symlink(modules, filepath.Join(site, "node_modules")); err != nil {
		t.Fatal(err)
	}
	rec := newFetchRecorder(t)
	cmd := exec.CommandContext(t.Context(), node, filepath.Join("node_modules", "hexo", "bin", "hexo"), "generate")
	cmd.Dir = site
	cmd.Env = rec.env() // dates must not depend on the machine's zone: TZ=UTC
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("hexo generate: %v\n%s", err, out)
	}
	checkToolOutput(t, "hexo", out, "WARN", "ERROR", "No layout")

	// Drafts are in source/_drafts, which Hexo builds only when asked.
	posts, _ := filepath.Glob(filepath.Join(site, "source", "_posts", "*.md"))
	drafts, _ := filepath.Glob(filepath.Join(site, "source", "_drafts", "*.md"))
	pages, _ := filepath.Glob(filepath.Join(site, "public", "posts", "*", "index.html"))
	if len(posts)+len(drafts) != res.Articles || len(pages) != len(posts) || len(drafts) != 11 {
		t.Errorf("%d articles, %d posts, %d drafts, %d HTML pages; want one page per post and the 11 drafts unbuilt", res.Articles, len(posts), len(drafts), len(pages))
	}
	for _, md := range posts {
		slug := strings.TrimSuffix(filepath.Base(md), ".md")
		checkBuiltPost(t, filepath.Join(site, "public", "posts", slug, "index.html"), yamlTitle(t, md),
			filepath.Join(site, "source", "_posts", slug), filepath.Join(site, "public", "posts", slug))
	}
	checkTemplateTexts(t, filepath.Join(site, "public", "posts", "2023-11-17-模板语法-page-title", "index.html"))
	checkHostileSite(t, filepath.Join(site, "public"), rec, "posts/"+readSlugs(t, site)["published/ART_hostile/1"]+"/index.html", hostileTexts)
	hello, _ := os.ReadFile(filepath.Join(site, "public", "posts", "2023-11-15-hello-world", "index.html"))
	for _, want := range []string{
		"2023-11-15 06:13", // Beijing time, whatever TZ says
		`<img src="/posts/2023-11-15-hello-world/078b78ed3fb9.png"`,
		`name="referrer" content="no-referrer"`,
	} {
		if !bytes.Contains(hello, []byte(want)) {
			t.Errorf("hello-world page lacks %s", want)
		}
	}
	home, err := os.ReadFile(filepath.Join(site, "public", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(home, []byte("<li>")); n != len(posts) {
		t.Errorf("home page lists %d posts, want %d", n, len(posts))
	}
	if bytes.Contains(home, []byte("<script>alert(1)")) {
		t.Error("home page carries an unescaped <script> from a title")
	}
}

// TestJekyllBuildsSite runs Debian's Jekyll over a written site, with the
// real converter, and checks what a reader would see.
func TestJekyllBuildsSite(t *testing.T) {
	jekyll := needTool(t, "jekyll", "apt-get install jekyll")
	a := testArchiveWithTemplates(t)
	site := t.TempDir()
	res, err := newWriter(t, "jekyll", site, Options{Converter: render.New()}).Write(t.Context(), a)
	if err != nil || len(res.Failed) > 0 {
		t.Fatalf("write: %v, failed %v", err, res.Failed)
	}
	dest := t.TempDir()
	rec := newFetchRecorder(t)
	cmd := exec.CommandContext(t.Context(), jekyll, "build", "--safe", "--source", site, "--destination", dest)
	cmd.Env = append(rec.env(), "JEKYLL_ENV=production")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("jekyll build: %v\n%s", err, out)
	}
	t.Logf("jekyll build took %v", time.Since(start).Round(time.Millisecond))
	checkToolOutput(t, "jekyll", out, "Warning", "Error", "does not exist")

	// Drafts are in _drafts, which Jekyll builds only with --drafts.
	posts, _ := filepath.Glob(filepath.Join(site, "_posts", "*.md"))
	drafts, _ := filepath.Glob(filepath.Join(site, "_drafts", "*.md"))
	pages, _ := filepath.Glob(filepath.Join(dest, "2023", "*", "*", "*", "index.html"))
	if len(posts)+len(drafts) != res.Articles || len(pages) != len(posts) || len(drafts) != 11 {
		t.Errorf("%d articles, %d posts, %d drafts, %d HTML pages; want one page per post and the 11 drafts unbuilt", res.Articles, len(posts), len(drafts), len(pages))
	}
	for _, md := range posts {
		name := strings.TrimSuffix(filepath.Base(md), ".md")
		// 2023-11-15-hello-world is published at 2023/11/15/hello-world/.
		page := filepath.Join(dest, name[:4], name[5:7], name[8:10], name[11:], "index.html")
		checkBuiltPost(t, page, yamlTitle(t, md),
			filepath.Join(site, "assets", "posts", name), filepath.Join(dest, "assets", "posts", name))
	}
	checkTemplateTexts(t, filepath.Join(dest, "2023", "11", "17", "模板语法-page-title", "index.html"))
	hostile := readSlugs(t, site)["published/ART_hostile/1"]
	checkHostileSite(t, dest, rec, hostile[:4]+"/"+hostile[5:7]+"/"+hostile[8:10]+"/"+hostile[11:]+"/index.html", hostileTexts)
	hello, _ := os.ReadFile(filepath.Join(dest, "2023", "11", "15", "hello-world", "index.html"))
	for _, want := range []string{
		"2023-11-15 06:13",
		`<img src="/assets/posts/2023-11-15-hello-world/078b78ed3fb9.png"`,
		`name="referrer" content="no-referrer"`,
	} {
		if !bytes.Contains(hello, []byte(want)) {
			t.Errorf("hello-world page lacks %s", want)
		}
	}
	home, err := os.ReadFile(filepath.Join(dest, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(home, []byte("<li>")); n != len(posts) {
		t.Errorf("home page lists %d posts, want %d", n, len(posts))
	}
	if bytes.Contains(home, []byte("<script>alert(1)")) {
		t.Error("home page carries an unescaped <script> from a title")
	}
}

// yamlTitle reads the title from a page's YAML front matter, whatever the
// other keys' types.
func yamlTitle(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head, ok := splitFrontMatter(b)
	if !ok {
		t.Fatalf("%s: no front matter", path)
	}
	var fm struct{ Title string }
	if err := yaml.Unmarshal(head, &fm); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return fm.Title
}
