package render

import (
	"slices"
	"strconv"
	"strings"

	"github.com/JohannesKaufmann/dom"
	"golang.org/x/net/html"
)

// gatherStrayListContent puts an item outside any list into one, and what
// sits directly in a <ul> or <ol> into items of its own, one per run of
// such content. html-to-markdown would
// move it into the item before (where a browser shows it on a line of its
// own, after that item) and leave the whitespace between it where it is,
// to be dropped: either way, words a reader saw apart run together.
// lists and strayItems are the document's, outside code blocks; the items
// made for runs of content are returned.
func gatherStrayListContent(lists, strayItems []*html.Node) (made []*html.Node) {
	// An item outside any list is shown as one, with its bullet: it gets a
	// list, shared with the stray items right after it.
	for _, li := range strayItems {
		if li.Parent.Type == html.ElementNode && li.Parent.Data == "ul" {
			continue // gathered with the one before
		}
		list := &html.Node{Type: html.ElementNode, Data: "ul"}
		li.Parent.InsertBefore(list, li)
		for c := li; c != nil; {
			next := c.NextSibling
			if c != li && !(c.Type == html.ElementNode && c.Data == "li") && !isBlank(c) {
				break
			}
			c.Parent.RemoveChild(c)
			list.AppendChild(c)
			c = next
		}
	}
	for _, list := range lists {
		var run *html.Node // the item gathering the current run
		for c := list.FirstChild; c != nil; {
			next := c.NextSibling
			switch {
			case c.Type == html.ElementNode && c.Data == "li":
				run = nil
			case c.Type == html.CommentNode:
			case c.Type == html.TextNode && strings.TrimSpace(c.Data) == "" && run == nil:
			default:
				if run == nil {
					run = &html.Node{Type: html.ElementNode, Data: "li"}
					list.InsertBefore(run, c)
					made = append(made, run)
				}
				list.RemoveChild(c)
				run.AppendChild(c)
			}
			c = next
		}
		if list.Data == "ol" {
			splitAtEmptyItems(list)
		}
	}
	return made
}

// splitAtEmptyItems keeps the numbers of an ordered list that has empty
// items between others ("1. a", "2.", "3. c"): html-to-markdown drops
// empty items, and Markdown numbers the rest on, so "c" would become 2.
// The list is split after each run of empty items, the next part starting
// at its own number; html-to-markdown separates the parts with a comment.
// Empty items at the end go: their numbers stood next to nothing.
func splitAtEmptyItems(list *html.Node) {
	number := 1
	if start, err := strconv.Atoi(attr(list, "start")); err == nil {
		number = start
	}
	skipped, seen := false, false
	for c := list.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || c.Data != "li" {
			continue
		}
		if childrenBlank(c) {
			skipped = true
			number++
			continue
		}
		if skipped && !seen {
			// Only empty items before: the list starts later.
			list.Attr = slices.DeleteFunc(list.Attr, func(a html.Attribute) bool { return a.Key == "start" })
			list.Attr = append(list.Attr, html.Attribute{Key: "start", Val: strconv.Itoa(number)})
			skipped = false
		}
		seen = true
		if skipped {
			rest := &html.Node{Type: html.ElementNode, Data: "ol", Attr: []html.Attribute{{Key: "start", Val: strconv.Itoa(number)}}}
			for m := c; m != nil; m = c {
				c = m.NextSibling
				list.RemoveChild(m)
				rest.AppendChild(m)
			}
			list.Parent.InsertBefore(rest, list.NextSibling)
			splitAtEmptyItems(rest)
			return
		}
		number++
	}
}

// tightenListItems unwraps the paragraph of a list item that holds one
// paragraph and then only sublists (<li><p>项</p><ul>…</ul></li>, as xiumi
// and mdnice write every item). Kept, the paragraph would make the whole
// list loose in Markdown, a blank line between every item. items are the
// document's, outside code blocks.
func tightenListItems(items []*html.Node) {
	var paragraphs []*html.Node
	for _, n := range items {
		if p := soleParagraph(n); p != nil {
			paragraphs = append(paragraphs, p)
		}
	}
	for _, p := range paragraphs {
		dom.UnwrapNode(p)
	}
}

// soleParagraph returns the paragraph tightenListItems unwraps in item n.
func soleParagraph(n *html.Node) *html.Node {
	var p *html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch {
		case c.Type == html.TextNode && strings.TrimSpace(c.Data) == "", c.Type == html.CommentNode:
		case c.Type == html.ElementNode && c.Data == "p" && p == nil && c == firstContent(n):
			p = c
		case c.Type == html.ElementNode && (c.Data == "ul" || c.Data == "ol"):
		default:
			return nil
		}
	}
	return p
}

func firstContent(n *html.Node) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if !(c.Type == html.TextNode && strings.TrimSpace(c.Data) == "" || c.Type == html.CommentNode) {
			return c
		}
	}
	return nil
}
