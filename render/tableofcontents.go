package render

import (
	"strings"

	"golang.org/x/net/html"
)

// splitTableOfContents turns a block made of several items (inline
// elements or lines), each the text of a heading of the article, into a
// list. Such a block is a
// table of contents whose items lost the styles (display:block) that put
// them on lines of their own, as in mdnice's [TOC] after a cleaner, and
// would otherwise run together ("前言1. 字符串转为表达式2. 表达式求解").
// longest is the length of the longest text in headings.
//
// When n is left as it was, the elements inlineItems looked through to
// find its items are returned: their own items are the same, so the
// answer for each of them is the same too, and the caller need not ask
// (a chain of nested sections would otherwise be looked down once from
// every level).
func splitTableOfContents(n *html.Node, headings map[string]bool, longest int) (same []*html.Node) {
	items, through := inlineItems(n)
	if len(items) < 2 {
		return through
	}
	for _, item := range items {
		// An item longer than every heading is none of them: its text
		// is not built to the end.
		if text, ok := collapsedText(item, longest); !ok || !headings[text] {
			return through
		}
	}
	list := &html.Node{Type: html.ElementNode, Data: "ul"}
	for _, item := range items {
		li := &html.Node{Type: html.ElementNode, Data: "li"}
		item.Parent.RemoveChild(item)
		li.AppendChild(item)
		list.AppendChild(li)
	}
	for n.FirstChild != nil {
		n.RemoveChild(n.FirstChild)
	}
	if n.Data == "p" {
		// A list cannot sit inside a paragraph.
		n.Parent.InsertBefore(list, n)
		n.Parent.RemoveChild(n)
		return nil
	}
	n.AppendChild(list)
	return nil
}

// inlineItems returns the element children that make up n's content,
// looking through a single wrapper around all of them. It returns nil when
// n holds anything else: text of its own, a picture or embed outside the
// items (splitTableOfContents replaces n's content with the items, so
// anything else would be lost), or items that are headings themselves. A
// run of real headings, each followed by its picture as in a news digest
// (<h1>● …</h1><p><img></p>…), is the article's own sections, not a table
// of contents: the headings stay headings and every picture stays a
// paragraph of its own under the heading it follows.
//
// through are the single wrappers looked through, outermost first.
func inlineItems(n *html.Node) (items, through []*html.Node) {
	for {
		items = nil
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode && strings.TrimSpace(c.Data) == "":
			case c.Type == html.CommentNode:
			case c.Type == html.ElementNode && isRealHeading(c):
				return nil, through
			case c.Type == html.ElementNode && c.Data != "br" && c.Data != "img" && !isAtomicBlock(c):
				if hasVisibleText(c) {
					items = append(items, c)
				} else if !isBlank(c) {
					return nil, through
				}
			default:
				return nil, through
			}
		}
		if len(items) != 1 {
			return items, through
		}
		n = items[0]
		through = append(through, n)
	}
}
