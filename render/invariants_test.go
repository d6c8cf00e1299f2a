package render

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// checkMarkdownInvariants holds for every conversion, whatever the input.
func checkMarkdownInvariants(t testing.TB, md string) {
	t.Helper()
	if !utf8.ValidString(md) {
		t.Errorf("output is not valid UTF-8")
	}
	if md != "" && (!strings.HasSuffix(md, "\n") || strings.HasSuffix(md, "\n\n")) {
		t.Errorf("output must end with exactly one newline, ends with %q", md[max(0, len(md)-10):])
	}
}

// checkNoRawMarkup holds for article markup: editor wrappers and inline
// styles never reach the Markdown. (Arbitrary text may of course say
// "style=", so the fuzz test does not check this.)
func checkNoRawMarkup(t testing.TB, md string) {
	t.Helper()
	for _, leak := range []string{"<section", "<span", "style="} {
		if strings.Contains(md, leak) {
			t.Errorf("output contains raw %q", leak)
		}
	}
}
