package render

import (
	"strings"
	"testing"
	"unicode"

	"golang.org/x/net/html"
)

// needsNormalizing and countNonSpace read bytes where the plain reading
// ranges over runes; they must agree with it.

func referenceNeedsNormalizing(s string) bool {
	for _, r := range s {
		if isDroppedRune(r) || r == '\u00a0' || r == '\f' {
			return true
		}
	}
	return false
}

func referenceCountNonSpace(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

func checkTextReaders(t *testing.T, s string) {
	t.Helper()
	if got, want := needsNormalizing(s), referenceNeedsNormalizing(s); got != want {
		t.Errorf("needsNormalizing(%q) = %v, want %v", s, got, want)
	}
	if got, want := countNonSpace(s), referenceCountNonSpace(s); got != want {
		t.Errorf("countNonSpace(%q) = %d, want %d", s, got, want)
	}
}

var textCases = []string{
	"", "plain text", "中文，标点。", "a\u00a0b", "a\u00adb", "zero\u200bwidth", "word\u2060joiner",
	"\ufeffbom", "code\uf002newline", "tab\tnew\nline\rreturn", "form\ffeed", "bell\a", "del\x7f",
	"\u0085next line", "\u3000全角空格", "\u2028\u2029\u202f\u205f\u1680\u2000\u200a", "\u200c\u200d",
	"emoji 👍🏽", "\u00a1\u00ff\u0100", "\xe2\x80", "\xef\xbb", "\xc2", "bad \xff utf-8 \xc2\xa0",
}

func TestTextReaders(t *testing.T) {
	for _, s := range textCases {
		checkTextReaders(t, s)
	}
	for _, body := range benchDocumentParts(t) {
		doc, err := html.Parse(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		walk(doc, func(n *html.Node) bool {
			if n.Type == html.TextNode {
				checkTextReaders(t, n.Data)
			}
			return true
		})
	}
}

func FuzzTextReaders(f *testing.F) {
	for _, s := range textCases {
		f.Add(s)
	}
	f.Fuzz(checkTextReaders)
}
