package render

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// The style readers must give the answers of the plain reading they
// replace: lower-case the attribute, split it at ";" and ":", compare
// names with Unicode case folding; display:none found in the attribute
// lower-cased with its white space removed.

func referenceCSSValue(style, name string) cssValue {
	if !strings.Contains(strings.ToLower(style), name) {
		return cssValue{}
	}
	var found cssValue
	for _, decl := range strings.Split(style, ";") {
		k, v, ok := strings.Cut(decl, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), name) {
			v = strings.ToLower(strings.TrimSpace(v))
			found = cssValue{value: strings.TrimSpace(strings.TrimSuffix(v, "!important")), set: true}
		}
	}
	return found
}

func referenceHidden(style string) bool {
	return strings.Contains(strings.ToLower(strings.Join(strings.Fields(style), "")), "display:none")
}

func checkStyle(t *testing.T, style string) {
	t.Helper()
	st := parseInlineStyle(style)
	for name, got := range map[string]cssValue{
		"display": st.display, "flex-direction": st.flexDirection, "font-size": st.fontSize,
		"font-weight": st.fontWeight, "text-align": st.textAlign,
	} {
		if want := referenceCSSValue(style, name); got != want {
			t.Errorf("%q: %s = %+v, want %+v", style, name, got, want)
		}
	}
	if got, want := containsCompact(style, "display:none"), referenceHidden(style); got != want {
		t.Errorf("%q: hidden = %v, want %v", style, got, want)
	}
}

var styleCases = []string{
	"",
	"font-size: 15px; font-weight: bold; text-align: center",
	"FONT-SIZE:1.2EM;Font-Weight:700 !IMPORTANT;text-align:Center",
	"display:flex;flex-direction:column-reverse;display:inline-flex",
	"display: none",
	"margin:0;DISPLAY : NO NE;",
	"display:\u00a0none",
	"d\u0130splay:none",
	"width:1px;display:n\u3000one",
	"x-display:none-ish",
	"display;none:block",
	"di\u017fplay:block; display-x: 1",
	"di\u017fplay:block",
	"\u212aey:1; font-size:\u212a",
	"text-align:;font-weight:",
	"font-family:\"微软雅黑\";font-size:17px;color:rgb(0, 0, 0)",
	"background:url(data:image/png;base64,AAA=);display:block",
	";;;:;:::",
}

func TestInlineStyle(t *testing.T) {
	for _, style := range styleCases {
		checkStyle(t, style)
	}
}

// TestInlineStyleCorpus reads every style attribute of the article bodies
// the benchmarks convert.
func TestInlineStyleCorpus(t *testing.T) {
	seen := 0
	for _, body := range benchDocumentParts(t) {
		doc, err := html.Parse(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		walk(doc, func(n *html.Node) bool {
			if style := attr(n, "style"); style != "" {
				checkStyle(t, style)
				seen++
			}
			return true
		})
	}
	if seen < 1000 {
		t.Errorf("only %d styles read", seen)
	}
}

func FuzzInlineStyle(f *testing.F) {
	for _, style := range styleCases {
		f.Add(style)
	}
	f.Fuzz(func(t *testing.T, style string) {
		checkStyle(t, style)
	})
}
