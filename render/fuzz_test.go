package render

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// fuzzInputLimit caps inputs so each one converts in bounded time; real
// article bodies are well below it, and larger inputs only test the
// machine's patience.
const fuzzInputLimit = 64 << 10

func FuzzConvert(f *testing.F) {
	var paths []string
	for _, dir := range goldenDirs {
		more, _ := filepath.Glob(filepath.Join(dir, "*.in.html"))
		paths = append(paths, more...)
	}
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Add(`<section style="background:url(&quot;x&quot;)"><strong/>“a”<pre><code>b</code></pre></section>`)
	f.Add("<ul><li><li></ul><pre data-lang=go><code>a</code><code><br></code></pre>")
	f.Add(`<table><tr><td><ul><li><a href="javascript:x" onclick="y">a</a></li></ul><img src="x" onerror="y"><script>z</script></td></tr></table>`)

	// Shapes that once lost content (nodrop_test.go).
	f.Add(`<section><h1>● a</h1><p><img data-src="https://m/1.jpg"></p><h1>● b</h1><p><img data-src="https://m/2.jpg"></p></section>`)
	f.Add(`<pre><span style="display:block;background:url(https://m/bar.svg)"></span><code>x <a href="https://m/l">l</a></code></pre><code>a<img src="https://m/i.png"><p>b</p></code>`)
	f.Add(`<p>&amp;copy; <a href="https://m/?a&amp;lt;=1">x</a><mp-style-type>t</mp-style-type><qqmusic mid="m">w</qqmusic></p>`)
	f.Add(`<p>◈ a</p><p>◈ b<img src="https://m/3.png"></p><ol start="2"><li>c</li></ol><table><tr><td><ul><li>d</li></ul></td><td><img src="https://m/4.png"></td></tr></table>`)

	conv := New()
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > fuzzInputLimit {
			t.Skip("input larger than the fuzz limit")
		}
		start := time.Now()
		rec := newNoDropRecorder("img/")
		got, err := conv.Convert(in, rec.options())
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("conversion of %d bytes took %v", len(in), d)
		}
		if err != nil {
			// The parser gives up only on nesting we could not flatten;
			// that must stay an error, never a panic or a hang.
			return
		}
		checkMarkdownInvariants(t, got)
		// No rule may drop what a reader of the input saw (nodrop_test.go).
		if r := checkNoDroppedContent(in, got, rec); len(r.problems) > 0 {
			t.Fatalf("content dropped:\n%s\ninput:  %q\noutput: %q", strings.Join(r.problems, "\n"), in, got)
		}
		// Whatever the article held, the site HTML gets no active markup:
		// the only raw HTML ToHTML lets through is re-sanitised.
		page, err := conv.ToHTML([]byte(got))
		if err != nil {
			t.Fatalf("ToHTML: %v", err)
		}
		doc, err := html.Parse(strings.NewReader(string(page)))
		if err != nil {
			t.Fatalf("parse ToHTML output: %v", err)
		}
		walk(doc, func(n *html.Node) bool {
			if n.Type != html.ElementNode {
				return true
			}
			switch n.Data {
			case "script", "iframe", "style", "object", "embed", "svg", "math", "form", "input", "textarea":
				t.Fatalf("ToHTML output holds <%s>:\n%s", n.Data, page)
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") || a.Key == "style" || (a.Key == "href" || a.Key == "src") && isScriptURL(a.Val) {
					t.Fatalf("ToHTML output holds %s=%q:\n%s", a.Key, a.Val, page)
				}
			}
			return true
		})
	})
}
