package render

import (
	"slices"

	"golang.org/x/net/html"
)

// liftBlocksOutOfInline moves blocks out of the elements Markdown cannot
// nest them in: headings, lists, tables, code, quotes, embeds and rules
// out of inline elements (<strong><p>1. 背景</p></strong> made a heading,
// an author's <strong><h2>, a typed list inside <strong>), the same but
// headings out of links, and all but headings out of a heading, which is
// one line. Left inside, html-to-markdown would write neither the block
// nor the line break before it, running its text into the text before.
// The outer element is split in two around the block: a heading is bold
// anyway, a heading's second half is a heading too, and a link's halves
// keep its target (a link around nothing but the block gets a link of
// its own under it). A heading in a link stays there: the link then goes
// inside the heading, and its target is kept. blocks are the blocks to
// lift (mustLiftOut), in document order.
func liftBlocksOutOfInline(blocks []*html.Node) {
	for _, b := range blocks {
		for mustLift(b, b.Parent) {
			p, after := splitParent(b)
			if p.Data == "a" && childrenBlank(p) && childrenBlank(after) && attr(p, "href") != "" {
				// The link held nothing but the block: its target stays,
				// as a link of its own under the block.
				label := &html.Node{Type: html.ElementNode, Data: "a", Attr: slices.Clone(p.Attr)}
				label.AppendChild(&html.Node{Type: html.TextNode, Data: attr(p, "href")})
				p.Parent.InsertBefore(label, b.NextSibling)
			}
			if p.FirstChild == nil {
				p.Parent.RemoveChild(p)
			}
		}
	}
}

// mustLiftOut reports an element liftBlocksOutOfInline moves.
func mustLiftOut(n *html.Node) bool {
	return (isRealHeading(n) || isAtomicBlock(n)) && mustLift(n, n.Parent)
}

// mustLift reports whether block b may not stay inside its parent p.
func mustLift(b, p *html.Node) bool {
	if p == nil || p.Type != html.ElementNode || p.Parent == nil {
		return false
	}
	switch {
	case isRealHeading(p):
		return isAtomicBlock(b) || isRealHeading(b)
	case p.Data == "a":
		return isAtomicBlock(b)
	case isInline(p):
		return true
	case isContainer(p.Data):
		// A section inside <strong>: the block must leave the section
		// too, to get out of the bold.
		for a := p.Parent; a != nil && a.Type == html.ElementNode; a = a.Parent {
			if isInline(a) {
				return true
			}
			if a.Data == "a" {
				return isAtomicBlock(b)
			}
			if !isContainer(a.Data) {
				return false
			}
		}
	}
	return false
}

// isInline reports the elements laid out in a line: the wrappers and any
// element not known as a block, custom ones included.
func isInline(n *html.Node) bool {
	switch n.Data {
	case "html", "body", "a":
		return false
	}
	return !isBlockElement(n)
}
