package render

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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
