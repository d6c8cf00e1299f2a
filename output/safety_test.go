package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	xhtml "golang.org/x/net/html"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/render"
)

// mdDestination finds inline link and image destinations in Markdown.
var mdDestination = regexp.MustCompile(`\]\(\s*(<[^>\n]*>|[^\s)]*)`)

// unsafeLinks lists the links of a written file that lead elsewhere than
// http, https, mailto or a relative address: Markdown destinations, raw
// HTML href and src, front matter *_url keys, and in HTML every href, src
// and action.
func unsafeLinks(t *testing.T, name string, data []byte) []string {
	t.Helper()
	var bad []string
	check := func(u string) {
		if strings.TrimSpace(u) != "" && safeLink(u) == "" {
			bad = append(bad, u)
		}
	}
	if strings.HasSuffix(name, ".html") || strings.HasSuffix(name, ".xml") {
		doc, err := xhtml.Parse(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for n := range doc.Descendants() {
			for _, a := range n.Attr {
				switch a.Key {
				case "href", "src", "action", "formaction", "xml:base":
					check(a.Val)
				}
			}
		}
		if strings.HasSuffix(name, ".xml") {
			// The feed carries bodies as escaped HTML.
			for n := range doc.Descendants() {
				if n.Type == xhtml.ElementNode && n.Data == "content" && n.FirstChild != nil {
					bad = append(bad, unsafeLinks(t, name+".html", []byte(n.FirstChild.Data))...)
				}
			}
		}
		return bad
	}
	text := string(data)
	for _, m := range mdDestination.FindAllStringSubmatch(text, -1) {
		d := strings.TrimSuffix(strings.TrimPrefix(m[1], "<"), ">")
		check(unescapeMarkdown(d))
	}
	for _, m := range htmlURLAttr.FindAllStringSubmatch(text, -1) {
		check(m[4] + m[5] + m[6])
	}
	for _, m := range regexp.MustCompile(`(?m)^\s*(?:source_url|wechat_url|shared_from)\s*[:=]\s*(.*)$`).FindAllStringSubmatch(text, -1) {
		v := strings.TrimSpace(m[1])
		var s string
		if json.Unmarshal([]byte(v), &s) != nil {
			s = strings.Trim(v, `'`)
		}
		check(s)
	}
	return bad
}

// writeHostile writes the hostile fixture in one format and returns the
// output folder.
func writeHostile(t *testing.T, a *archive.Archive, format string, opts Options) string {
	t.Helper()
	out := t.TempDir()
	opts.Converter = render.New()
	res, err := newWriter(t, format, out, opts).Write(t.Context(), a)
	if err != nil || len(res.Failed) > 0 {
		t.Fatalf("%s: %v %v", format, err, res)
	}
	return out
}

// readOutput reads every file of a folder but the archive's own.
func readOutput(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(rel, ".mparchive/") {
			return nil
		}
		b, err := os.ReadFile(p)
		files[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestHostileArticleLinksAllFormats writes the hostile fixture in every
// format and checks every file for links a browser would run.
func TestHostileArticleLinksAllFormats(t *testing.T) {
	a := hostileArchive(t)
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			out := writeHostile(t, a, format, Options{IncludeDrafts: true})
			n := 0
			for name, data := range readOutput(t, out) {
				if bad := unsafeLinks(t, name, data); len(bad) > 0 {
					t.Errorf("%s links %q", name, bad)
				}
				if bytes.Contains(data, []byte("SECRETPREVIEW")) {
					t.Errorf("%s publishes the draft's preview link", name)
				}
				n++
			}
			if n < 2 {
				t.Fatalf("only %d files written", n)
			}
		})
	}
}

func TestSafeLink(t *testing.T) {
	for in, want := range map[string]string{
		"https://example.com/a?b=1":   "https://example.com/a?b=1",
		"  HTTP://example.com/ ":      "HTTP://example.com/",
		"mailto:a@example.com":        "mailto:a@example.com",
		"../x/index.html":             "../x/index.html",
		"#frag":                       "#frag",
		"//cdn.example.com/a.png":     "//cdn.example.com/a.png",
		"javascript:alert(1)":         "",
		" jAvAsCrIpT:alert(1)":        "",
		"java\tscript:alert(1)":       "",
		"java\nscript:alert(1)":       "",
		"\x01javascript:alert(1)":     "",
		"data:text/html,<script>":     "",
		"vbscript:x":                  "",
		"file:///etc/passwd":          "",
		"wechat-material:IMG":         "",
		"java%09script:alert(1)":      "java%09script:alert(1)", // no scheme: a relative path
		"./javascript:alert(1)":       "./javascript:alert(1)",
		"https://e.com/a\tb":          "https://e.com/ab",
		"":                            "",
		"   ":                         "",
		"a:b":                         "",
		"1http://x":                   "1http://x",
		"http:":                       "http:",
		"https://a.example/x?u=java:": "https://a.example/x?u=java:",
	} {
		if got := safeLink(in); got != want {
			t.Errorf("safeLink(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNeutralizeLinks(t *testing.T) {
	for in, want := range map[string]string{
		"[a](https://example.com/)":                        "[a](https://example.com/)",
		"[a](javascript:alert(1))":                         "[a](./javascript:alert(1))",
		"[a](<data:text/html,x y>)":                        "[a](<./data:text/html,x y>)",
		"![i](data:image/svg+xml,x)":                       "![i](./data:image/svg+xml,x)",
		"[a](javascript&#58;alert(1))":                     "[a](./javascript&#58;alert(1))",
		`[a](javascript\:alert(1))`:                        `[a](./javascript\:alert(1))`,
		"[a](  \n vbscript:x \"t\")":                       "[a](  \n ./vbscript:x \"t\")",
		"[a](../b/) [c](mailto:x@y.z)":                     "[a](../b/) [c](mailto:x@y.z)",
		"<javascript:alert(1)>":                            `\<javascript:alert(1)>`,
		`\<javascript:alert(1)>`:                           `\<javascript:alert(1)>`,
		"<https://example.com/>":                           "<https://example.com/>",
		`<a href="data:text/html,x">t</a>`:                 `<a href="#">t</a>`,
		`<a href='java&#9;script:x'>t</a>`:                 `<a href="#">t</a>`,
		`<img src=javascript:x>`:                           `<img src="#">`,
		`<a href="https://example.com/?a=1&amp;b=2">t</a>`: `<a href="https://example.com/?a=1&amp;b=2">t</a>`,
		"no links: a ](b c":                                "no links: a ](b c",
		"[x](javascript:a)[y](javascript:b)":               "[x](./javascript:a)[y](./javascript:b)",
	} {
		if got := neutralizeLinks(in); got != want {
			t.Errorf("neutralizeLinks(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}

// fetchRecorder stands in for the network while a generator runs: every
// proxy variable points at it, so any request the build makes, plain or
// CONNECT, is recorded and refused.
type fetchRecorder struct {
	mu   sync.Mutex
	reqs []string
	srv  *httptest.Server
}

func newFetchRecorder(t *testing.T) *fetchRecorder {
	r := &fetchRecorder{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.reqs = append(r.reqs, req.Method+" "+req.Host+req.URL.String())
		r.mu.Unlock()
		http.Error(w, "no network in tests", http.StatusForbidden)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// env is the environment of a generator run through the recorder.
func (r *fetchRecorder) env() []string {
	env := []string{"TZ=UTC"}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch strings.ToLower(k) {
		case "http_proxy", "https_proxy", "all_proxy", "no_proxy":
			continue
		}
		env = append(env, kv)
	}
	for _, k := range []string{"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"} {
		env = append(env, k+"="+r.srv.URL)
	}
	return append(env, "NO_PROXY=", "no_proxy=")
}

func (r *fetchRecorder) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

// checkHostileSite checks a generator's public folder built from the
// hostile fixture: nothing was fetched, no page links anything unsafe or
// loads a script of the article's making, the article's template syntax
// shows as text, and the draft was not published.
func checkHostileSite(t *testing.T, public string, rec *fetchRecorder, postPage string, texts []string) {
	t.Helper()
	if reqs := rec.requests(); len(reqs) > 0 {
		t.Errorf("the build fetched %q", reqs)
	}
	for name, data := range readOutput(t, public) {
		if !strings.HasSuffix(name, ".html") && !strings.HasSuffix(name, ".xml") {
			continue
		}
		if bad := unsafeLinks(t, name, data); len(bad) > 0 {
			t.Errorf("%s links %q", name, bad)
		}
		for _, s := range []string{"gist.github.com", "SECRETPREVIEW", hostileDraftTitle, "twitter.com", "instagram.com"} {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s carries %q", name, s)
			}
		}
		if bad := articleAttributes(t, name, data); len(bad) > 0 {
			t.Errorf("%s gives elements attributes from the article's text: %q", name, bad)
		}
	}
	page, err := os.ReadFile(filepath.Join(public, filepath.FromSlash(postPage)))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(html.UnescapeString(string(page)), hugoWordJoiner, "")
	for _, want := range texts {
		if !strings.Contains(text, want) {
			t.Errorf("%s does not show %q", postPage, want)
		}
	}
}

// articleAttributes lists the attributes of an HTML file that the hostile
// body's text asks for: event handlers (no layout of ours has any), its id
// and its classes.
func articleAttributes(t *testing.T, name string, data []byte) []string {
	t.Helper()
	if !strings.HasSuffix(name, ".html") {
		return nil
	}
	doc, err := xhtml.Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var bad []string
	for n := range doc.Descendants() {
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") || a.Key == "id" && a.Val == "hijack" || a.Key == "class" && strings.Contains(a.Val, "evil") {
				bad = append(bad, a.Key+"="+a.Val)
			}
		}
	}
	return bad
}

// hostileTexts are pieces of the hostile body every site must show as
// they are.
var hostileTexts = []string{
	"{{< gist evil 2 >}}", "{{% unknownsc %}}", "{{< tweet 1234 >}}", "{{< 未闭合",
	"{{< instagram BWNjjyYFxVx >}}", "{{% highlight go %}}x{{% /highlight %}}", "{% include /etc/passwd %} {{ site.time }} {% asset_img x.png %}",
	"数据链接", "表格链接", "好链接",
	"小标题 {#hijack .evil onclick=", "{::comment}藏起来的字{:/comment} 末尾 {::nomarkdown}原样{:/}", "{: onmouseover=", "价格 $$100 和 $$200 元", `原样 "引号" 'single' a--b a---b ... <<x>>`,
}

// TestHugoHostileArticle has the real Hugo build the hostile fixture:
// shortcodes in the title, digest, author, text and code are printed, not
// run, nothing is fetched, no link runs script, and the draft stays out
// of the site.
func TestHugoHostileArticle(t *testing.T) {
	hugo := hugoBinary(t)
	a := hostileArchive(t)
	site := writeHostile(t, a, "hugo", Options{})
	rec := newFetchRecorder(t)
	public := t.TempDir()
	cmd := exec.CommandContext(t.Context(), hugo, "--source", site, "--destination", public, "--cacheDir", t.TempDir())
	cmd.Env = rec.env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("hugo: %v\n%s", err, out)
	}
	checkToolOutput(t, "hugo", out, "ERROR", "WARN")
	slugs := readSlugs(t, site)
	checkHostileSite(t, public, rec, "posts/"+slugs["published/ART_hostile/1"]+"/index.html", hostileTexts)
	page, _ := os.ReadFile(filepath.Join(public, "posts", slugs["published/ART_hostile/1"], "index.html"))
	if h, _ := h1Text(t, filepath.Join(public, "posts", slugs["published/ART_hostile/1"], "index.html")); strings.ReplaceAll(h, hugoWordJoiner, "") != hostileTitle {
		t.Errorf("title shows as %q, want %q", h, hostileTitle)
	}
	if bytes.Contains(page, []byte("<script")) {
		t.Error("the article's page carries a script")
	}
	if _, err := os.Stat(filepath.Join(public, "posts", slugs["drafts/DRAFT_preview/1"])); err == nil {
		t.Error("Hugo published the draft")
	}
}

func TestEscapeHugoShortcodes(t *testing.T) {
	wj := hugoWordJoiner
	for in, want := range map[string]string{
		"{{< gist a b >}}":                 "{{</* gist a b */>}}",
		"{{% x %}}y{{% /x %}}":             "{{%/* x */%}}y{{%/* /x */%}}",
		"a {{<>}} b":                       "a {{</**/>}} b",
		"{{< x */>}}":                      "{{</* x */*/>}}",
		"{{</* x */>}}":                    "{{</*/* x */*/>}}",
		"{{< a {{% b >}} c %}}":            "{{</* a {{% b */>}} c %}}",
		"open {{< only":                    "open {{" + wj + "< only",
		"{{{<x>}}}":                        "{{{</*x*/>}}}",
		"{{% a >}}":                        "{{" + wj + "% a >}}",
		"{{ .Title }} {% raw %} {{ x() }}": "{{ .Title }} {% raw %} {{ x() }}",
		"{{<\n\n x\n>}}":                   "{{</*\n\n x\n*/>}}",
	} {
		if got := escapeHugoShortcodes(in); got != want {
			t.Errorf("escapeHugoShortcodes(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}

// TestDraftsStayDrafts checks every format with the draft box's article:
// the generators get it as a draft in their own way, the site and plain
// Markdown leave it out of every file unless IncludeDrafts, and then mark
// it; its preview link is published nowhere.
func TestDraftsStayDrafts(t *testing.T) {
	a := hostileArchive(t)
	const draftKey, pubKey = "drafts/DRAFT_preview/1", "published/ART_hostile/1"
	for _, tc := range []struct {
		format string
		opts   Options
		// files maps a path pattern (%s: the slug) to what it must hold;
		// "" means the file must not exist.
		files map[string]string
		// absent: no file may contain the draft's title
		absent bool
	}{
		{"hugo", Options{}, map[string]string{"content/posts/%s/index.md": "\ndraft: true\n"}, false},
		{"jekyll", Options{}, map[string]string{"_drafts/%s.md": "title: 还没发的草稿", "_posts/%s.md": ""}, false},
		{"hexo", Options{}, map[string]string{"source/_drafts/%s.md": "title: 还没发的草稿", "source/_posts/%s.md": ""}, false},
		{"zola", Options{}, map[string]string{"content/%s/index.md": "\ndraft = true\n"}, false},
		{"markdown", Options{}, map[string]string{"%s.md": ""}, true},
		{"markdown", Options{IncludeDrafts: true}, map[string]string{"%s.md": "\ndraft: true\n", "index.md": "还没发的草稿](%s.md) （草稿）"}, false},
		{"site", Options{BaseURL: "https://example.org/"}, map[string]string{"posts/%s/index.html": ""}, true},
		{"site", Options{IncludeDrafts: true, BaseURL: "https://example.org/"}, map[string]string{
			"posts/%s/index.html": `<span class="badge draft">草稿</span>`,
			"index.html":          `<span class="badge draft">草稿</span>`,
			"feed.xml":            "还没发的草稿",
			"sitemap.xml":         "/posts/2023-11-18-%E8%BF%98%E6%B2%A1%E5%8F%91%E7%9A%84%E8%8D%89%E7%A8%BF/",
		}, false},
	} {
		t.Run(fmt.Sprintf("%s/include=%v", tc.format, tc.opts.IncludeDrafts), func(t *testing.T) {
			out := writeHostile(t, a, tc.format, tc.opts)
			slugs := readSlugs(t, out)
			slug := slugs[draftKey]
			if slug == "" && !tc.absent {
				t.Fatalf("no slug for the draft: %v", slugs)
			}
			for pattern, want := range tc.files {
				name := strings.ReplaceAll(pattern, "%s", slug)
				want = strings.ReplaceAll(want, "%s", slug)
				b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(name)))
				switch {
				case want == "" && err == nil && slug != "":
					t.Errorf("%s exists", name)
				case want != "" && err != nil:
					t.Errorf("%v", err)
				case want != "" && !strings.Contains(string(b), want):
					t.Errorf("%s lacks %q:\n%s", name, want, b)
				}
			}
			for name, data := range readOutput(t, out) {
				if tc.absent && bytes.Contains(data, []byte(hostileDraftTitle)) {
					t.Errorf("%s shows the draft", name)
				}
				if bytes.Contains(data, []byte("SECRETPREVIEW")) {
					t.Errorf("%s publishes the draft's preview link", name)
				}
			}
			// The published article is never marked a draft.
			if tc.format == "hugo" {
				b, _ := os.ReadFile(filepath.Join(out, "content", "posts", slugs[pubKey], "index.md"))
				if !bytes.Contains(b, []byte("\ndraft: false\n")) {
					t.Errorf("the published article is not draft: false:\n%s", b)
				}
			}
		})
	}
}

// TestDraftsRemovedFromEarlierBuild builds the site with drafts, then
// without: the draft's page goes, and no list, feed or search file names
// it any more.
func TestDraftsRemovedFromEarlierBuild(t *testing.T) {
	a := hostileArchive(t)
	out := t.TempDir()
	for _, include := range []bool{true, false} {
		if _, err := NewSite(out, Options{Converter: render.New(), IncludeDrafts: include}).Write(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range readOutput(t, out) {
		if bytes.Contains(data, []byte(hostileDraftTitle)) || bytes.Contains(data, []byte("草稿正文")) {
			t.Errorf("%s still shows the draft", name)
		}
	}
}
