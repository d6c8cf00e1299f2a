package render

import (
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// flattenDepths are the nesting limits tried, in order, when x/net/html
// refuses a document for having more than 512 open elements. Only hostile or
// broken bodies get there (real articles stay far below 100 levels even with
// 135editor's chains), and they lose wrapper tags, never text. The second,
// smaller limit covers elements the parser expands, such as each <table>
// level opening tbody, tr and td.
var flattenDepths = []int{120, 24}

// parseArticle parses an article body the way WeChat's editor meant it.
func parseArticle(body string) (*html.Node, error) {
	// Bytes that are not UTF-8 are U+FFFD, as a browser decodes them,
	// before the markup can split or join them: two stray bytes on either
	// side of a tag must not become one character once the tag is gone.
	if !utf8.ValidString(body) {
		body = strings.ToValidUTF8(body, "\uFFFD")
	}
	// Only some bodies carry XHTML-style tags; skip the extra pass otherwise.
	selfClosing := strings.Contains(body, "/>")
	var in io.Reader = strings.NewReader(body)
	if selfClosing {
		in = expandSelfClosingReader(body)
	}
	doc, err := html.Parse(in)
	if err == nil {
		return doc, nil
	}
	if selfClosing {
		body = expandSelfClosing(body)
	}
	for _, depth := range flattenDepths {
		if !strings.Contains(err.Error(), "open stack of elements") {
			return nil, err
		}
		doc, err = html.Parse(strings.NewReader(flattenDeepNesting(body, depth)))
		if err == nil {
			return doc, nil
		}
	}
	return nil, err
}

// flattenDeepNesting drops the start and end tags of elements nested deeper
// than maxDepth and keeps everything else, so the parser accepts the body.
func flattenDeepNesting(body string, maxDepth int) string {
	type open struct {
		name    string
		dropped bool
	}
	var stack []open
	var out strings.Builder
	out.Grow(len(body))
	z := html.NewTokenizer(strings.NewReader(body))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			out.Write(z.Raw())
			return out.String()
		case html.StartTagToken:
			name, _ := z.TagName()
			if isVoidElement(string(name)) {
				out.Write(z.Raw())
				continue
			}
			dropped := len(stack) >= maxDepth
			stack = append(stack, open{name: string(name), dropped: dropped})
			if !dropped {
				out.Write(z.Raw())
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			i := len(stack) - 1
			for i >= 0 && stack[i].name != string(name) {
				i--
			}
			if i < 0 {
				continue // a stray end tag closes nothing
			}
			dropped := stack[i].dropped
			stack = stack[:i]
			if !dropped {
				out.Write(z.Raw())
			}
		default:
			out.Write(z.Raw())
		}
	}
}

func isVoidElement(name string) bool {
	switch name {
	case "area", "base", "br", "col", "embed", "hr", "img", "input", "link",
		"meta", "param", "source", "track", "wbr":
		return true
	}
	return false
}
