package render

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// walk visits n and its descendants in document order; visit returns false
// to skip a node's children. The child list is read before visiting so that
// visit may detach the node.
func walk(n *html.Node, visit func(*html.Node) bool) {
	if !visit(n) {
		return
	}
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		walk(c, visit)
		c = next
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return strings.TrimSpace(a.Val)
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func setAttr(n *html.Node, key, val string) {
	for i := range n.Attr {
		if n.Attr[i].Key == key {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append(n.Attr, html.Attribute{Key: key, Val: val})
}

func hasClassPrefix(n *html.Node, prefix string) bool {
	for _, class := range strings.Fields(attr(n, "class")) {
		if strings.HasPrefix(class, prefix) {
			return true
		}
	}
	return false
}

// isBlockElement reports elements that start a new line when rendered. We
// keep our own list because section, the main container of WeChat editors,
// and the custom embed elements must count as blocks everywhere.
func isBlockElement(n *html.Node) bool {
	if n.Type != html.ElementNode {
		return false
	}
	switch n.Data {
	case "section", "p", "div", "blockquote", "ul", "ol", "li", "pre", "table",
		"thead", "tbody", "tfoot", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5",
		"h6", "hr", "figure", "figcaption", "center", "article", "header",
		"footer", "aside", "nav", "main", "dl", "dt", "dd", "address", "caption":
		return true
	}
	return isEmbed(n)
}

// isWrapper reports inline elements that only style their content; they may
// be looked through and, when they hold nothing, dropped.
func isWrapper(name string) bool {
	switch name {
	case "span", "strong", "b", "em", "i", "u", "font", "sup", "sub", "small",
		"big", "s", "del", "strike", "ins", "mark", "label", "abbr", "addr", "tt":
		return true
	}
	return false
}

// isBlank reports whether n renders to nothing visible: whitespace, <br>,
// and wrappers or containers of those. Images, embeds, code, rules and
// tables are content even when they carry no text.
func isBlank(n *html.Node) bool {
	switch n.Type {
	case html.TextNode:
		return strings.TrimSpace(n.Data) == ""
	case html.CommentNode:
		return true
	case html.ElementNode:
	default:
		return false
	}
	if n.Data == "br" {
		return true
	}
	if !isWrapper(n.Data) && !isContainer(n.Data) {
		return false
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if !isBlank(c) {
			return false
		}
	}
	return true
}

// isContainer lists the block elements editors use as spacers.
func isContainer(name string) bool {
	switch name {
	case "section", "p", "div", "center", "article", "header", "footer", "figure":
		return true
	}
	return false
}

// hasVisibleText reports whether n holds a character that is not white
// space, as strings.TrimSpace(textContent(n)) != "" would, without building
// the text: it stops at the first such character.
func hasVisibleText(n *html.Node) bool {
	if n.Type == html.TextNode {
		return strings.ContainsFunc(n.Data, isNotSpace)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if hasVisibleText(c) {
			return true
		}
	}
	return false
}

func isNotSpace(r rune) bool { return !unicode.IsSpace(r) }

// hasText reports whether n holds any text, white space included.
func hasText(n *html.Node) bool {
	if n.Type == html.TextNode {
		return n.Data != ""
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if hasText(c) {
			return true
		}
	}
	return false
}

// collapsedText is n's text with white space collapsed, as
// strings.Join(strings.Fields(textContent(n)), " ") would give it, built in
// one pass. With a limit of 0 or more, it gives up (ok false) as soon as
// the text is longer than limit bytes.
func collapsedText(n *html.Node, limit int) (text string, ok bool) {
	var b strings.Builder
	space := false
	var visit func(*html.Node) bool
	visit = func(c *html.Node) bool {
		if c.Type == html.TextNode {
			s := c.Data
			for i := 0; i < len(s); {
				r, size := utf8.DecodeRuneInString(s[i:])
				if unicode.IsSpace(r) {
					space = b.Len() > 0
				} else {
					if space {
						b.WriteByte(' ')
						space = false
					}
					b.WriteString(s[i : i+size])
					if limit >= 0 && b.Len() > limit {
						return false
					}
				}
				i += size
			}
			return true
		}
		for ch := c.FirstChild; ch != nil; ch = ch.NextSibling {
			if !visit(ch) {
				return false
			}
		}
		return true
	}
	if !visit(n) {
		return "", false
	}
	return b.String(), true
}

func textContent(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) bool {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
		return true
	})
	return b.String()
}

// splitParent moves b out of its parent p, to just after it: what came
// before b stays in p, what came after goes into a copy of p placed after b
// (after, left out of the tree when empty). p may be left empty; the
// caller decides whether it goes.
func splitParent(b *html.Node) (p, after *html.Node) {
	p = b.Parent
	after = &html.Node{Type: html.ElementNode, Data: p.Data, DataAtom: p.DataAtom, Attr: slices.Clone(p.Attr)}
	for c := b.NextSibling; c != nil; c = b.NextSibling {
		p.RemoveChild(c)
		after.AppendChild(c)
	}
	p.RemoveChild(b)
	p.Parent.InsertBefore(b, p.NextSibling)
	if after.FirstChild != nil {
		p.Parent.InsertBefore(after, b.NextSibling)
	}
	return p, after
}

func childrenBlank(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if !isBlank(c) {
			return false
		}
	}
	return true
}

func hasBlockChild(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if isBlockElement(c) || c.Type == html.ElementNode && c.Data == embedTag {
			return true
		}
		if c.Type == html.ElementNode && isWrapper(c.Data) && hasBlockChild(c) {
			return true
		}
	}
	return false
}
