package render

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/JohannesKaufmann/dom"
	"golang.org/x/net/html"

	"github.com/mparchive/mparchive/internal/lazyregexp"
)

// maxHeadingRunes is the longest text taken for a heading; longer bold
// lines are emphasised sentences.
const maxHeadingRunes = 40

// isRealHeading reports an author's own <h1>…<h6>.
func isRealHeading(n *html.Node) bool {
	switch n.Data {
	case "h1", "h2", "h3", "h4", "h5", "h6":
		return true
	}
	return false
}

// headingNumbering classifies how a heading is numbered. Headings of one
// class are siblings, whatever size each happens to be set in.
var headingNumbering = []struct {
	class   string
	pattern *lazyregexp.Regexp
}{
	{"chapter", lazyregexp.New(`^第[一二三四五六七八九十百零〇两0-9]+[章节部分篇讲条课期步天站]`)},
	{"part", lazyregexp.New(`^(?i:part|chapter|step|section)\s*[0-9IVX]+`)},
	{"han", lazyregexp.New(`^[一二三四五六七八九十]+\s*[、.．]`)},
	{"han-paren", lazyregexp.New(`^[（(][一二三四五六七八九十]+[）)]`)},
	{"decimal2", lazyregexp.New(`^[0-9]+[.．][0-9]+(?:[.．\s　]|$)`)},
	{"decimal", lazyregexp.New(`^[0-9]{1,2}\s*[.．、](?:[^0-9]|$)`)},
	{"padded", lazyregexp.New(`^0[0-9](?:[\s　|｜/]|$)`)},
	{"paren", lazyregexp.New(`^[（(][0-9]{1,2}[）)]`)},
	{"circled", lazyregexp.New(`^[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳]`)},
}

func numberingOf(text string) string {
	// Most lines start with none of the characters a numbering starts
	// with (case folding included: ſ is s), and skip the patterns.
	r, _ := utf8.DecodeRuneInString(text)
	if !(r >= '0' && r <= '9' || r >= '①' && r <= '⑳' || strings.ContainsRune("第一二三四五六七八九十（(pPcCsS\u017f", r)) {
		return ""
	}
	for _, h := range headingNumbering {
		if h.pattern.MatchString(text) {
			return h.class
		}
	}
	return ""
}

// sentenceEnd is punctuation that ends a sentence or announces more text;
// a line ending in it is prose, not a title.
const sentenceEnd = "。！？：；，、,.!?:;…"

// headingCandidate is a unit that looks like a heading on its own.
type headingCandidate struct {
	unit      int
	text      string
	key       string // lines sharing a key are formatted alike
	numbering string
	size      float64
	large     bool
}

// promoteHeadings turns unambiguous heading lines into <h2>…<h6> and returns
// the texts of the new headings. A line is a candidate when it is a block
// of its own, short, without sentence punctuation at the end, and either all
// bold or set clearly larger than the body. It becomes a heading when
// something other than a line formatted the same way follows it, and it is
// numbered ("1. 背景", "二、", "第三部分"), set large, or its formatting
// recurs as a heading elsewhere in the article. Runs of lines formatted
// alike are lists or verse written as bold paragraphs, not headings.
// Levels follow the font size (larger is higher), then the order in which
// each kind of heading first appears.
func promoteHeadings(units []layoutUnit, body float64) map[string]bool {
	candidates := map[int]*headingCandidate{}
	for i, u := range units {
		if c := headingCandidateOf(u, body); c != nil {
			c.unit = i
			candidates[i] = c
		}
	}
	var accepted []*headingCandidate
	keyCount := map[string]int{}
	for i := range units {
		c := candidates[i]
		if c == nil || i+1 >= len(units) {
			continue
		}
		if next := candidates[i+1]; next != nil && next.key == c.key {
			continue
		}
		if prev := candidates[i-1]; i > 0 && prev != nil && prev.key == c.key {
			continue
		}
		accepted = append(accepted, c)
		keyCount[c.key]++
	}
	accepted = slices.DeleteFunc(accepted, func(c *headingCandidate) bool {
		return c.numbering == "" && !c.large && keyCount[c.key] < 2
	})

	// Rank the kinds of heading.
	type kind struct {
		key   string
		size  float64
		first int
	}
	var kinds []*kind
	byKey := map[string]*kind{}
	for _, c := range accepted {
		k := byKey[c.key]
		if k == nil {
			k = &kind{key: c.key, size: c.size, first: c.unit}
			byKey[c.key] = k
			kinds = append(kinds, k)
		}
		k.size = max(k.size, c.size)
	}
	slices.SortStableFunc(kinds, func(a, b *kind) int {
		switch {
		case a.size > b.size:
			return -1
		case a.size < b.size:
			return 1
		}
		return a.first - b.first
	})
	level := map[string]int{}
	for i, k := range kinds {
		level[k.key] = min(2+i, 6)
	}

	texts := map[string]bool{}
	for _, c := range accepted {
		n := units[c.unit].node
		makeHeading(n, level[c.key])
		texts[c.text] = true
	}
	return texts
}

func headingCandidateOf(u layoutUnit, body float64) *headingCandidate {
	if !u.leaf || u.media || u.lines != 1 || !u.hasText || isRealHeading(u.node) {
		return nil
	}
	large := u.size >= 18 && u.size >= body+2
	if !u.bold && !large {
		return nil
	}
	// A long bold paragraph's text is built only as far as a heading
	// can be long.
	text, ok := collapsedText(u.node, maxHeadingRunes*utf8.UTFMax)
	if !ok || utf8.RuneCountInString(text) > maxHeadingRunes {
		return nil
	}
	last, _ := utf8.DecodeLastRuneInString(text)
	if strings.ContainsRune(sentenceEnd, last) {
		return nil
	}
	if !strings.ContainsFunc(text, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		return nil
	}
	for p := u.node.Parent; p != nil; p = p.Parent {
		if p.Type != html.ElementNode {
			continue
		}
		switch p.Data {
		case "li", "td", "th", "blockquote", "a", "figure", "dd", "dt":
			return nil
		}
	}
	c := &headingCandidate{text: text, numbering: numberingOf(text), size: u.size, large: large}
	if c.numbering != "" {
		c.key = "n:" + c.numbering
	} else {
		c.key = "s:" + strconv.FormatFloat(u.size, 'f', 1, 64) + ":" + strconv.FormatBool(u.bold)
	}
	return c
}

// makeHeading turns block n into a heading of the given level. Bold inside
// is dropped: a heading is bold already, and the delimiters would only
// clutter it.
func makeHeading(n *html.Node, level int) {
	unwrapBold(n)
	n.Data = "h" + strconv.Itoa(level)
	n.DataAtom = 0
	n.Attr = nil
}

// unwrapBold removes the <strong> and <b> inside n, keeping their content.
func unwrapBold(n *html.Node) {
	var bold []*html.Node
	walk(n, func(c *html.Node) bool {
		if c != n && c.Type == html.ElementNode && (c.Data == "strong" || c.Data == "b") {
			bold = append(bold, c)
		}
		return true
	})
	for _, b := range bold {
		dom.UnwrapNode(b)
	}
}

// allTextBold reports whether every visible character of n is inside a
// <strong> or <b> within n.
func allTextBold(n *html.Node) bool {
	all := true
	var visit func(c *html.Node, bold bool)
	visit = func(c *html.Node, bold bool) {
		if !all {
			return
		}
		if c.Type == html.TextNode {
			all = bold || strings.TrimSpace(c.Data) == ""
			return
		}
		bold = bold || c.Type == html.ElementNode && (c.Data == "strong" || c.Data == "b")
		for child := c.FirstChild; child != nil; child = child.NextSibling {
			visit(child, bold)
		}
	}
	visit(n, false)
	return all
}
