package render

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/JohannesKaufmann/dom"
	"golang.org/x/net/html"
)

// WeChat's editor has no heading button. Authors make headings out of a
// short paragraph that is all bold or set in a larger font, and captions out
// of a small grey line under a picture. The layout pass reads the article as
// a sequence of units (leaf blocks with their text, and atomic blocks such
// as lists, tables and code) and promotes such lines only where the pattern
// is unambiguous, so that inline bold in running text never turns into a
// heading.

// defaultFontSize is WeChat's body font size (rich_media_content); text with
// no font-size of its own is assumed to be set in it.
const defaultFontSize = 17

// maxHeadingRunes is the longest text taken for a heading; longer bold
// lines are emphasised sentences.
const maxHeadingRunes = 40

// layoutUnit is one block of the article as a reader sees it.
type layoutUnit struct {
	node    *html.Node
	leaf    bool // a block of inline content, not a list, table, code…
	hasText bool
	media   bool    // holds an image or embed
	lines   int     // lines of text: <br> inside the block adds lines
	bold    bool    // every character is bold
	size    float64 // smallest font size of its text, in px
	centred bool
}

// text is the unit's visible text with whitespace collapsed. It is
// computed on demand: most units are never candidates for anything.
func (u layoutUnit) text() string {
	if !u.hasText {
		return ""
	}
	return strings.Join(strings.Fields(textContent(u.node)), " ")
}

// analyseLayout promotes headings, turns tables of contents into lists and
// uses captions as alt text. It runs after the clean-up has settled text
// and images.
func analyseLayout(doc *html.Node) {
	joinFlexRows(doc)
	units, sizes := collectUnits(doc)
	if len(units) == 0 {
		return
	}
	body := bodyFontSize(sizes)
	headingTexts := promoteHeadings(units, body)
	for _, u := range units {
		if u.leaf && isRealHeading(u.node) {
			headingTexts[u.text()] = true
			if allTextBold(u.node) {
				// Editors wrap an author's whole <h1> in <strong>; a
				// heading is bold already ("# **● 标题**" is clutter).
				unwrapBold(u.node)
			}
		}
	}
	if len(headingTexts) >= 2 {
		var blocks []*html.Node
		walk(doc, func(n *html.Node) bool {
			if n.Type != html.ElementNode {
				return n.Type == html.DocumentNode
			}
			if isAtomicBlock(n) || isRealHeading(n) {
				return false
			}
			if isContainer(n.Data) {
				blocks = append(blocks, n)
			}
			return true
		})
		for _, b := range blocks {
			splitTableOfContents(b, headingTexts)
		}
	}
	captionImages(units, body)
	makeTypedLists(units)
}

// isRealHeading reports an author's own <h1>…<h6>.
func isRealHeading(n *html.Node) bool {
	switch n.Data {
	case "h1", "h2", "h3", "h4", "h5", "h6":
		return true
	}
	return false
}

// atomicBlocks are read as one unit: their insides are never headings.
func isAtomicBlock(n *html.Node) bool {
	switch n.Data {
	case "ul", "ol", "table", "pre", "blockquote", "hr", "dl", "figcaption", "caption":
		return true
	}
	return isEmbed(n)
}

type sizeWeight map[float64]int

// collectUnits lists the units of doc in reading order, and how many
// characters of text are set in each font size.
func collectUnits(doc *html.Node) ([]layoutUnit, sizeWeight) {
	var units []layoutUnit
	sizes := sizeWeight{}

	// summary describes an inline subtree bottom-up.
	type summary struct {
		block   bool // contains a block element
		text    bool // contains visible text
		media   bool
		notBold bool // some visible text is not bold
		minSize float64
		breaks  int
	}
	var visit func(n *html.Node, size float64, bold, centred bool) summary
	visit = func(n *html.Node, size float64, bold, centred bool) summary {
		var s summary
		switch n.Type {
		case html.TextNode:
			count := 0
			for _, r := range n.Data {
				if !unicode.IsSpace(r) {
					count++
				}
			}
			if count > 0 {
				s.text = true
				s.notBold = !bold
				s.minSize = size
				sizes[size] += count
			}
			return s
		case html.ElementNode, html.DocumentNode:
		default:
			return s
		}
		if n.Type == html.ElementNode {
			switch n.Data {
			case "img":
				s.media = true
				return s
			case "br":
				s.breaks = 1
				return s
			}
			if style := attr(n, "style"); style != "" {
				if px, ok := cssFontSize(style, size); ok {
					size = px
				}
				if w, ok := cssValue(style, "font-weight"); ok {
					bold = w == "bold" || w == "bolder" || len(w) == 3 && w >= "600" && w <= "900"
				}
				if a, ok := cssValue(style, "text-align"); ok {
					centred = a == "center"
				}
			}
			if attr(n, "align") == "center" || n.Data == "center" {
				centred = true
			}
			switch n.Data {
			case "strong", "b", "h1", "h2", "h3", "h4", "h5", "h6", "th":
				bold = true
			}
			if isAtomicBlock(n) {
				units = append(units, layoutUnit{node: n, media: true})
				s.block = true
				return s
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			cs := visit(c, size, bold, centred)
			s.block = s.block || cs.block
			s.media = s.media || cs.media
			s.notBold = s.notBold || cs.notBold
			s.breaks += cs.breaks
			if cs.text {
				if !s.text || cs.minSize < s.minSize {
					s.minSize = cs.minSize
				}
				s.text = true
			}
		}
		if n.Type != html.ElementNode || !isBlockElement(n) {
			return s
		}
		if !s.block && (s.text || s.media) {
			u := layoutUnit{
				node: n, leaf: true, hasText: s.text, media: s.media,
				lines: 1 + s.breaks, bold: s.text && !s.notBold,
				size: s.minSize, centred: centred,
			}
			units = append(units, u)
		}
		s.block = true
		return s
	}
	visit(doc, defaultFontSize, false, false)
	return units, sizes
}

// bodyFontSize is the size most of the article's characters are set in.
func bodyFontSize(sizes sizeWeight) float64 {
	body, most := float64(defaultFontSize), 0
	for size, n := range sizes {
		if n > most || n == most && size < body {
			body, most = size, n
		}
	}
	return body
}

// cssValue returns the lower-cased value of the last declaration of name in
// an inline style.
func cssValue(style, name string) (string, bool) {
	if !strings.Contains(strings.ToLower(style), name) {
		return "", false
	}
	value, found := "", false
	for _, decl := range strings.Split(style, ";") {
		k, v, ok := strings.Cut(decl, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), name) {
			v = strings.ToLower(strings.TrimSpace(v))
			v = strings.TrimSpace(strings.TrimSuffix(v, "!important"))
			value, found = v, true
		}
	}
	return value, found
}

// cssFontSize reads font-size in px, pt, em, rem or %; parent is the
// inherited size em and % refer to.
func cssFontSize(style string, parent float64) (float64, bool) {
	v, ok := cssValue(style, "font-size")
	if !ok {
		return 0, false
	}
	unit := strings.TrimLeft(v, "0123456789.")
	number, err := strconv.ParseFloat(v[:len(v)-len(unit)], 64)
	if err != nil || number <= 0 {
		return 0, false
	}
	var px float64
	switch strings.TrimSpace(unit) {
	case "px", "":
		px = number
	case "pt":
		px = number * 4 / 3
	case "em":
		px = number * parent
	case "rem":
		px = number * 16
	case "%":
		px = number * parent / 100
	default:
		return 0, false
	}
	if px > 200 {
		return 0, false
	}
	return float64(int(px*2+0.5)) / 2, true // half pixels are as fine as editors go
}

// headingNumbering classifies how a heading is numbered. Headings of one
// class are siblings, whatever size each happens to be set in.
var headingNumbering = []struct {
	class   string
	pattern *regexp.Regexp
}{
	{"chapter", regexp.MustCompile(`^第[一二三四五六七八九十百零〇两0-9]+[章节部分篇讲条课期步天站]`)},
	{"part", regexp.MustCompile(`^(?i:part|chapter|step|section)\s*[0-9IVX]+`)},
	{"han", regexp.MustCompile(`^[一二三四五六七八九十]+\s*[、.．]`)},
	{"han-paren", regexp.MustCompile(`^[（(][一二三四五六七八九十]+[）)]`)},
	{"decimal2", regexp.MustCompile(`^[0-9]+[.．][0-9]+(?:[.．\s　]|$)`)},
	{"decimal", regexp.MustCompile(`^[0-9]{1,2}\s*[.．、](?:[^0-9]|$)`)},
	{"padded", regexp.MustCompile(`^0[0-9](?:[\s　|｜/]|$)`)},
	{"paren", regexp.MustCompile(`^[（(][0-9]{1,2}[）)]`)},
	{"circled", regexp.MustCompile(`^[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳]`)},
}

func numberingOf(text string) string {
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
	text := u.text()
	if utf8.RuneCountInString(text) > maxHeadingRunes {
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
// inside the heading, and its target is kept.
func liftBlocksOutOfInline(doc *html.Node) {
	var blocks []*html.Node
	walk(doc, func(n *html.Node) bool {
		if n.Type == html.ElementNode && (isRealHeading(n) || isAtomicBlock(n)) && mustLift(n, n.Parent) {
			blocks = append(blocks, n)
		}
		return true
	})
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

// insideHeading reports an inline element within a heading.
func insideHeading(n *html.Node) bool {
	for p := n.Parent; p != nil && p.Type == html.ElementNode; p = p.Parent {
		if isRealHeading(p) {
			return true
		}
		if !isInline(p) && p.Data != "a" {
			return false
		}
	}
	return false
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

// splitTableOfContents turns a block made of several items (inline
// elements or lines), each the text of a heading of the article, into a
// list. Such a block is a
// table of contents whose items lost the styles (display:block) that put
// them on lines of their own, as in mdnice's [TOC] after a cleaner, and
// would otherwise run together ("前言1. 字符串转为表达式2. 表达式求解").
func splitTableOfContents(n *html.Node, headings map[string]bool) {
	items := inlineItems(n)
	if len(items) < 2 {
		return
	}
	for _, item := range items {
		if !headings[strings.Join(strings.Fields(textContent(item)), " ")] {
			return
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
		return
	}
	n.AppendChild(list)
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
func inlineItems(n *html.Node) []*html.Node {
	for {
		var items []*html.Node
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode && strings.TrimSpace(c.Data) == "":
			case c.Type == html.CommentNode:
			case c.Type == html.ElementNode && isRealHeading(c):
				return nil
			case c.Type == html.ElementNode && c.Data != "br" && c.Data != "img" && !isAtomicBlock(c):
				if strings.TrimSpace(textContent(c)) != "" {
					items = append(items, c)
				} else if !isBlank(c) {
					return nil
				}
			default:
				return nil
			}
		}
		if len(items) != 1 {
			return items
		}
		n = items[0]
	}
}

// captionPrefix starts the lines news accounts put under pictures.
var captionPrefix = regexp.MustCompile(`^(?:图|圖|上图|下图|图片|图为|图注|图源|▲|△|↑|☝|摄影|供图|来源|Photo|Source|Image|Fig)`)

// captionImages gives an image without alt text the caption written under
// it: a short line right after an image-only block that is set small,
// centred or starts like a caption ("图：", "▲"). The caption stays in the
// text too, so nothing a reader saw is lost.
func captionImages(units []layoutUnit, body float64) {
	for i := 1; i < len(units); i++ {
		u, prev := units[i], units[i-1]
		if !u.leaf || u.media || !u.hasText || !prev.leaf || prev.hasText || !prev.media {
			continue
		}
		text := u.text()
		if utf8.RuneCountInString(text) > 80 {
			continue
		}
		small := u.size < body-1 && u.size <= 14
		if !small && !u.centred && !captionPrefix.MatchString(text) {
			continue
		}
		var images []*html.Node
		walk(prev.node, func(c *html.Node) bool {
			if c.Type == html.ElementNode && c.Data == "img" {
				images = append(images, c)
			}
			return true
		})
		if len(images) == 1 && attr(images[0], "alt") == "" && !isDivider(images[0]) {
			setAttr(images[0], "alt", text)
		}
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

// isDivider reports a picture much wider than high (data-ratio is height
// over width): editors' ornamental rules, never the photo a caption is for.
func isDivider(img *html.Node) bool {
	ratio, err := strconv.ParseFloat(attr(img, "data-ratio"), 64)
	return err == nil && ratio > 0 && ratio < 0.15
}

// joinFlexRows reads a flex row of short blocks as the one line a reader
// sees: editors put a number badge and a title, or a bullet and its text,
// side by side in sections ("01" | "晨雾里的宏村"), which would otherwise
// come out as separate paragraphs. Only rows whose every cell holds at most
// one line of text and no image are joined; picture rows stay as they are.
func joinFlexRows(doc *html.Node) {
	var rows []*html.Node
	walk(doc, func(n *html.Node) bool {
		if n.Type != html.ElementNode {
			return n.Type == html.DocumentNode
		}
		if isAtomicBlock(n) {
			return false
		}
		if style := attr(n, "style"); strings.Contains(style, "flex") && isFlexRow(style) {
			rows = append(rows, n)
		}
		return true
	})
	for _, row := range rows {
		joinFlexRow(row)
	}
}

func isFlexRow(style string) bool {
	display, _ := cssValue(style, "display")
	if display != "flex" && display != "inline-flex" {
		return false
	}
	direction, _ := cssValue(style, "flex-direction")
	return !strings.HasPrefix(direction, "column")
}

func joinFlexRow(row *html.Node) {
	var cells []*html.Node
	for c := row.FirstChild; c != nil; c = c.NextSibling {
		switch {
		case c.Type == html.TextNode && strings.TrimSpace(c.Data) == "", c.Type == html.CommentNode:
		case c.Type == html.ElementNode && isContainer(c.Data):
			if strings.TrimSpace(textContent(c)) == "" {
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
		case isContainer(c.Data) && !hasBlockChild(c) && strings.TrimSpace(textContent(c)) != "":
			textBlocks++
			ok = textBlocks <= 1
		}
		return ok
	})
	return ok
}
