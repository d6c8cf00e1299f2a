package render

import (
	"unicode"
	"unicode/utf8"

	"github.com/JohannesKaufmann/dom"
	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"golang.org/x/net/html"
)

// CommonMark only accepts "**" as an opening delimiter when it is followed
// by a non-punctuation character or preceded by whitespace or punctuation,
// and symmetrically for closing. Chinese puts full-width punctuation right
// against letters with no spaces, so "中文**“引用”**中文" or "**注意：**正文"
// stay literal asterisks (yuin/goldmark#61, commonmark-spec#650).
//
// We cannot rely on a renderer-side fix: goldmark's CJK extension only
// offers an escaped space ("**注意：**\ 正文"), which plain CommonMark
// renderers and Hugo without that option print as a backslash, and the
// "CJK friendly" flanking rules are not in goldmark or CommonMark. So we
// write Markdown that is valid everywhere: when a delimiter would not flank,
// the punctuation next to it moves outside the emphasis
// ("中文“**引用**”中文", "**注意**：正文"). The text is unchanged; only the
// punctuation loses the bold, which readers barely see. An emphasis left with
// nothing but punctuation is unwrapped.

// fixEmphasisFlanking applies the rule above to every emphasis element,
// innermost first so that an outer element sees the moved punctuation.
func fixEmphasisFlanking(_ converter.Context, doc *html.Node) {
	joinTouchingEmphasis(doc)
	var emphasis []*html.Node
	var collect func(*html.Node)
	collect = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			collect(c)
		}
		if n.Type == html.ElementNode && isEmphasis(n.Data) {
			emphasis = append(emphasis, n)
		}
	}
	collect(doc)
	for _, n := range emphasis {
		fixFlanking(n)
	}
}

// shieldEmphasis guards bold and italic against two html-to-markdown
// passes that change the text, with empty text nodes, which render as
// nothing:
//
//   - AddSpace inserts a space before emphasis that starts with inline
//     code, and after one that ends with it ("字<b><code>x</code></b>字"
//     as "字 **`x`** 字"); it looks only at the first and last child, so
//     an empty text node there turns it off. fixEmphasisFlanking then
//     decides as for any other edge, unwrapping the emphasis where a
//     delimiter would not flank: the text stays as written;
//   - MergeAdjacent, merging a run of sibling bold and italic elements,
//     walks on past the end of their parent and takes in the emphasis
//     after it ("<p><b>x</b><i>z</i></p><i>y</i>" as "**xzy**", the next
//     paragraph pulled in); an empty text node after emphasis that ends
//     its parent stops it there.
//
// emphasis are the document's bold and italic elements (isBoldOrItalic).
func shieldEmphasis(emphasis []*html.Node) {
	for _, n := range emphasis {
		n.InsertBefore(&html.Node{Type: html.TextNode}, n.FirstChild)
		n.AppendChild(&html.Node{Type: html.TextNode})
		if n.NextSibling == nil && n.Parent != nil {
			n.Parent.AppendChild(&html.Node{Type: html.TextNode})
		}
	}
}

func isBoldOrItalic(name string) bool {
	k := emphasisKind(name)
	return k == "**" || k == "*"
}

// emphasisKind groups the elements written with the same delimiter.
func emphasisKind(name string) string {
	switch name {
	case "strong", "b":
		return "**"
	case "em", "i":
		return "*"
	case "del", "s", "strike":
		return "~~"
	case "code", "var", "samp", "kbd", "tt":
		return "`" // inline code touching inline code has the same problem
	}
	return ""
}

// joinTouchingEmphasis merges emphasis that nothing separates on screen:
// "<b>甲</b><u><b>乙</b></u>" would be written "**甲****乙**", a delimiter
// run CommonMark cannot split, and renderers print the asterisks, cutting
// the word in two; two code spans touching read as one holding backticks. html-to-markdown merges such elements only when they
// are siblings, and nests a second one inside the first when it merges
// bold with italic ("<b>甲</b><em><b>乙</b></em>"). Emphasis inside
// emphasis of its kind is unwrapped first, then each element takes in the
// emphasis of its kind that follows it through wrappers that render
// nothing of their own.
func joinTouchingEmphasis(doc *html.Node) {
	var all []*html.Node
	walk(doc, func(n *html.Node) bool {
		if n.Type == html.ElementNode && emphasisKind(n.Data) != "" {
			all = append(all, n)
		}
		return true
	})
	for _, n := range all {
		for p := n.Parent; p != nil; p = p.Parent {
			if p.Type == html.ElementNode && emphasisKind(p.Data) == emphasisKind(n.Data) {
				dom.UnwrapNode(n)
				break
			}
		}
	}
	for _, n := range all {
		if n.Parent == nil {
			continue
		}
		for {
			next := touchingEmphasis(n)
			if next == nil {
				break
			}
			for c := next.FirstChild; c != nil; c = next.FirstChild {
				next.RemoveChild(c)
				n.AppendChild(c)
			}
			next.Parent.RemoveChild(next)
		}
	}
}

// touchingEmphasis returns the emphasis of n's kind rendered right after
// n, looking out of and into transparent wrappers, or nil.
func touchingEmphasis(n *html.Node) *html.Node {
	cur := n
	for cur.NextSibling == nil {
		if cur = cur.Parent; cur == nil || cur.Type != html.ElementNode || !isTransparent(cur) {
			return nil
		}
	}
	next := cur.NextSibling
	for {
		switch {
		case next == nil:
			return nil
		case next.Type == html.TextNode && next.Data == "", next.Type == html.CommentNode:
			next = next.NextSibling
			continue
		case next.Type != html.ElementNode:
			return nil
		case emphasisKind(next.Data) == emphasisKind(n.Data):
			return next
		case isTransparent(next):
			next = next.FirstChild
			continue
		}
		return nil
	}
}

// isTransparent reports inline elements html-to-markdown writes as their
// content alone: styling wrappers and unknown elements (a custom tag an
// editor left, such as <section-x>).
func isTransparent(n *html.Node) bool {
	if emphasisKind(n.Data) != "" {
		return false
	}
	return isWrapper(n.Data) || n.DataAtom == 0 && !isBlockElement(n) && !isEmbedCandidate(n)
}

func isEmphasis(name string) bool {
	switch name {
	case "strong", "b", "em", "i", "del", "s", "strike":
		return true
	}
	return false
}

type runeKind int

const (
	kindNone  runeKind = iota // nothing rendered: keep looking
	kindSpace                 // whitespace or a line boundary
	kindPunct
	kindOther
)

func classify(r rune) runeKind {
	switch {
	case unicode.IsSpace(r):
		return kindSpace
	// CommonMark 0.31 counts Unicode symbols as punctuation, as does
	// goldmark; older renderers only P*. Treating both as punctuation is the
	// safe side: at worst a symbol moves out of the emphasis needlessly.
	case unicode.IsPunct(r) || unicode.IsSymbol(r):
		return kindPunct
	}
	return kindOther
}

func fixFlanking(n *html.Node) {
	if n.Parent == nil {
		return
	}
	if edgeKind(n, true) == kindPunct && outsideKind(n, true) == kindOther {
		if !moveEdgePunctuation(n, true) {
			dom.UnwrapNode(n)
			return
		}
	}
	if edgeKind(n, false) == kindPunct && outsideKind(n, false) == kindOther {
		if !moveEdgePunctuation(n, false) {
			dom.UnwrapNode(n)
			return
		}
	}
	if isBlank(n) {
		dom.UnwrapNode(n)
	}
}

// edgeKind classifies the first (or last) character rendered inside n.
func edgeKind(n *html.Node, first bool) runeKind {
	for c := child(n, first); c != nil; c = sibling(c, first) {
		if k := renderedKind(c, first); k != kindNone {
			return k
		}
	}
	return kindNone
}

// outsideKind classifies the character rendered just before (or after) n.
func outsideKind(n *html.Node, before bool) runeKind {
	cur := n
	for {
		for s := sibling(cur, !before); s != nil; s = sibling(s, !before) {
			if k := renderedKind(s, !before); k != kindNone {
				return k
			}
		}
		parent := cur.Parent
		if parent == nil || parent.Type != html.ElementNode || isBlockElement(parent) {
			return kindSpace
		}
		if !isWrapper(parent.Data) && !isTransparent(parent) {
			// The parent's own syntax, such as a link's "[", sits next to us.
			return kindPunct
		}
		// An emphasis parent's delimiter joins ours into one run, so what
		// counts is the character beyond it, as for plain wrappers.
		cur = parent
	}
}

// renderedKind classifies the first (or last) character n renders to.
func renderedKind(n *html.Node, first bool) runeKind {
	switch n.Type {
	case html.TextNode:
		if n.Data == "" {
			return kindNone
		}
		var r rune
		if first {
			r, _ = utf8.DecodeRuneInString(n.Data)
		} else {
			r, _ = utf8.DecodeLastRuneInString(n.Data)
		}
		return classify(r)
	case html.ElementNode:
	default:
		return kindNone
	}
	switch {
	case n.Data == "br" || isBlockElement(n):
		return kindSpace
	case isWrapper(n.Data) || isTransparent(n):
		// Wrappers render nothing; nested emphasis delimiters merge with
		// ours into one run, so in both cases the text inside counts.
		for c := child(n, first); c != nil; c = sibling(c, first) {
			if k := renderedKind(c, first); k != kindNone {
				return k
			}
		}
		return kindNone
	}
	// Images, links and code render as ![…](…), […](…) and `…`.
	return kindPunct
}

// moveEdgePunctuation moves the punctuation at the start (or end) of n's
// text out of n. It reports false when the edge is not text (an image or
// code span), which cannot be moved without changing the content.
func moveEdgePunctuation(n *html.Node, first bool) bool {
	text := edgeText(n, first)
	if text == nil {
		return false
	}
	s := text.Data
	cut := 0
	if first {
		for cut < len(s) {
			r, size := utf8.DecodeRuneInString(s[cut:])
			if classify(r) != kindPunct {
				break
			}
			cut += size
		}
		moved := &html.Node{Type: html.TextNode, Data: s[:cut]}
		text.Data = s[cut:]
		n.Parent.InsertBefore(moved, n)
	} else {
		cut = len(s)
		for cut > 0 {
			r, size := utf8.DecodeLastRuneInString(s[:cut])
			if classify(r) != kindPunct {
				break
			}
			cut -= size
		}
		moved := &html.Node{Type: html.TextNode, Data: s[cut:]}
		text.Data = s[:cut]
		n.Parent.InsertBefore(moved, n.NextSibling)
	}
	return true
}

// edgeText returns the text node that renders n's first (or last)
// character, looking through wrappers, or nil if that is not text.
func edgeText(n *html.Node, first bool) *html.Node {
	for c := child(n, first); c != nil; c = sibling(c, first) {
		switch {
		case c.Type == html.TextNode && c.Data == "":
			continue
		case c.Type == html.TextNode:
			return c
		case c.Type == html.ElementNode && (isWrapper(c.Data) || isTransparent(c)):
			if renderedKind(c, first) == kindNone {
				continue
			}
			return edgeText(c, first)
		case c.Type == html.ElementNode:
			return nil
		}
	}
	return nil
}

func child(n *html.Node, first bool) *html.Node {
	if first {
		return n.FirstChild
	}
	return n.LastChild
}

func sibling(n *html.Node, next bool) *html.Node {
	if next {
		return n.NextSibling
	}
	return n.PrevSibling
}
