package render

import (
	"os"
	"path/filepath"
	"testing"
	"time"
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

	conv := New()
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > fuzzInputLimit {
			t.Skip("input larger than the fuzz limit")
		}
		start := time.Now()
		got, err := conv.Convert(in, Options{ImageURL: func(remote string) string { return "img/" + remote }})
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("conversion of %d bytes took %v", len(in), d)
		}
		if err != nil {
			// The parser gives up only on nesting we could not flatten;
			// that must stay an error, never a panic or a hang.
			return
		}
		checkMarkdownInvariants(t, got)
	})
}
