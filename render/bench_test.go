package render

import (
	"bytes"
	"compress/gzip"
	"fmt"
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
// machine, and reports the ratio of their total times on the clock
// (x-plain) and of the CPU time the process used meanwhile (x-plain-cpu,
// garbage collection included, where getrusage exists).
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
			ours := func() {
				for _, in := range bc.inputs {
					if _, err := conv.Convert(in, Options{}); err != nil {
						b.Fatal(err)
					}
				}
			}
			plain := func() {
				for _, in := range bc.inputs {
					if _, err := htmltomarkdown.ConvertString(in); err != nil {
						b.Fatal(err)
					}
				}
			}
			var wall, cpu [2]time.Duration
			cpuOK := true
			i := 0
			for b.Loop() {
				// Each goes first every other time, so neither always
				// pays for the other's garbage.
				order := [2]int{0, 1}
				if i%2 == 1 {
					order = [2]int{1, 0}
				}
				for _, k := range order {
					c0, ok0 := processCPU()
					start := time.Now()
					[2]func(){ours, plain}[k]()
					wall[k] += time.Since(start)
					c1, ok1 := processCPU()
					cpu[k] += c1 - c0
					cpuOK = cpuOK && ok0 && ok1
				}
				i++
			}
			b.ReportMetric(float64(wall[0])/float64(wall[1]), "x-plain")
			if cpuOK && cpu[1] > 0 {
				b.ReportMetric(float64(cpu[0])/float64(cpu[1]), "x-plain-cpu")
			}
			b.ReportMetric(wall[0].Seconds()*1000/float64(i), "ours-ms/op")
			b.ReportMetric(wall[1].Seconds()*1000/float64(i), "plain-ms/op")
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
	once  sync.Once
	parts []string
	err   error
}

// benchDocument is one document of about 1 MB made of real article
// bodies: the corpus and fidelity inputs, then the #js_content of the
// captured article and share pages in exporter/testdata (picture and text
// posts keep their text elsewhere), repeated in that order until the size
// is reached. The root package's BenchmarkConvertProcess builds the same
// document.
func benchDocument(tb testing.TB) string {
	parts := benchDocumentParts(tb)
	var doc strings.Builder
	for i := 0; doc.Len() < benchDocumentSize; i++ {
		doc.WriteString(parts[i%len(parts)])
		doc.WriteByte('\n')
	}
	return doc.String()
}

// benchDocumentParts are the bodies benchDocument is made of, in order.
func benchDocumentParts(tb testing.TB) []string {
	benchDoc.once.Do(func() {
		for _, pattern := range []string{
			filepath.Join(goldenDir, "[0-9]*.in.html"),
			filepath.Join(fidelityDir, "*.in.html"),
			filepath.Join("..", "exporter", "testdata", "pages", "real", "*-article*.html.gz"),
			filepath.Join("..", "exporter", "testdata", "pages", "real", "*-share.html.gz"),
		} {
			paths, err := filepath.Glob(pattern)
			if err != nil || len(paths) == 0 {
				benchDoc.err = fmt.Errorf("%s: no files (%v)", pattern, err)
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
					benchDoc.parts = append(benchDoc.parts, body)
				}
			}
		}
	})
	if benchDoc.err != nil {
		tb.Fatalf("building the benchmark document: %v", benchDoc.err)
	}
	return benchDoc.parts
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
