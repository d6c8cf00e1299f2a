package output

import (
	"bytes"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
	xhtml "golang.org/x/net/html"
	"gopkg.in/yaml.v3"

	"github.com/mparchive/mparchive/render"
)

// pathRules say, per format, where its readers resolve a path a page
// writes (frontmatter.go has the table): resolve maps a path (decoded,
// slash-separated) written in the page file page (relative to the output
// folder) to the files, relative to the output folder, any of which must
// exist for it to resolve.
var pathRules = map[string]struct {
	pages   []string // globs of the page files
	resolve func(page, p string) []string
}{
	// A page bundle: files beside index.md, other articles as sibling
	// bundles (../<slug>/).
	"hugo": {[]string{"content/posts/*/index.md"}, func(page, p string) []string {
		t := path.Join(path.Dir(page), p)
		return []string{t, t + "/index.md"}
	}},
	// Everything from the .md file, the way editors and GitHub read it.
	"markdown": {[]string{"*.md"}, func(page, p string) []string {
		return []string{path.Join(path.Dir(page), p)}
	}},
	// Colocated assets; @/ names a content file.
	"zola": {[]string{"content/*/index.md"}, func(page, p string) []string {
		if rest, ok := strings.CutPrefix(p, "@/"); ok {
			return []string{"content/" + rest}
		}
		return []string{path.Join(path.Dir(page), p)}
	}},
	// Hexo's post asset folder: bare names are files of the folder named
	// like the post; other posts are ../<slug>/ from posts/<slug>/.
	"hexo": {[]string{"source/_posts/*.md", "source/_drafts/*.md"}, func(page, p string) []string {
		if strings.HasSuffix(p, "/") {
			slug := path.Base(path.Join("posts", strings.TrimSuffix(path.Base(page), ".md"), p))
			return []string{"source/_posts/" + slug + ".md", "source/_drafts/" + slug + ".md"}
		}
		return []string{path.Join(strings.TrimSuffix(page, ".md"), p)}
	}},
	// Files from the site's root; other posts from the post's address
	// /YYYY/MM/DD/<title>/, which _posts/YYYY-MM-DD-<title>.md gets.
	"jekyll": {[]string{"_posts/*.md", "_drafts/*.md"}, func(page, p string) []string {
		if strings.HasPrefix(p, "/") {
			return []string{strings.TrimPrefix(p, "/")}
		}
		name := strings.TrimSuffix(path.Base(page), ".md")
		addr := path.Join("/"+name[:4], name[5:7], name[8:10], name[11:], p)
		parts := strings.Split(strings.Trim(addr, "/"), "/")
		if len(parts) != 4 {
			return nil
		}
		return []string{"_posts/" + strings.Join(parts, "-") + ".md"}
	}},
	// A browser: from the page's folder, a folder's index.html.
	"site": {[]string{"posts/*/index.html"}, func(page, p string) []string {
		t := path.Join(path.Dir(page), p)
		return []string{t, t + "/index.html"}
	}},
}

// TestPathsResolveWhereRead writes the demo in every format and resolves,
// on disk, every path each page names: the front matter's cover and image
// keys and every link and image of the body (pictures, voices, cards'
// covers, other articles), each by the rule of the format's reader.
func TestPathsResolveWhereRead(t *testing.T) {
	a := demoArchive(t)
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			t.Parallel() // the builds only read the archive
			rule, ok := pathRules[format]
			if !ok {
				t.Fatalf("no path rule for format %q: add one to pathRules", format)
			}
			out := t.TempDir()
			w, err := New(format, out, Options{Converter: render.New()})
			if err != nil {
				t.Fatal(err)
			}
			if res, err := w.Write(t.Context(), a); err != nil || len(res.Failed) > 0 {
				t.Fatalf("%+v %v", res, err)
			}
			var pages []string
			for _, g := range rule.pages {
				m, _ := filepath.Glob(filepath.Join(out, filepath.FromSlash(g)))
				pages = append(pages, m...)
			}
			counts := map[string]int{}
			for _, file := range pages {
				page, _ := filepath.Rel(out, file)
				page = filepath.ToSlash(page)
				if format == "markdown" && page == MarkdownIndex {
					continue
				}
				b, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				for _, ref := range pagePaths(t, format, b) {
					p, ok := localPath(ref.path)
					if !ok {
						continue
					}
					counts[ref.where]++
					if strings.HasSuffix(p, "/") || strings.HasPrefix(p, "@/") || strings.HasSuffix(p, ".md") || strings.HasSuffix(p, ".html") {
						counts["article links"]++
					}
					if !anyExists(out, rule.resolve(page, p)) {
						t.Errorf("%s: %s %q resolves to nothing (looked for %q)", page, ref.where, ref.path, rule.resolve(page, p))
					}
				}
			}
			t.Logf("%d pages, resolved %v", len(pages), counts)
			for _, where := range []string{"front matter", "body", "article links"} {
				if counts[where] == 0 && !(where == "front matter" && format == "site") {
					t.Errorf("no %s path checked: the test reads the pages wrong", where)
				}
			}
		})
	}
}

type pageRef struct{ where, path string }

// pagePaths lists the paths a page file names: front matter keys that
// hold pictures, then the destinations of the body's links and images.
func pagePaths(t *testing.T, format string, page []byte) []pageRef {
	t.Helper()
	var refs []pageRef
	if format == "site" {
		doc, err := xhtml.Parse(bytes.NewReader(page))
		if err != nil {
			t.Fatal(err)
		}
		for n := range doc.Descendants() {
			if n.Type != xhtml.ElementNode {
				continue
			}
			for _, key := range []string{"src", "href", "poster"} {
				if v := attrOf(n, key); v != "" {
					refs = append(refs, pageRef{"body", v})
				}
			}
		}
		return refs
	}
	var head, body []byte
	var fm map[string]any
	if format == "zola" {
		rest, _ := bytes.CutPrefix(page, []byte("+++\n"))
		i := bytes.Index(rest, []byte("\n+++\n"))
		head, body = rest[:i+1], rest[i+5:]
		if _, err := toml.Decode(string(head), &fm); err != nil {
			t.Fatal(err)
		}
		fm, _ = fm["extra"].(map[string]any)
	} else {
		var ok bool
		head, ok = splitFrontMatter(page)
		if !ok {
			t.Fatalf("no front matter:\n%s", page)
		}
		body = page[len(head)+8:]
		if err := yaml.Unmarshal(head, &fm); err != nil {
			t.Fatal(err)
		}
	}
	for _, key := range []string{"cover", "image", "images", "thumbnail"} {
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case string:
				refs = append(refs, pageRef{"front matter", v})
			case []any:
				for _, x := range v {
					walk(x)
				}
			case map[string]any:
				walk(v["image"])
			}
		}
		walk(fm[key])
	}
	doc := goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser().Parse(text.NewReader(body))
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link:
			refs = append(refs, pageRef{"body", string(n.Destination)})
		case *ast.Image:
			refs = append(refs, pageRef{"body", string(n.Destination)})
		}
		return ast.WalkContinue, nil
	})
	return refs
}

// localPath decodes a path of the output, and reports false for anything
// else: web addresses, in-page anchors, mailto.
func localPath(ref string) (string, bool) {
	if ref == "" || strings.HasPrefix(ref, "#") || strings.HasPrefix(ref, "//") {
		return "", false
	}
	u, err := url.Parse(ref)
	if err != nil || u.Scheme != "" {
		return "", false
	}
	if strings.HasPrefix(ref, "@/") {
		return ref, true
	}
	return u.Path, u.Path != ""
}

func anyExists(root string, rels []string) bool {
	for _, r := range rels {
		if st, err := os.Stat(filepath.Join(root, filepath.FromSlash(r))); err == nil && st.Mode().IsRegular() {
			return true
		}
	}
	return false
}
