package render

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	htmltomarkdown "github.com/JohannesKaufmann/html-to-markdown/v2"
	"golang.org/x/net/html"
)

// BenchmarkConvert measures our converter over the real-article corpus;
// BenchmarkPlainConvertString runs html-to-markdown's own ConvertString on
// the same inputs, so the cost of the WeChat rules shows as the difference.
// BenchmarkConvertRatio times both on the same inputs, alternating, and
// reports ours over plain as x-plain: per article of the corpus, and on
// one 1 MB document of real article bodies (benchDocument).
//
//	go test -run '^$' -bench 'Convert' -count 6 ./render/

func BenchmarkConvert(b *testing.B) {
	inputs, size := benchInputs(b)
	conv := New()
	opts := Options{ImageURL: func(remote string) string { return "" }}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, in := range inputs {
			if _, err := conv.Convert(in, opts); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkPlainConvertString(b *testing.B) {
	inputs, size := benchInputs(b)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, in := range inputs {
			if _, err := htmltomarkdown.ConvertString(in); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkConvertDocument(b *testing.B) {
	doc := benchDocument(b)
	conv := New()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := conv.Convert(doc, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlainConvertStringDocument(b *testing.B) {
	doc := benchDocument(b)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := htmltomarkdown.ConvertString(doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConvertRatio runs ours and plain ConvertString one after the
// other in every iteration, so that both see the same load on a shared
// machine, and reports the ratio of their total times.
func BenchmarkConvertRatio(b *testing.B) {
	corpus, _ := benchInputs(b)
	for _, bc := range []struct {
		name   string
		inputs []string
	}{
		{"corpus", corpus},
		{"document", []string{benchDocument(b)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			conv := New()
			var ours, plain time.Duration
			for b.Loop() {
				start := time.Now()
				for _, in := range bc.inputs {
					if _, err := conv.Convert(in, Options{}); err != nil {
						b.Fatal(err)
					}
				}
				mid := time.Now()
				for _, in := range bc.inputs {
					if _, err := htmltomarkdown.ConvertString(in); err != nil {
						b.Fatal(err)
					}
				}
				ours += mid.Sub(start)
				plain += time.Since(mid)
			}
			b.ReportMetric(float64(ours)/float64(plain), "x-plain")
			b.ReportMetric(ours.Seconds()*1000/float64(b.N), "ours-ms/op")
			b.ReportMetric(plain.Seconds()*1000/float64(b.N), "plain-ms/op")
		})
	}
}

func benchInputs(b *testing.B) ([]string, int64) {
	inputs := corpusInputs(b)
	var size int64
	for _, in := range inputs {
		size += int64(len(in))
	}
	return inputs, size
}

// benchDocumentSize is the size of the document the goal is set
// on: about as large as WeChat lets an article body be.
const benchDocumentSize = 1 << 20

var benchDoc struct {
	once sync.Once
	doc  string
	err  error
}

// benchDocument is one document of about 1 MB made of real article
// bodies: the corpus and fidelity inputs, then the #js_content of the
// captured article and share pages in exporter/testdata (picture and text
// posts keep their text elsewhere), repeated in that order until the size
// is reached. The root package's BenchmarkConvertProcess builds the same
// document.
func benchDocument(b *testing.B) string {
	benchDoc.once.Do(func() {
		var parts []string
		for _, pattern := range []string{
			filepath.Join(goldenDir, "[0-9]*.in.html"),
			filepath.Join(fidelityDir, "*.in.html"),
			filepath.Join("..", "exporter", "testdata", "pages", "real", "*-article*.html.gz"),
			filepath.Join("..", "exporter", "testdata", "pages", "real", "*-share.html.gz"),
		} {
			paths, err := filepath.Glob(pattern)
			if err != nil || len(paths) == 0 {
				benchDoc.err = err
				return
			}
			slices.Sort(paths)
			for _, p := range paths {
				body, err := readBenchBody(p)
				if err != nil {
					benchDoc.err = err
					return
				}
				if body != "" {
					parts = append(parts, body)
				}
			}
		}
		var doc strings.Builder
		for i := 0; doc.Len() < benchDocumentSize; i++ {
			doc.WriteString(parts[i%len(parts)])
			doc.WriteByte('\n')
		}
		benchDoc.doc = doc.String()
	})
	if benchDoc.err != nil || benchDoc.doc == "" {
		b.Fatalf("building the benchmark document: %v", benchDoc.err)
	}
	return benchDoc.doc
}

// readBenchBody reads an article body: a file of the corpus as it is, a
// captured page's inner HTML of #js_content ("" when it has none).
func readBenchBody(path string) (string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(path, ".gz") {
		return string(raw), nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return "", err
	}
	page, err := io.ReadAll(zr)
	if err != nil {
		return "", err
	}
	return rawJSContent(page), nil
}

// rawJSContent returns the bytes between the start tag of the element with
// id js_content and its end tag, found by counting the nesting of that
// tag's name, as the page sent them (the archive keeps them so; jsContent
// re-renders them).
func rawJSContent(page []byte) string {
	z := html.NewTokenizer(bytes.NewReader(page))
	offset, start, depth := 0, -1, 0
	var tag string
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return ""
		}
		raw := z.Raw()
		offset += len(raw)
		name, hasAttr := z.TagName()
		switch {
		case tt == html.StartTagToken && start < 0 && hasAttr:
			for {
				k, v, more := z.TagAttr()
				if string(k) == "id" && string(v) == "js_content" {
					start, depth, tag = offset, 1, string(name)
					break
				}
				if !more {
					break
				}
			}
		case tt == html.StartTagToken && start >= 0 && string(name) == tag:
			depth++
		case tt == html.EndTagToken && start >= 0 && string(name) == tag:
			if depth--; depth == 0 {
				return strings.TrimSpace(string(page[start : offset-len(raw)]))
			}
		}
	}
}
