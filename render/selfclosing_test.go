package render

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The scan in expandSelfClosing must read every tag as x/net/html's
// tokenizer does: these compare it with the tokenizer on markup shaped to
// trip a reader that does not, and on every article body in the repo.

var selfClosingCases = []struct {
	name, in, want string
}{
	{"non-void", `a<strong/>b`, `a<strong></strong>b`},
	{"void left alone", `a<br/>b<img src="x"/>`, `a<br/>b<img src="x"/>`},
	{"spaces and slashes", `<p a="1" / />x`, `<p a="1"></p>x`},
	{"upper case", `<STRONG />`, `<STRONG></strong>`},
	{"custom element", `<mp-style-type data-value="3"/>`, `<mp-style-type data-value="3"></mp-style-type>`},
	{"quoted gt", `<strong title="a>b"/>`, `<strong title="a>b"></strong>`},
	{"quoted void inside", `<strong title="<br"/>`, `<strong title="<br"></strong>`},
	{"lt in attribute name", `<strong a<img/>`, `<strong a<img></strong>`},
	{"unquoted slash value", `<p a=/>x`, `<p a=/>x`},
	{"unquoted value ending in slash", `<a href=http://x/>x`, `<a href=http://x/>x`},
	{"repeated attribute", `<p a=1 a=/>x`, `<p a=1 a=></p>x`},
	{"empty value before gt", `<p a=/>`, `<p a=/>`},
	{"equals first", `<p =x/>`, `<p =x></p>`},
	{"end tag", `</strong/>x`, `</strong/>x`},
	{"comment", `<!-- <strong/> -->`, `<!-- <strong/> -->`},
	{"abrupt comment", `<!--><strong/>`, `<!--><strong></strong>`},
	{"abrupt comment dash", `<!---><b/>`, `<!---><b></b>`},
	{"bang comment end", `<!-- x --!><b/>`, `<!-- x --!><b></b>`},
	{"bang dash", `<!-- x --!-><b/>-->`, `<!-- x --!-><b/>-->`},
	{"many dashes", `<!------><b/>`, `<!------><b></b>`},
	{"unclosed comment", `<!-- <b/>`, `<!-- <b/>`},
	{"doctype", `<!DOCTYPE html><b/>`, `<!DOCTYPE html><b></b>`},
	{"bogus comment", `<! <b/> ><i/>`, `<! <b/> ><i></i>`},
	{"processing instruction", `<?x <b/> ?><i/>`, `<?x <b/> ?><i></i>`},
	{"bogus end tag", `</ <b/> ><i/>`, `</ <b/> ><i></i>`},
	{"empty end tag", `</><i/>`, `</><i></i>`},
	{"raw text", `<iframe><b/></iframe><i/>`, `<iframe><b/></iframe><i></i>`},
	{"raw text self-closing", `<iframe/><b/></IFRAME ><i/>`, `<iframe></iframe><b/></IFRAME ><i></i>`},
	{"raw text end tag lookalike", `<style></styles><b/></style><i/>`, `<style></styles><b/></style><i></i>`},
	{"unclosed raw text", `<textarea><b/>`, `<textarea><b/>`},
	{"raw text elements", `<TITLE><b/></title><xmp><b/></xmp><noembed><b/></noembed><NoFrames><b/></noframes><noscript><b/></noscript><i/>`,
		`<TITLE><b/></title><xmp><b/></xmp><noembed><b/></noembed><NoFrames><b/></noframes><noscript><b/></noscript><i></i>`},
	{"raw text lookalikes", `<styles><b/><titles><i/><nobr><u/>`, `<styles><b></b><titles><i></i><nobr><u></u>`},
	{"plaintext", `<plaintext><b/>`, `<plaintext><b/>`},
	{"script", `<script><!--<script></script>--></script><b/>`, `<script><!--<script></script>--></script><b></b>`},
	{"lone angle", `a < b/> <3/> <`, `a < b/> <3/> <`},
	{"cut tag", `<b/><i a="/>`, `<b></b><i a="/>`},
	{"cut name", `<b/><i`, `<b></b><i`},
	{"nul in name", "<b\x00/>", "<b\x00></b\uFFFD>"},
	{"form feed", "<b\f/>", "<b\f></b>"},
}

func TestExpandSelfClosing(t *testing.T) {
	for _, tc := range selfClosingCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := expandSelfClosingTokenized(tc.in); got != tc.want {
				t.Errorf("tokenizer: %q, want %q", got, tc.want)
			}
			if got := expandSelfClosing(tc.in); got != tc.want {
				t.Errorf("scan: %q, want %q", got, tc.want)
			}
			if got := readExpanded(t, tc.in); got != tc.want {
				t.Errorf("reader: %q, want %q", got, tc.want)
			}
		})
	}
}

func TestExpandSelfClosingCorpus(t *testing.T) {
	var bodies []string
	for _, dir := range goldenDirs {
		paths, _ := filepath.Glob(filepath.Join(dir, "*.in.html"))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			bodies = append(bodies, string(b))
		}
	}
	fuzzSeeds, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzConvert", "*"))
	for _, p := range fuzzSeeds {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		// "go test fuzz v1" then string("…") on the next line.
		_, arg, _ := strings.Cut(string(b), "\n")
		arg = strings.TrimSuffix(strings.TrimSpace(arg), ")")
		body, err := strconv.Unquote(strings.TrimPrefix(arg, "string("))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		bodies = append(bodies, body)
	}
	bodies = append(bodies, benchDocumentParts(t)...)
	for i, body := range bodies {
		want := expandSelfClosingTokenized(body)
		if got := expandSelfClosing(body); got != want {
			t.Errorf("body %d: the scan and the tokenizer disagree", i)
		}
		if got := readExpanded(t, body); got != want {
			t.Errorf("body %d: the reader and the tokenizer disagree", i)
		}
	}
}

func FuzzExpandSelfClosing(f *testing.F) {
	for _, tc := range selfClosingCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		want := expandSelfClosingTokenized(in)
		if got := expandSelfClosing(in); got != want {
			t.Errorf("expandSelfClosing(%q) = %q, the tokenizer gives %q", in, got, want)
		}
		if got := readExpanded(t, in); got != want {
			t.Errorf("expandSelfClosingReader(%q) reads %q, the tokenizer gives %q", in, got, want)
		}
	})
}

func readExpanded(t *testing.T, body string) string {
	t.Helper()
	b, err := io.ReadAll(expandSelfClosingReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
