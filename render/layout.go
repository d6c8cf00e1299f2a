package render

import (
	"strings"

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
	text, _ := collapsedText(u.node, -1)
	return text
}

// analyseLayout promotes headings, turns tables of contents into lists and
// uses captions as alt text. It runs after the clean-up has settled text
// and images.
func analyseLayout(doc *html.Node, flexRows []*html.Node) {
	joinFlexRows(flexRows)
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
		longest := 0
		for text := range headingTexts {
			longest = max(longest, len(text))
		}
		// Blocks come outermost first, so a block is skipped once one
		// around it has given the answer for it.
		answered := map[*html.Node]bool{}
		for _, b := range blocks {
			if !answered[b] {
				for _, n := range splitTableOfContents(b, headingTexts, longest) {
					answered[n] = true
				}
			}
		}
	}
	captionImages(units, body)
	makeTypedLists(units)
}

// atomicBlocks are read as one unit: their insides are never headings.
func isAtomicBlock(n *html.Node) bool {
	switch n.Data {
	case "ul", "ol", "table", "pre", "blockquote", "hr", "dl", "figcaption", "caption":
		return true
	}
	return isEmbed(n)
}

// sizeWeight counts the characters set in each font size. Sizes come in
// half pixels and an article uses a handful: a list searched from the
// start costs less than a map's hashing, for every text of the article.
type sizeWeight []sizeCount

type sizeCount struct {
	size  float64
	count int
}

func (w *sizeWeight) add(size float64, count int) {
	for i := range *w {
		if (*w)[i].size == size {
			(*w)[i].count += count
			return
		}
	}
	*w = append(*w, sizeCount{size, count})
}

// collectUnits lists the units of doc in reading order, and how many
// characters of text are set in each font size.
func collectUnits(doc *html.Node) ([]layoutUnit, sizeWeight) {
	var units []layoutUnit
	var sizes sizeWeight

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
			if count := countNonSpace(n.Data); count > 0 {
				s.text = true
				s.notBold = !bold
				s.minSize = size
				sizes.add(size, count)
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
			// attr(n, "style") and attr(n, "align") in one look.
			var style, align string
			var haveStyle, haveAlign bool
			for _, a := range n.Attr {
				switch {
				case a.Key == "style" && !haveStyle:
					style, haveStyle = strings.TrimSpace(a.Val), true
				case a.Key == "align" && !haveAlign:
					align, haveAlign = strings.TrimSpace(a.Val), true
				}
			}
			if style != "" {
				st := parseInlineStyle(style)
				if px, ok := st.fontSizePx(size); ok {
					size = px
				}
				if w := st.fontWeight; w.set {
					bold = w.value == "bold" || w.value == "bolder" || len(w.value) == 3 && w.value >= "600" && w.value <= "900"
				}
				if a := st.textAlign; a.set {
					centred = a.value == "center"
				}
			}
			if align == "center" || n.Data == "center" {
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
	for _, w := range sizes {
		if w.count > most || w.count == most && w.size < body {
			body, most = w.size, w.count
		}
	}
	return body
}
