package render

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/JohannesKaufmann/dom"
	"golang.org/x/net/html"
)

// WeChat's editor makes lists awkward to style, so authors type them: one
// paragraph per item, each starting with a bullet symbol ("◈", "•", "▪")
// or a number ("1.", "2、", "（3）", "④"). Read one by one they are
// paragraphs; read as a run they are a list, and Markdown should say so.
// A run needs at least two items written alike, one right after the
// other, so that a single line starting with a symbol or a sentence
// starting with a number ("2024年…") stays a paragraph.

// itemMarker is how a hand-written list item starts.
type itemMarker struct {
	style  string // items of one list share it: "•", "1.", "1、", "(1)"…
	number int    // the item's number in an ordered style, 0 for bullets
	runes  int    // the marker's non-space characters, removed from the item
}

func (m itemMarker) ordered() bool { return m.number > 0 }

// follows reports whether m continues a list whose last item is prev.
func (m itemMarker) follows(prev itemMarker) bool {
	return m.style == prev.style && (!m.ordered() || m.number == prev.number+1)
}

// bulletSymbols start an item with or without a space after them: none
// of them starts a sentence. ▲ and △ are left out: they start captions.
const bulletSymbols = "·•◈▪▫◆◇■□●○◉▸►▶➤➢✓✔☑★☆❖✦✧・"

// bulletDashes start an item only when a space follows. A doubled dash
// ("——") starts attribution or dialogue, never an item.
const bulletDashes = "-*–—"

// markerPrefixRunes is how much of an item's text parseItemMarker needs.
const markerPrefixRunes = 6

// parseItemMarker reads the marker at the start of text, which begins
// with the paragraph's first visible character and has its whitespace
// collapsed. The marker must be followed by content of the item.
func parseItemMarker(text string) (itemMarker, bool) {
	r, size := utf8.DecodeRuneInString(text)
	rest := text[size:]
	switch {
	case r == utf8.RuneError:
		return itemMarker{}, false
	case strings.ContainsRune(bulletSymbols, r):
		return itemMarker{style: string(r), runes: 1}, strings.TrimSpace(rest) != ""
	case strings.ContainsRune(bulletDashes, r):
		ok := strings.HasPrefix(rest, " ") && strings.TrimSpace(rest) != ""
		if r == '–' {
			r = '—' // one dash style, however the font draws it
		}
		return itemMarker{style: string(r), runes: 1}, ok
	case r >= '①' && r <= '⑳':
		return itemMarker{style: "①", number: int(r-'①') + 1, runes: 1}, strings.TrimSpace(rest) != ""
	case r == '(' || r == '（':
		digits := leadingDigits(rest)
		after := rest[len(digits):]
		closing, closeSize := utf8.DecodeRuneInString(after)
		if digits == "" || closing != ')' && closing != '）' || strings.TrimSpace(after[closeSize:]) == "" {
			return itemMarker{}, false
		}
		n, _ := strconv.Atoi(digits)
		return itemMarker{style: "(1)", number: n, runes: len(digits) + 2}, n > 0
	case r >= '0' && r <= '9':
		digits := leadingDigits(text)
		after := text[len(digits):]
		punct, punctSize := utf8.DecodeRuneInString(after)
		content := after[punctSize:]
		var style string
		switch punct {
		case '.', '．':
			// "1.5倍" and "3.14" are numbers, not markers.
			if next, _ := utf8.DecodeRuneInString(content); next >= '0' && next <= '9' {
				return itemMarker{}, false
			}
			style = "1."
		case '、':
			style = "1、"
		case ')', '）':
			style = "1)"
		default:
			return itemMarker{}, false
		}
		n, _ := strconv.Atoi(digits)
		if n == 0 || strings.TrimSpace(content) == "" {
			return itemMarker{}, false
		}
		return itemMarker{style: style, number: n, runes: len(digits) + 1}, true
	}
	return itemMarker{}, false
}

// leadingDigits returns the one or two ASCII digits s starts with; longer
// numbers are years and amounts, not item numbers.
func leadingDigits(s string) string {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n > 2 {
		return ""
	}
	return s[:n]
}

// leadingText returns up to limit characters of n's visible text from its
// first non-space character on, whitespace collapsed to single spaces. It
// stops reading as soon as it has enough.
func leadingText(n *html.Node, limit int) string {
	var b strings.Builder
	count := 0
	space := false
	var visit func(*html.Node) bool
	visit = func(n *html.Node) bool {
		if n.Type == html.TextNode {
			for _, r := range n.Data {
				if unicode.IsSpace(r) {
					space = count > 0
					continue
				}
				if space {
					b.WriteByte(' ')
					count++
					space = false
				}
				b.WriteRune(r)
				count++
				if count >= limit {
					return false
				}
			}
			return true
		}
		if n.Type == html.ElementNode && n.Data == "br" {
			space = count > 0
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if !visit(c) {
				return false
			}
		}
		return true
	}
	visit(n)
	return b.String()
}

// listItemCandidate is a unit that may be an item of a typed list.
type listItemCandidate struct {
	unit      int
	paragraph *html.Node
	slot      *html.Node // the block the list replaces: the paragraph or its only wrappers
	marker    itemMarker
}

// makeTypedLists turns runs of paragraphs typed as list items into lists.
// It runs after promoteHeadings: a numbered line that became a heading is
// not an item, and breaks the run it stands in.
func makeTypedLists(units []layoutUnit) {
	var run []listItemCandidate
	flush := func() {
		if len(run) >= 2 {
			replaceWithList(run)
		}
		run = run[:0]
	}
	for i, u := range units {
		c, ok := listItemOf(u)
		if !ok {
			flush()
			continue
		}
		c.unit = i
		if len(run) > 0 {
			last := run[len(run)-1]
			if last.unit != i-1 || !c.marker.follows(last.marker) || nextContent(last.slot) != c.slot {
				flush()
			}
		}
		run = append(run, c)
	}
	flush()
}

func listItemOf(u layoutUnit) (listItemCandidate, bool) {
	n := u.node
	if !u.leaf || !u.hasText || n.Parent == nil || !isContainer(n.Data) || n.Data == "figure" {
		return listItemCandidate{}, false
	}
	marker, ok := parseItemMarker(leadingText(n, markerPrefixRunes))
	if !ok || hasBlockChild(n) {
		return listItemCandidate{}, false
	}
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type != html.ElementNode {
			continue
		}
		switch p.Data {
		case "li", "td", "th", "blockquote", "pre", "code", "a", "figure", "dd", "dt":
			return listItemCandidate{}, false
		}
	}
	return listItemCandidate{paragraph: n, slot: listSlot(n), marker: marker}, true
}

// listSlot climbs from paragraph n through containers that hold nothing
// else (135editor wraps each line in its own sections), so that items in
// sibling wrappers are seen as siblings.
func listSlot(n *html.Node) *html.Node {
	for {
		p := n.Parent
		if p == nil || p.Type != html.ElementNode || !isContainer(p.Data) || !onlyContent(p, n) {
			return n
		}
		n = p
	}
}

// onlyContent reports whether child is the only non-blank child of n.
func onlyContent(n, child *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c != child && !isBlank(c) {
			return false
		}
	}
	return true
}

// nextContent is the next sibling of n that is not blank: spacer
// paragraphs and whitespace between items do not break a list.
func nextContent(n *html.Node) *html.Node {
	for c := n.NextSibling; c != nil; c = c.NextSibling {
		if !isBlank(c) {
			return c
		}
	}
	return nil
}

// replaceWithList puts a <ul> or <ol> where the run's first item stood.
// Each item keeps its inline content (bold, links, images) without its
// marker; the list numbers or bullets it instead.
func replaceWithList(run []listItemCandidate) {
	first := run[0]
	list := &html.Node{Type: html.ElementNode, Data: "ul"}
	if first.marker.ordered() {
		list.Data = "ol"
		if first.marker.number != 1 {
			list.Attr = []html.Attribute{{Key: "start", Val: strconv.Itoa(first.marker.number)}}
		}
	}
	first.slot.Parent.InsertBefore(list, first.slot)
	for _, c := range run {
		li := &html.Node{Type: html.ElementNode, Data: "li"}
		paragraph := c.paragraph
		for child := paragraph.FirstChild; child != nil; child = paragraph.FirstChild {
			paragraph.RemoveChild(child)
			li.AppendChild(child)
		}
		removeMarker(li, c.marker.runes)
		c.slot.Parent.RemoveChild(c.slot)
		list.AppendChild(li)
	}
}

// removeMarker deletes the first count non-space characters of li's text
// and the space after them, and drops the wrappers (<strong>◈</strong>)
// left empty.
func removeMarker(li *html.Node, count int) {
	var emptied []*html.Node
	trimSpace := true
	walk(li, func(n *html.Node) bool {
		if n.Type != html.TextNode || !trimSpace {
			return trimSpace
		}
		s := strings.TrimLeftFunc(n.Data, unicode.IsSpace)
		for count > 0 && s != "" {
			_, size := utf8.DecodeRuneInString(s)
			s = strings.TrimLeftFunc(s[size:], unicode.IsSpace)
			count--
		}
		if count == 0 {
			s = strings.TrimLeftFunc(s, unicode.IsSpace)
			trimSpace = s == ""
		}
		n.Data = s
		if s == "" {
			emptied = append(emptied, n)
		}
		return trimSpace
	})
	for _, n := range emptied {
		for n.Parent != nil && n.Parent != li && isWrapper(n.Parent.Data) && onlyContent(n.Parent, n) {
			n = n.Parent
		}
		if n.Parent != nil {
			n.Parent.RemoveChild(n)
		}
	}
}

// gatherStrayListContent puts an item outside any list into one, and what
// sits directly in a <ul> or <ol> into items of its own, one per run of
// such content. html-to-markdown would
// move it into the item before (where a browser shows it on a line of its
// own, after that item) and leave the whitespace between it where it is,
// to be dropped: either way, words a reader saw apart run together.
func gatherStrayListContent(doc *html.Node) {
	var lists, strayItems []*html.Node
	walk(doc, func(n *html.Node) bool {
		if n.Type == html.ElementNode && (n.Data == "ul" || n.Data == "ol") {
			lists = append(lists, n)
		}
		if n.Type == html.ElementNode && n.Data == "li" && (n.Parent.Type != html.ElementNode || n.Parent.Data != "ul" && n.Parent.Data != "ol") {
			strayItems = append(strayItems, n)
		}
		return n.Type != html.ElementNode || n.Data != "pre"
	})
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
// list loose in Markdown, a blank line between every item.
func tightenListItems(doc *html.Node) {
	var paragraphs []*html.Node
	walk(doc, func(n *html.Node) bool {
		if n.Type != html.ElementNode || n.Data != "li" {
			return n.Type != html.ElementNode || n.Data != "pre"
		}
		var p *html.Node
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode && strings.TrimSpace(c.Data) == "", c.Type == html.CommentNode:
			case c.Type == html.ElementNode && c.Data == "p" && p == nil && c == firstContent(n):
				p = c
			case c.Type == html.ElementNode && (c.Data == "ul" || c.Data == "ol"):
			default:
				return true
			}
		}
		if p != nil {
			paragraphs = append(paragraphs, p)
		}
		return true
	})
	for _, p := range paragraphs {
		dom.UnwrapNode(p)
	}
}

func firstContent(n *html.Node) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if !(c.Type == html.TextNode && strings.TrimSpace(c.Data) == "" || c.Type == html.CommentNode) {
			return c
		}
	}
	return nil
}
