package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter"
	"github.com/mparchive/mparchive/output"
	"github.com/mparchive/mparchive/render"
)

// realPagesDir holds whole pages WeChat served in 2025–2026 with the
// golden record of each (exporter/testdata/pages/real, reviewed by hand
// against the pages).
var realPagesDir = filepath.Join("exporter", "testdata", "pages", "real")

// realPageRecord is the part of a page's golden record this test checks the
// output against.
type realPageRecord struct {
	Kind      string `json:"kind"`
	Title     string `json:"title"`
	Account   string `json:"account"`
	Published string `json:"published"`
	Pictures  []struct {
		URL string `json:"image_url"`
	} `json:"pictures"`
	Text  string `json:"text"`
	Share *struct {
		URL string `json:"url"`
	} `json:"share"`
}

// pictureFor is what the test's image host serves for a URL: a small PNG
// whose pixels come from the URL, so every picture is its own file and the
// output's file names (content hashes) can be predicted.
func pictureFor(u string) []byte {
	sum := sha256.Sum256([]byte(u))
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i := range 16 {
		img.Set(i%4, i/4, color.RGBA{sum[i], sum[i+16], sum[(i+8)%32], 255})
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// TestRealPagesEndToEnd backs up every real page through the urls source
// (no credentials, pages and pictures from a stand-in for WeChat's hosts)
// and checks the Markdown output against what the page shows: every post
// comes out with its exact title, publish day, account name, its whole
// visible text in order and every picture as a local file; every message
// page is reported for what it is and saved as nothing.
func TestRealPagesEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 45 MB of pages")
	}
	t.Parallel()
	names, err := filepath.Glob(filepath.Join(realPagesDir, "*.html.gz"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no real pages: %v", err)
	}
	pages := map[string][]byte{}
	records := map[string]realPageRecord{}
	var links []string
	for _, path := range names {
		name := strings.TrimSuffix(filepath.Base(path), ".html.gz")
		pages["/s/"+name] = gunzip(t, path)
		var rec realPageRecord
		golden, err := os.ReadFile(filepath.Join(realPagesDir, name+".golden.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(golden, &rec); err != nil {
			t.Fatal(err)
		}
		records[name] = rec
		links = append(links, "https://mp.weixin.qq.com/s/"+name)
	}
	// Every host answers from here: article pages by path, anything else
	// as a picture.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if page, ok := pages[r.URL.Path]; ok && r.Host == "mp.weixin.qq.com" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(page)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(pictureFor("https://" + r.Host + r.URL.RequestURI()))
	}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	// WeChat's hosts are asked over https; the stand-in speaks plain HTTP
	// on loopback, whatever the host.
	client := &http.Client{Transport: &rewriteScheme{next: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}}

	archDir := t.TempDir()
	arch, err := archive.Open(archDir)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := exporter.Fetch(t.Context(), nil, arch, exporter.FetchOptions{
		Sources: []archive.Source{archive.URLs}, URLs: links,
		PageHTTPClient: client, ImageHTTPClient: client,
		PageSleep: func(context.Context, time.Duration) error { return nil },
		Sleep:     func(context.Context, time.Duration) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.FailedMedia) > 0 {
		t.Errorf("failed media: %v", sum.FailedMedia)
	}
	failed := map[string]string{}
	// A deleted page is gone for good (UnavailablePages); one that may
	// come back is a failure (FailedPages). Both are reported.
	for _, pe := range append(sum.FailedPages, sum.UnavailablePages...) {
		failed[strings.TrimPrefix(pe.URL, "https://mp.weixin.qq.com/s/")] = pe.Kind.String()
	}

	out := t.TempDir()
	if d := os.Getenv("MPARCHIVE_KEEP_OUT"); d != "" {
		out = d
	}
	w, err := output.New("markdown", out, output.Options{Converter: render.New()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.Write(t.Context(), arch)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) > 0 || len(res.Missing) > 0 {
		t.Fatalf("build: failed %v, missing %v", res.Failed, res.Missing)
	}
	files := markdownFilesByTitle(t, out)

	// Each post is checked on its own, in parallel: parsing pages of
	// megabytes is most of the work once the backup is made.
	var posts, tokens, pictures atomic.Int64
	t.Run("posts", func(t *testing.T) {
		for name, rec := range records {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				c := checkRealPost(t, name, pages["/s/"+name], rec, failed, files)
				posts.Add(c.posts)
				tokens.Add(c.tokens)
				pictures.Add(c.pictures)
			})
		}
	})
	t.Logf("%d posts checked: %d text tokens, %d pictures", posts.Load(), tokens.Load(), pictures.Load())
}

// realPostCounts is what checkRealPost checked of a post.
type realPostCounts struct{ posts, tokens, pictures int64 }

// checkRealPost checks the post of one real page in the Markdown output
// (files, by title) against its golden record; failed holds how the
// backup reported the pages it did not save, by name.
func checkRealPost(t *testing.T, name string, page []byte, rec realPageRecord, failed, files map[string]string) (c realPostCounts) {
	t.Helper()
	if rec.Kind != "article" {
		if failed[name] != rec.Kind {
			t.Errorf("reported as %q, want %q", failed[name], rec.Kind)
		}
		return c
	}
	if kind, bad := failed[name]; bad {
		t.Fatalf("reported as %s", kind)
	}
	md, ok := files[rec.Title]
	if !ok {
		t.Fatalf("no output file has the title %q", rec.Title)
	}
	c.posts++
	front, body := splitFrontMatter(t, md)
	day := rec.Published[:len("2006-01-02")]
	if !strings.Contains(front, "date: "+day) {
		t.Errorf("front matter lacks the day %s:\n%s", day, front)
	}
	if rec.Account != "" && !strings.Contains(front, "account: "+rec.Account) {
		t.Errorf("front matter lacks the account %q:\n%s", rec.Account, front)
	}
	// An article's text and pictures come from its #js_content, parsed
	// once for both; a post's from its golden record.
	var content *xhtml.Node
	if rec.Text == "" {
		content = jsContentOf(t, name, page)
	}
	want := visibleTokens(t, content, rec)
	if missing := missingTokens(want, textTokens(body)); len(missing) > 0 {
		t.Errorf("%d of %d text tokens missing from the body, first: %q", len(missing), len(want), missing[:min(len(missing), 10)])
	}
	c.tokens += int64(len(want))
	for _, u := range expectedPictures(content, rec) {
		// A picture is asked for at its canonical address: on the CDN
		// without the fragment (never sent) and the tracking query
		// (archive.MediaKey); elsewhere as written, less the fragment.
		u, _, _ = strings.Cut(archive.MediaKey(u), "#")
		sum := sha256.Sum256(pictureFor(u))
		file := hex.EncodeToString(sum[:])[:12] + ".png"
		if !strings.Contains(body, "/"+file+")") {
			t.Errorf("picture %s (%s) is not in the body as a local file", u, file)
			continue
		}
		c.pictures++
	}
	return c
}

// rewriteScheme sends https requests as http to the stand-in server.
type rewriteScheme struct{ next http.RoundTripper }

func (r *rewriteScheme) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "https" {
		req = req.Clone(req.Context())
		req.URL.Scheme = "http"
	}
	return r.next.RoundTrip(req)
}

func gunzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// markdownFilesByTitle reads the articles of a Markdown output by title.
func markdownFilesByTitle(t *testing.T, dir string) map[string]string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	out := map[string]string{}
	for _, p := range paths {
		if filepath.Base(p) == output.MarkdownIndex {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`(?m)^title: (.*)$`).FindStringSubmatch(string(b))
		if m == nil {
			t.Fatalf("%s has no title", p)
		}
		title := m[1]
		if strings.HasPrefix(title, `"`) || strings.HasPrefix(title, `'`) {
			json.Unmarshal([]byte(strings.ReplaceAll(title, `'`, `"`)), &title)
		}
		out[title] = string(b)
	}
	return out
}

func splitFrontMatter(t *testing.T, md string) (front, body string) {
	t.Helper()
	rest, ok := strings.CutPrefix(md, "---\n")
	if !ok {
		t.Fatal("no front matter")
	}
	front, body, ok = strings.Cut(rest, "\n---\n")
	if !ok {
		t.Fatal("front matter not closed")
	}
	return front, body
}

// jsContentOf parses a page and returns its #js_content, the article body.
func jsContentOf(t *testing.T, name string, page []byte) *xhtml.Node {
	t.Helper()
	doc, err := xhtml.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	content := findElement(doc, func(n *xhtml.Node) bool { return attrOf(n, "id") == "js_content" })
	if content == nil {
		t.Fatalf("%s: no #js_content", name)
	}
	return content
}

// visibleTokens lists the words a reader sees in the post, in order: the
// text of the article's content (#js_content) outside scripts, styles and
// hidden elements for an article or a share, the post's text for a
// picture or text post, and the share's note.
func visibleTokens(t *testing.T, content *xhtml.Node, rec realPageRecord) []string {
	t.Helper()
	if rec.Text != "" {
		doc, err := xhtml.Parse(strings.NewReader("<div>" + rec.Text + "</div>"))
		if err != nil {
			t.Fatal(err)
		}
		return textTokens(visibleText(doc))
	}
	return textTokens(visibleText(content))
}

// expectedPictures lists the pictures a post shows: a picture post's
// pictures, or the lazy images of an article's content.
func expectedPictures(content *xhtml.Node, rec realPageRecord) []string {
	if len(rec.Pictures) > 0 {
		var out []string
		for _, p := range rec.Pictures {
			out = append(out, p.URL)
		}
		return out
	}
	if rec.Text != "" {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.ElementNode && hiddenElement(n) {
			return
		}
		if n.Type == xhtml.ElementNode && n.DataAtom == atom.Img {
			if u := attrOf(n, "data-src"); strings.HasPrefix(u, "http") && !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(content)
	return out
}

func visibleText(n *xhtml.Node) string {
	var b strings.Builder
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		switch {
		case n.Type == xhtml.TextNode:
			b.WriteString(n.Data)
			b.WriteByte(' ')
		case n.Type == xhtml.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style || hiddenElement(n)):
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// hiddenElement is an element a reader does not see: display:none, or
// WeChat's own hidden helpers. #js_content itself is hidden by an inline
// style until the page's scripts run, so it never counts.
func hiddenElement(n *xhtml.Node) bool {
	if attrOf(n, "id") == "js_content" {
		return false
	}
	style := strings.ReplaceAll(strings.ToLower(attrOf(n, "style")), " ", "")
	return strings.Contains(style, "display:none") || attrOf(n, "aria-hidden") == "true" && n.FirstChild == nil
}

// textTokens splits text into words: runs of letters and digits, each CJK
// character on its own (CJK has no spaces, and line breaks in Markdown may
// fall anywhere).
func textTokens(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			tok := string(cur)
			if strings.Trim(tok, "0123456789") == "" && len(tok) > 1 {
				// A list renumbered "1、" as "01." says the same number.
				if tok = strings.TrimLeft(tok, "0"); tok == "" {
					tok = "0"
				}
			}
			out = append(out, tok)
			cur = cur[:0]
		}
	}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r):
			flush()
			out = append(out, string(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return out
}

// missingTokens returns the tokens of want that got lacks, counting each
// repetition, so that a dropped paragraph shows even when its words occur
// elsewhere.
func missingTokens(want, got []string) []string {
	have := map[string]int{}
	for _, g := range got {
		have[g]++
	}
	var missing []string
	for _, w := range want {
		if have[w] == 0 {
			missing = append(missing, w)
			continue
		}
		have[w]--
	}
	return missing
}

func findElement(n *xhtml.Node, match func(*xhtml.Node) bool) *xhtml.Node {
	if n.Type == xhtml.ElementNode && match(n) {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := findElement(c, match); f != nil {
			return f
		}
	}
	return nil
}

func attrOf(n *xhtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
