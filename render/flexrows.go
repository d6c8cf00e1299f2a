package render

import (
	"strings"

	"golang.org/x/net/html"
)

// joinFlexRows reads a flex row of short blocks as the one line a reader
// sees: editors put a number badge and a title, or a bullet and its text,
// side by side in sections ("01" | "晨雾里的宏村"), which would otherwise
// come out as separate paragraphs. Only rows whose every cell holds at most
// one line of text and no image are joined; picture rows stay as they are.
// rows are the elements styled as flex rows, in document order; those in
// lists, tables, quotes and the like stay as they are.
func joinFlexRows(rows []*html.Node) {
	for _, row := range rows {
		if !insideAtomicBlock(row) {
			joinFlexRow(row)
		}
	}
}

func insideAtomicBlock(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && isAtomicBlock(p) {
			return true
		}
	}
	return false
}

func isFlexRow(style string) bool {
	st := parseInlineStyle(style)
	if display := st.display.value; display != "flex" && display != "inline-flex" {
		return false
	}
	return !strings.HasPrefix(st.flexDirection.value, "column")
}

func joinFlexRow(row *html.Node) {
	var cells []*html.Node
	for c := row.FirstChild; c != nil; c = c.NextSibling {
		switch {
		case c.Type == html.TextNode && strings.TrimSpace(c.Data) == "", c.Type == html.CommentNode:
		case c.Type == html.ElementNode && isContainer(c.Data):
			if !hasVisibleText(c) {
				continue // a decoration
			}
			if !isSingleLine(c) {
				return
			}
			cells = append(cells, c)
		default:
			return
		}
	}
	if len(cells) < 2 {
		return
	}
	for i, cell := range cells {
		var blocks []*html.Node
		walk(cell, func(n *html.Node) bool {
			if n.Type == html.ElementNode && isContainer(n.Data) {
				blocks = append(blocks, n)
			}
			return true
		})
		for _, b := range blocks {
			b.Data, b.DataAtom, b.Attr = "span", 0, nil
		}
		if i > 0 {
			row.InsertBefore(&html.Node{Type: html.TextNode, Data: " "}, cell)
		}
	}
	// The row itself is now one paragraph.
	p := &html.Node{Type: html.ElementNode, Data: "p"}
	row.InsertBefore(p, row.FirstChild)
	for c := p.NextSibling; c != nil; c = p.NextSibling {
		row.RemoveChild(c)
		p.AppendChild(c)
	}
}

// isSingleLine reports a block whose text sits in one leaf block, with no
// image, line break or structural block inside.
func isSingleLine(n *html.Node) bool {
	textBlocks := 0
	ok := true
	walk(n, func(c *html.Node) bool {
		if !ok || c.Type != html.ElementNode {
			return ok
		}
		switch {
		case c.Data == "img" || c.Data == "br" || isAtomicBlock(c) || isRealHeading(c):
			ok = false
		case isContainer(c.Data) && !hasBlockChild(c) && hasVisibleText(c):
			textBlocks++
			ok = textBlocks <= 1
		}
		return ok
	})
	return ok
}
