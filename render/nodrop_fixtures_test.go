package render

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/html"

	"github.com/mparchive/mparchive/archive"
)

// The article bodies the no-dropped-content property (nodrop_test.go) is
// checked on.

// noDropFixture is one article body of the project's test data.
type noDropFixture struct {
	name string
	body string
}

// noDropFixtures gathers every HTML fixture of the project: the converter's
// golden and fidelity cases, the exporter's article bodies, and the
// article bodies of the real pages (the inner HTML of #js_content; pages
// whose #js_content is missing or empty, such as picture posts, are not
// article bodies and are skipped).
//
// Reading them unzips and parses every real page, so they are gathered once
// per test binary and shared by the tests that ask.
func noDropFixtures(t *testing.T) (fixtures []noDropFixture, skipped []string) {
	t.Helper()
	noDropCache.Lock()
	defer noDropCache.Unlock()
	if !noDropCache.done {
		noDropCache.fixtures, noDropCache.skipped = gatherNoDropFixtures(t)
		noDropCache.done = true
	}
	return slices.Clone(noDropCache.fixtures), slices.Clone(noDropCache.skipped)
}

var noDropCache struct {
	sync.Mutex
	done     bool
	fixtures []noDropFixture
	skipped  []string
}

func gatherNoDropFixtures(t *testing.T) (fixtures []noDropFixture, skipped []string) {
	t.Helper()
	read := func(pattern string, extract func(name string, b []byte) (string, bool)) {
		paths, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		if len(paths) == 0 {
			t.Fatalf("no fixtures match %s", pattern)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			body, ok := extract(p, b)
			if !ok {
				skipped = append(skipped, p)
				continue
			}
			fixtures = append(fixtures, noDropFixture{name: p, body: body})
		}
	}
	asIs := func(_ string, b []byte) (string, bool) { return string(b), true }
	read(filepath.Join(goldenDir, "*.in.html"), asIs)
	read(filepath.Join(fidelityDir, "*.in.html"), asIs)
	read(filepath.Join("..", "exporter", "testdata", "pages", "*.body.html"), asIs)
	read(filepath.Join("..", "exporter", "testdata", "pages", "real", "*.html.gz"), func(name string, b []byte) (string, bool) {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		page, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		body, err := jsContent(page)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return realPostBody(t, name, body)
	})
	return fixtures, skipped
}

// jsContent returns the inner HTML of the page's element with id
// js_content, or "" when there is none.
func jsContent(page []byte) (string, error) {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return "", err
	}
	var content *html.Node
	walk(doc, func(n *html.Node) bool {
		if content == nil && n.Type == html.ElementNode && attrRaw(n, "id") == "js_content" {
			content = n
		}
		return content == nil
	})
	if content == nil {
		return "", nil
	}
	var b strings.Builder
	for c := content.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&b, c); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// realPostBody is the body the archive gives a real page's post: the
// parser's reading of the page is its golden record beside it
// (exporter/testdata/pages/real/*.golden.json); the post is stored in the
// urls source's shape and decoded as outputs decode it, so picture and text
// posts (whose #js_content is empty) and shares (note and card before the
// body) are checked as they are converted. ok is false for a message page.
func realPostBody(t *testing.T, page, jsBody string) (string, bool) {
	t.Helper()
	golden, err := os.ReadFile(strings.TrimSuffix(page, ".html.gz") + ".golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Kind          string          `json:"kind"`
		Title         string          `json:"title"`
		ItemShowType  int             `json:"item_show_type"`
		CopyrightStat int             `json:"copyright_stat"`
		Pictures      json.RawMessage `json:"pictures"`
		Share         json.RawMessage `json:"share"`
		Text          string          `json:"text"`
	}
	if err := json.Unmarshal(golden, &rec); err != nil {
		t.Fatalf("%s: %v", page, err)
	}
	if rec.Kind != "article" {
		return "", false
	}
	content := rec.Text
	if rec.ItemShowType == archive.ShowTypeArticle {
		content = jsBody
	}
	news := map[string]any{"title": rec.Title, "content": content, "item_show_type": rec.ItemShowType, "copyright_stat": rec.CopyrightStat}
	if len(rec.Pictures) > 0 {
		news["image_info"] = map[string]any{"image_list": rec.Pictures}
	}
	if len(rec.Share) > 0 && string(rec.Share) != "null" {
		news["share"] = rec.Share
	}
	raw, err := json.Marshal(map[string]any{"article_id": "A", "content": map[string]any{"news_item": []any{news}}})
	if err != nil {
		t.Fatal(err)
	}
	arts, err := archive.DecodeItem(archive.URLs, raw)
	if err != nil || len(arts) != 1 {
		t.Fatalf("%s: %v", page, err)
	}
	return arts[0].Content, strings.TrimSpace(arts[0].Content) != ""
}
