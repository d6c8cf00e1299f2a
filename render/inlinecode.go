package render

import (
	"strings"
	"unicode"

	"golang.org/x/net/html"
)

// isInlineCode reports the elements html-to-markdown writes as a code span.
func isInlineCode(name string) bool {
	switch name {
	case "code", "var", "samp", "kbd", "tt":
		return true
	}
	return false
}

// moveCodeEdgeSpaces moves the whitespace at the start and end of an
// inline code element out of it. A code span drops it, and the words on
// either side would run into the code ("run<code> make</code>" as
// "run`make`").
func moveCodeEdgeSpaces(code *html.Node) {
	if code.Parent == nil || insideCode(code) || !hasVisibleText(code) {
		return
	}
	for _, first := range []bool{true, false} {
		var edge *html.Node
		walk(code, func(n *html.Node) bool {
			if n.Type == html.TextNode && n.Data != "" && (first && edge == nil || !first) {
				edge = n
			}
			return true
		})
		if edge == nil {
			continue
		}
		var trimmed string
		if first {
			trimmed = strings.TrimLeftFunc(edge.Data, unicode.IsSpace)
		} else {
			trimmed = strings.TrimRightFunc(edge.Data, unicode.IsSpace)
		}
		if trimmed == edge.Data {
			continue
		}
		edge.Data = trimmed
		space := &html.Node{Type: html.TextNode, Data: " "}
		if first {
			code.Parent.InsertBefore(space, code)
		} else {
			code.Parent.InsertBefore(space, code.NextSibling)
		}
	}
}

// splitInlineCode splits an inline code element around what a code span
// cannot hold: a code span is only text, so a picture or a link inside it
// would be lost, and blocks inside it would run together ("a<p>b</p>" as
// "ab"). The picture, link or block moves out between the two halves of
// the code (and of any wrapper between), and a link's text is code again
// inside the link. Text on either side stays in one span each, so no two
// spans touch: side by side, they would read as one span holding
// backticks.
func splitInlineCode(code *html.Node) {
	if code.Parent == nil || insideCode(code) {
		return
	}
	for code != nil {
		moveCodeEdgeSpaces(code)
		var b *html.Node
		walk(code, func(n *html.Node) bool {
			if b == nil && n != code && n.Type == html.ElementNode &&
				(n.Data == "img" || n.Data == "a" && attr(n, "href") != "" || isBlockElement(n)) {
				b = n
			}
			return b == nil
		})
		if b == nil {
			return
		}
		next := splitAround(b, code)
		moveCodeEdgeSpaces(code) // the half before b has a new end
		if b.Data == "a" && b.FirstChild != nil {
			inner := &html.Node{Type: html.ElementNode, Data: code.Data, DataAtom: code.DataAtom}
			for c := b.FirstChild; c != nil; c = b.FirstChild {
				b.RemoveChild(c)
				inner.AppendChild(c)
			}
			b.AppendChild(inner)
			splitInlineCode(inner)
		}
		code = next
	}
}

// splitAround moves b out of its ancestors up to and including top,
// splitting each in two: what came before b stays, what came after goes
// into a copy placed after b. It returns top's copy, or nil when nothing
// came after b.
func splitAround(b, top *html.Node) *html.Node {
	for {
		p, after := splitParent(b)
		if p.FirstChild == nil {
			p.Parent.RemoveChild(p)
		}
		if p == top {
			if after.FirstChild == nil {
				return nil
			}
			return after
		}
	}
}
