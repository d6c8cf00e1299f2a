package render

import (
	"strings"

	"github.com/JohannesKaufmann/dom"
	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"golang.org/x/net/html"
)

// cleanUpDocument rewrites editor markup into plain HTML the commonmark rules
// understand. The order matters: hidden nodes go before their images are
// collected, and images are resolved before blank blocks are detected, so an
// image-only section is not mistaken for a spacer.
func cleanUpDocument(ctx converter.Context, doc *html.Node) {
	opts := optionsFrom(ctx)

	var hidden, unlinked, pictures, lineIndexes, codeBlocks, inlineCode []*html.Node
	var texts, displayBlocks, styleMarkers, embeds []*html.Node
	walk(doc, func(n *html.Node) bool {
		switch n.Type {
		case html.TextNode:
			if needsNormalizing(n.Data) {
				texts = append(texts, n)
			}
			return false
		case html.ElementNode:
		default:
			return true
		}
		style := attr(n, "style")
		if hiddenBy(n, style) {
			hidden = append(hidden, n)
			return false
		}
		if n.Data == "img" || strings.Contains(style, "url(") {
			pictures = append(pictures, n)
		}
		switch n.Data {
		case "mp-style-type":
			// An editor marker, removed as a tag type; text inside one
			// (markup that forgot to close it) is the article's.
			if !childrenBlank(n) {
				styleMarkers = append(styleMarkers, n)
			}
		case "pre":
			codeBlocks = append(codeBlocks, n)
		case "a":
			// Script links lose their link and keep their text. So do
			// anchors without a target (hashtags, decorations): left in
			// place, they would keep the bold on either side from
			// merging ("**甲****乙**", which renderers print literally).
			href := attr(n, "href")
			if isScriptURL(href) || href == "" && attr(n, "data-miniprogram-appid") == "" {
				unlinked = append(unlinked, n)
			}
		case "ul", "ol":
			if isCodeLineIndex(n) {
				lineIndexes = append(lineIndexes, n)
				return false
			}
		}
		if isInlineCode(n.Data) {
			inlineCode = append(inlineCode, n)
		}
		if isEmbedCandidate(n) {
			embeds = append(embeds, n)
		}
		if isWrapper(n.Data) && strings.Contains(style, "display") && displaysAsBlock(style) {
			displayBlocks = append(displayBlocks, n)
		}
		return true
	})

	for _, n := range hidden {
		dom.RemoveNode(n)
	}
	for _, n := range lineIndexes {
		dom.RemoveNode(n)
	}
	// In document order; an element's background before its own source,
	// which resolveImage replaces its attributes with, and before embeds
	// replace their elements.
	for _, n := range pictures {
		if strings.Contains(attr(n, "style"), "url(") {
			addBackgroundImages(n, opts)
		}
		if n.Data == "img" {
			resolveImage(n, opts)
		}
	}
	replaceEmbeds(embeds)
	// After the pictures: an unwrapped element's background is one.
	for _, n := range unlinked {
		dom.UnwrapNode(n)
	}
	for _, n := range styleMarkers {
		dom.UnwrapNode(n)
	}
	for _, n := range texts {
		if n.Parent != nil {
			n.Data = normalizeText(n.Data)
		}
	}

	for _, n := range displayBlocks {
		if !insideCode(n) {
			// Styled as a block, it reads as a line of its own.
			n.Data, n.DataAtom = "div", 0
		}
	}
	for _, n := range inlineCode {
		splitInlineCode(n)
	}
	for _, n := range codeBlocks {
		keepCodeMedia(n)
		normalizeCodeBlock(n)
	}

	tidyBlocks(doc)
	found := trimLineStartIndent(doc)
	items := gatherStrayListContent(found.lists, found.strayItems)
	tightenListItems(append(found.items, items...))
	analyseLayout(doc, found.flexRows)
	// Last: the layout pass makes headings and lists.
	last := findLastNodes(doc)
	if len(last.lift) > 0 {
		liftBlocksOutOfInline(last.lift)
		last = findLastNodes(doc) // the tree changed
	}
	keepEmptyBlockBoundaries(last.empty)
	shieldEmphasis(last.emphasis)
}

// lastNodes are what the last three steps of the clean-up work on, found
// in one walk: the blocks to lift out of inline elements, the blocks that
// render nothing (keepEmptyBlockBoundaries) and the bold and italic
// elements (shieldEmphasis). The last two are as lifting leaves them only
// when nothing is lifted, as in most articles; otherwise the walk runs
// again.
type lastNodes struct {
	lift, empty, emphasis []*html.Node
}

func findLastNodes(doc *html.Node) lastNodes {
	var found lastNodes
	// boundaries and emphasis are false inside the blocks that are to be
	// emptied, whose content goes; boundaries also inside a code block.
	var visit func(n *html.Node, boundaries, emphasis bool)
	visit = func(n *html.Node, boundaries, emphasis bool) {
		if n.Type == html.ElementNode {
			if mustLiftOut(n) {
				found.lift = append(found.lift, n)
			}
			if emphasis && isBoldOrItalic(n.Data) {
				found.emphasis = append(found.emphasis, n)
			}
			if boundaries {
				empty := false
				switch {
				case isRealHeading(n), n.Data == "ul", n.Data == "ol", n.Data == "blockquote":
					empty = rendersNothing(n)
				case n.Data == "pre":
					empty = !hasText(n)
					boundaries = false
				case n.Data == "table":
					empty = len(tableRows(n)) == 0
				}
				if empty {
					found.empty = append(found.empty, n)
					boundaries, emphasis = false, false
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c, boundaries, emphasis)
		}
	}
	visit(doc, true, true)
	return found
}

// keepEmptyBlockBoundaries turns headings, lists, tables, code blocks and
// quotes that hold nothing into empty paragraphs. html-to-markdown writes
// them as nothing at all, not even the line break a browser puts there,
// so the text on either side would run together ("0<h1></h1>1" as "01");
// an empty paragraph is written as that line break. empty are those
// blocks, in document order, none inside another.
func keepEmptyBlockBoundaries(empty []*html.Node) {
	for _, n := range empty {
		for n.FirstChild != nil {
			n.RemoveChild(n.FirstChild)
		}
		n.Data, n.DataAtom, n.Attr = "p", 0, nil
	}
}

// rendersNothing reports an element with no visible text, picture or embed.
func rendersNothing(n *html.Node) bool {
	nothing := true
	walk(n, func(c *html.Node) bool {
		switch {
		case !nothing:
		case c.Type == html.TextNode:
			nothing = strings.TrimSpace(c.Data) == ""
		case c.Type == html.ElementNode && c != n:
			nothing = c.Data != "img" && c.Data != "hr" && !isEmbed(c) && c.Data != "table" && c.Data != "pre"
		}
		return nothing
	})
	return nothing
}

func insideCode(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && (p.Data == "pre" || p.Data == "code") {
			return true
		}
	}
	return false
}

// tidyBlocks empties spacer blocks such as <p><br></p> and 135editor's
// runs of <section><br/></section>, and drops <br> at the start and end of
// the other blocks. A spacer stays as a boundary, so the text on either
// side does not run together, but renders as nothing. Editors leave breaks
// at block edges behind (“根据国家统一部署<br/>”), which Markdown would
// turn into stray hard line breaks. One walk finds both: what is inside a
// spacer goes with it.
func tidyBlocks(doc *html.Node) {
	var blank, blocks []*html.Node
	walk(doc, func(n *html.Node) bool {
		switch {
		case n.Type != html.ElementNode:
			return true
		case n.Data == "pre":
			return false
		case isContainer(n.Data) && n.FirstChild != nil && isBlank(n):
			blank = append(blank, n)
			return false
		case isEmbed(n):
			return false
		case isBlockElement(n):
			blocks = append(blocks, n)
		}
		return true
	})
	for _, n := range blank {
		for n.FirstChild != nil {
			n.RemoveChild(n.FirstChild)
		}
	}
	for _, b := range blocks {
		for {
			br := edgeBreak(b, true)
			if br == nil {
				break
			}
			br.Parent.RemoveChild(br)
		}
		for {
			br := edgeBreak(b, false)
			if br == nil {
				break
			}
			br.Parent.RemoveChild(br)
		}
	}
}

// edgeBreak finds a <br> that is the first (or last) visible thing in block
// n, looking through wrappers and whitespace.
func edgeBreak(n *html.Node, first bool) *html.Node {
	child := n.LastChild
	if first {
		child = n.FirstChild
	}
	for child != nil {
		switch {
		case child.Type == html.TextNode && strings.TrimSpace(child.Data) == "",
			child.Type == html.CommentNode:
		case child.Type != html.ElementNode:
			return nil
		case child.Data == "br":
			return child
		case isWrapper(child.Data) && child.FirstChild == nil:
			// An empty wrapper shows nothing: look past it.
		case isWrapper(child.Data):
			return edgeBreak(child, first)
		default:
			return nil
		}
		if first {
			child = child.NextSibling
		} else {
			child = child.PrevSibling
		}
	}
	return nil
}

// trimLineStartIndent removes the whitespace that starts a paragraph or a
// line, above all the two full-width spaces (“　　”) Chinese news layouts
// use as first-line indent. Markdown has no first-line indent: kept, they
// would show as ragged leading blanks, and a theme can restore the indent
// with CSS text-indent.
//
// The same walk finds what the list clean-up and the flex rows work on
// (listsFound), which nothing between here and there changes but lists.
func trimLineStartIndent(doc *html.Node) listsFound {
	var found listsFound
	atLineStart := true
	// indent is false inside code, images and text areas, which the
	// walk enters only to find lists and rows.
	var visit func(n *html.Node, indent bool)
	children := func(n *html.Node, indent bool) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c, indent)
		}
	}
	visit = func(n *html.Node, indent bool) {
		switch n.Type {
		case html.TextNode:
			if indent {
				if atLineStart {
					n.Data = trimIndent(n.Data)
				}
				if n.Data != "" {
					atLineStart = false
				}
			}
			return
		case html.ElementNode:
			found.add(n)
			switch {
			case n.Data == "br":
				if indent {
					atLineStart = true
				}
				return
			case n.Data == "pre":
				if indent {
					atLineStart = false
				}
				return
			case n.Data == "code" || n.Data == "img" || n.Data == "textarea":
				if indent {
					atLineStart = false
				}
				children(n, false)
				return
			case isBlockElement(n):
				if indent {
					atLineStart = true
				}
				children(n, indent)
				if indent {
					atLineStart = true
				}
				return
			}
		}
		children(n, indent)
	}
	visit(doc, true)
	return found
}

// listsFound are the lists, the list items (stray ones, outside any list,
// apart as well) and the flex rows of a document, outside code blocks.
type listsFound struct {
	lists, items, strayItems, flexRows []*html.Node
}

func (f *listsFound) add(n *html.Node) {
	switch n.Data {
	case "ul", "ol":
		f.lists = append(f.lists, n)
	case "li":
		f.items = append(f.items, n)
		if p := n.Parent; p.Type != html.ElementNode || p.Data != "ul" && p.Data != "ol" {
			f.strayItems = append(f.strayItems, n)
		}
	}
	if style := attr(n, "style"); strings.Contains(style, "flex") && !isAtomicBlock(n) && isFlexRow(style) {
		f.flexRows = append(f.flexRows, n)
	}
}

// trimIndent is strings.TrimLeft(s, " \t\r\n\u3000") without the cut set's
// rune-by-rune reading, which most texts pay for nothing.
func trimIndent(s string) string {
	for {
		switch {
		case s == "":
			return s
		case s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n':
			s = s[1:]
		case strings.HasPrefix(s, "\u3000"):
			s = s[len("\u3000"):]
		default:
			return s
		}
	}
}
