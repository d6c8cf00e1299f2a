package render

import (
	"regexp"
	"strings"

	"github.com/JohannesKaufmann/dom"
	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/marker"
	"golang.org/x/net/html"
)

// wechatPlugin teaches html-to-markdown the markup of WeChat's editor and of
// the third-party editors (135editor, xiumi, 96编辑器, mdnice) whose output
// ends up in article bodies. Everything specific to WeChat lives here; the
// generic conversion stays with the upstream plugins.
type wechatPlugin struct{}

func (*wechatPlugin) Name() string { return "wechat" }

func (*wechatPlugin) Init(conv *converter.Converter) error {
	conv.Register.TagType("mp-style-type", converter.TagTypeRemove, converter.PriorityEarly)

	// The clean-up pass replaces every embed (the base plugin would remove
	// iframes) with one element of our own, rendered as a block.
	conv.Register.TagType(embedTag, converter.TagTypeBlock, converter.PriorityEarly)

	// The clean-up must see the DOM before the base plugin removes nodes and
	// collapses whitespace, so it runs before PriorityEarly.
	conv.Register.PreRenderer(cleanUpDocument, converter.PriorityEarly-10)
	// Emphasis is fixed after whitespace has been collapsed, because only
	// then are the characters around each delimiter final.
	conv.Register.PreRenderer(fixEmphasisFlanking, converter.PriorityLate+10)
	// Between the base plugin's trimming (which still knows the two-space
	// form) and the restoring of code newlines.
	conv.Register.PostRenderer(backslashLineBreaks, converter.PriorityStandard+10)
	conv.Register.TextTransformer(escapeEntityLookalikes, converter.PriorityEarly)

	// One renderer dispatching on the tag, not one per tag: html-to-markdown
	// copies and sorts its handler list for every node it renders, so each
	// extra handler costs on every node of every article.
	for _, tag := range []string{"a", "img"} {
		conv.Register.TagType(tag, converter.TagTypeInline, converter.PriorityEarly)
	}
	for _, tag := range []string{embedTag, "table", "pre", "blockquote"} {
		conv.Register.TagType(tag, converter.TagTypeBlock, converter.PriorityEarly)
	}
	conv.Register.Renderer(renderWeChatElement, converter.PriorityEarly)
	return nil
}

func renderWeChatElement(ctx converter.Context, w converter.Writer, n *html.Node) converter.RenderStatus {
	if n.Type != html.ElementNode {
		return converter.RenderTryNext
	}
	switch n.Data {
	case embedTag:
		return renderEmbed(ctx, w, n)
	case "table":
		return renderTable(ctx, w, n)
	case "a":
		return renderLink(ctx, w, n)
	case "img":
		return renderImage(ctx, w, n)
	case "pre":
		return renderCodeBlock(ctx, w, n)
	case "blockquote":
		return renderBlockquote(ctx, w, n)
	}
	return converter.RenderTryNext
}

// cleanUpDocument rewrites editor markup into plain HTML the commonmark rules
// understand. The order matters: hidden nodes go before their images are
// collected, and images are resolved before blank blocks are detected, so an
// image-only section is not mistaken for a spacer.
func cleanUpDocument(ctx converter.Context, doc *html.Node) {
	opts := optionsFrom(ctx)

	var hidden, unlinked, pictures, lineIndexes, codeBlocks, inlineCode []*html.Node
	var texts, displayBlocks, styleMarkers []*html.Node
	walk(doc, func(n *html.Node) bool {
		switch n.Type {
		case html.TextNode:
			texts = append(texts, n)
			return false
		case html.ElementNode:
		default:
			return true
		}
		if isHidden(n) {
			hidden = append(hidden, n)
			return false
		}
		style := attr(n, "style")
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
	replaceEmbeds(doc)
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

	emptyBlankBlocks(doc)
	trimBlockBreaks(doc)
	trimLineStartIndent(doc)
	gatherStrayListContent(doc)
	tightenListItems(doc)
	analyseLayout(doc)
	// Last: the layout pass makes headings and lists.
	liftBlocksOutOfInline(doc)
	keepEmptyBlockBoundaries(doc)
	shieldEmphasis(doc)
}

// keepEmptyBlockBoundaries turns headings, lists, tables, code blocks and
// quotes that hold nothing into empty paragraphs. html-to-markdown writes
// them as nothing at all, not even the line break a browser puts there,
// so the text on either side would run together ("0<h1></h1>1" as "01");
// an empty paragraph is written as that line break.
func keepEmptyBlockBoundaries(doc *html.Node) {
	var empty []*html.Node
	walk(doc, func(n *html.Node) bool {
		if n.Type != html.ElementNode {
			return true
		}
		switch {
		case isRealHeading(n), n.Data == "ul", n.Data == "ol", n.Data == "blockquote":
			if rendersNothing(n) {
				empty = append(empty, n)
				return false
			}
		case n.Data == "pre":
			if textContent(n) == "" {
				empty = append(empty, n)
			}
			return false
		case n.Data == "table":
			if len(tableRows(n)) == 0 {
				empty = append(empty, n)
				return false
			}
		}
		return true
	})
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

// entityLookalike is a character reference as CommonMark reads one in
// text or a link destination ("&copy;", "&#169;", "&#xA9;").
var entityLookalike = regexp.MustCompile(`&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});`)

// escapeEntityLookalikes keeps text that reads like a character reference
// ("&amp;copy;" in the HTML, "&copy;" on screen) literal: written as is, a
// Markdown renderer would show "©".
func escapeEntityLookalikes(_ converter.Context, content string) string {
	if !strings.Contains(content, "&") {
		return content
	}
	return entityLookalike.ReplaceAllStringFunc(content, func(ref string) string {
		return "&amp;" + ref[1:]
	})
}

// displaysAsBlock reports an inline style that lays the element out as a
// block (editors put each entry of a table of contents or each line of a
// card in a span with display:block).
func displaysAsBlock(style string) bool {
	v, ok := cssValue(style, "display")
	if !ok {
		return false
	}
	switch v {
	case "block", "flex", "grid", "list-item", "table":
		return true
	}
	return false
}

func insideCode(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && (p.Data == "pre" || p.Data == "code") {
			return true
		}
	}
	return false
}

// walk visits n and its descendants in document order; visit returns false
// to skip a node's children. The child list is read before visiting so that
// visit may detach the node.
func walk(n *html.Node, visit func(*html.Node) bool) {
	if !visit(n) {
		return
	}
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		walk(c, visit)
		c = next
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return strings.TrimSpace(a.Val)
		}
	}
	return ""
}

func setAttr(n *html.Node, key, val string) {
	for i := range n.Attr {
		if n.Attr[i].Key == key {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append(n.Attr, html.Attribute{Key: key, Val: val})
}

func hasClassPrefix(n *html.Node, prefix string) bool {
	for _, class := range strings.Fields(attr(n, "class")) {
		if strings.HasPrefix(class, prefix) {
			return true
		}
	}
	return false
}

// isHidden reports nodes the reader never sees. Editors park alternative
// layouts and tracking markup in display:none blocks.
func isHidden(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Key == "hidden" {
			return true
		}
	}
	style := attr(n, "style")
	if style == "" {
		return false
	}
	compact := strings.ToLower(strings.Join(strings.Fields(style), ""))
	return strings.Contains(compact, "display:none")
}

// isScriptURL reports javascript: (and vbscript:) links, which would be dead
// or dangerous in Markdown. Browsers ignore whitespace and control characters
// inside the scheme, so we do too.
func isScriptURL(href string) bool {
	var scheme strings.Builder
	for _, r := range href {
		if r <= ' ' {
			continue
		}
		if r == ':' {
			break
		}
		scheme.WriteRune(r)
		if scheme.Len() > 10 {
			return false
		}
	}
	s := strings.ToLower(scheme.String())
	return s == "javascript" || s == "vbscript"
}

// isBlockElement reports elements that start a new line when rendered. We
// keep our own list because section, the main container of WeChat editors,
// and the custom embed elements must count as blocks everywhere.
func isBlockElement(n *html.Node) bool {
	if n.Type != html.ElementNode {
		return false
	}
	switch n.Data {
	case "section", "p", "div", "blockquote", "ul", "ol", "li", "pre", "table",
		"thead", "tbody", "tfoot", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5",
		"h6", "hr", "figure", "figcaption", "center", "article", "header",
		"footer", "aside", "nav", "main", "dl", "dt", "dd", "address", "caption":
		return true
	}
	return isEmbed(n)
}

// isWrapper reports inline elements that only style their content; they may
// be looked through and, when they hold nothing, dropped.
func isWrapper(name string) bool {
	switch name {
	case "span", "strong", "b", "em", "i", "u", "font", "sup", "sub", "small",
		"big", "s", "del", "strike", "ins", "mark", "label", "abbr", "addr", "tt":
		return true
	}
	return false
}

// isBlank reports whether n renders to nothing visible: whitespace, <br>,
// and wrappers or containers of those. Images, embeds, code, rules and
// tables are content even when they carry no text.
func isBlank(n *html.Node) bool {
	switch n.Type {
	case html.TextNode:
		return strings.TrimSpace(n.Data) == ""
	case html.CommentNode:
		return true
	case html.ElementNode:
	default:
		return false
	}
	if n.Data == "br" {
		return true
	}
	if !isWrapper(n.Data) && !isContainer(n.Data) {
		return false
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if !isBlank(c) {
			return false
		}
	}
	return true
}

// isContainer lists the block elements editors use as spacers.
func isContainer(name string) bool {
	switch name {
	case "section", "p", "div", "center", "article", "header", "footer", "figure":
		return true
	}
	return false
}

// emptyBlankBlocks removes the children of spacer blocks such as
// <p><br></p> and 135editor's runs of <section><br/></section>. The block
// itself stays as a boundary, so the text on either side does not run
// together, but it renders as nothing.
func emptyBlankBlocks(doc *html.Node) {
	var blank []*html.Node
	walk(doc, func(n *html.Node) bool {
		if n.Type == html.ElementNode && isContainer(n.Data) && n.FirstChild != nil && isBlank(n) {
			blank = append(blank, n)
			return false
		}
		return n.Type != html.ElementNode || n.Data != "pre"
	})
	for _, n := range blank {
		for n.FirstChild != nil {
			n.RemoveChild(n.FirstChild)
		}
	}
}

// trimBlockBreaks drops <br> at the start and end of a block: editors leave
// them behind (“根据国家统一部署<br/>”) and Markdown would turn them into
// stray hard line breaks.
func trimBlockBreaks(doc *html.Node) {
	var blocks []*html.Node
	walk(doc, func(n *html.Node) bool {
		if n.Type != html.ElementNode {
			return true
		}
		if n.Data == "pre" || isEmbed(n) {
			return false
		}
		if isBlockElement(n) {
			blocks = append(blocks, n)
		}
		return true
	})
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
		case isWrapper(child.Data) && isBlank(child) && child.FirstChild == nil:
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
func trimLineStartIndent(doc *html.Node) {
	atLineStart := true
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			if atLineStart {
				n.Data = strings.TrimLeft(n.Data, " \t\r\n\u3000")
			}
			if n.Data != "" {
				atLineStart = false
			}
			return
		case html.ElementNode:
			switch {
			case n.Data == "br":
				atLineStart = true
				return
			case n.Data == "pre" || n.Data == "code" || n.Data == "img" || n.Data == "textarea":
				atLineStart = false
				return
			case isBlockElement(n):
				atLineStart = true
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					visit(c)
				}
				atLineStart = true
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	visit(doc)
}

// normalizeText makes invisible characters harmless without losing text:
// no-break spaces become spaces (they would otherwise survive whitespace
// collapsing and break Markdown syntax that needs a real space), so do
// form feeds (whitespace in HTML, which keeps the words apart), and
// zero-width spaces, BOMs, word joiners and control characters are dropped.
// Zero-width joiners stay: emoji sequences need them.
func normalizeText(s string) string {
	clean := true
	for _, r := range s {
		if isDroppedRune(r) || r == '\u00a0' || r == '\f' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\u00a0', r == '\f':
			// A form feed is whitespace in HTML, as the space is.
			b.WriteByte(' ')
		case isDroppedRune(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isDroppedRune(r rune) bool {
	switch r {
	case '\u200b', '\ufeff', '\u2060', '\u00ad':
		return true
	case marker.MarkerCodeBlockNewline:
		// html-to-markdown turns this private-use rune into a newline after
		// rendering; left in text it would let content inject Markdown lines.
		return true
	case '\t', '\n', '\r':
		return false
	}
	// Other control characters are invisible in HTML, and one of them (\a)
	// is html-to-markdown's escape marker, which text must not forge.
	return r < 0x20 || r == 0x7f
}
