package render

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// A table that GFM cannot represent (renderTable says which) is written as
// an HTML block of our own, announced by a comment on the line before:
//
//	<!-- mparchive:table -->
//	<table>
//	<thead>
//	<tr><th colspan="2">…</th></tr>
//	</thead>
//	<tbody>
//	<tr><td><ul><li>…</li></ul></td><td><pre><code>a&#10;b</code></pre></td></tr>
//	</tbody>
//	</table>
//
// Why raw HTML and not something else: Markdown has no other way to write a
// cell with a list or a code block, or a cell spanning rows, and every
// Markdown tool (GitHub, Obsidian, Typora, Hugo with unsafe rendering)
// shows an HTML table. Renderers that drop raw HTML for safety (goldmark's
// default, Hugo's default) would lose the table, so ToHTML renders exactly
// these blocks: a goldmark renderer recognises the marker comment and lets
// the HTML block after it through, after parsing it with x/net/html and
// writing back only the whitelist below. Any other raw HTML in the
// Markdown, including a hand-written table without the marker, stays
// omitted, so article text can never inject markup.
//
// The block is written so that CommonMark keeps it one HTML block: no blank
// line inside (newlines in code are written as &#10;), tags first on their
// lines. Only colspan and rowspan survive on cells, href and title on
// links, src and alt on images, start on ordered lists; text is escaped.
const htmlTableMarker = "<!-- mparchive:table -->"

// allowedTableTags are the elements a clean table is made of; anything else
// is unwrapped to its content.
var allowedTableTags = map[string]bool{
	"table": true, "caption": true, "thead": true, "tbody": true, "tfoot": true,
	"tr": true, "th": true, "td": true, "p": true, "br": true, "strong": true,
	"em": true, "del": true, "code": true, "pre": true, "ul": true, "ol": true,
	"li": true, "blockquote": true, "hr": true, "a": true, "img": true,
	"sup": true, "sub": true,
}

// droppedTableTags lose their content too: it is not text a reader saw.
// The text of other elements (an SVG's <text>, a formula, an <object>'s
// fallback) is kept, without their markup.
var droppedTableTags = map[string]bool{
	"script": true, "style": true, "template": true, "noscript": true,
	"iframe": true, "embed": true, "textarea": true, "head": true, "title": true,
}

// writeHTMLTable writes table n, prepared by the clean-up pass, as a clean
// HTML table.
func writeHTMLTable(b *strings.Builder, n *html.Node, opts Options) {
	rows := tableRows(n)
	b.WriteString("<table>\n")
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == "caption" {
			b.WriteString("<caption>")
			writeHTMLInline(b, c, opts)
			b.WriteString("</caption>\n")
		}
	}
	head := 0
	for head < len(rows) && rows[head].head {
		head++
	}
	if head == 0 && len(rows) > 1 {
		allTH := true
		for _, cell := range rows[0].cells {
			allTH = allTH && cell.Data == "th"
		}
		if allTH {
			head = 1
		}
	}
	section := func(tag string, rows []tableRow) {
		if len(rows) == 0 {
			return
		}
		b.WriteString("<" + tag + ">\n")
		for _, row := range rows {
			b.WriteString("<tr>")
			for _, cell := range row.cells {
				b.WriteString("<" + cell.Data)
				for _, key := range []string{"colspan", "rowspan"} {
					limit := maxColspan
					if key == "rowspan" {
						limit = maxRowspan
					}
					if span := spanOf(cell, key, limit); span > 1 {
						b.WriteString(" " + key + `="` + strconv.Itoa(span) + `"`)
					}
				}
				b.WriteString(">")
				writeHTMLInline(b, cell, opts)
				b.WriteString("</" + cell.Data + ">")
			}
			b.WriteString("</tr>\n")
		}
		b.WriteString("</" + tag + ">\n")
	}
	section("thead", rows[:head])
	section("tbody", rows[head:])
	b.WriteString("</table>")
}

// writeHTMLInline writes the content of n with the whitelisted markup.
func writeHTMLInline(b *strings.Builder, n *html.Node, opts Options) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		writeHTMLNode(b, c, opts)
	}
}

func writeHTMLNode(b *strings.Builder, n *html.Node, opts Options) {
	if n.Type == html.TextNode {
		b.WriteString(escapeHTMLText(n.Data))
		return
	}
	if n.Type != html.ElementNode {
		return
	}
	switch n.Data {
	case "br":
		b.WriteString("<br>")
	case "hr":
		b.WriteString("<hr>")
	case "img":
		if src := attr(n, "src"); src != "" {
			b.WriteString(`<img src="` + html.EscapeString(src) + `" alt="` + html.EscapeString(attr(n, "alt")) + `">`)
		}
	case "a":
		href := attr(n, "href")
		if href == "" || isScriptURL(href) {
			writeHTMLInline(b, n, opts)
			return
		}
		if opts.LinkURL != nil {
			if local := opts.LinkURL(href); local != "" {
				href = local
			}
		}
		b.WriteString(`<a href="` + html.EscapeString(href) + `">`)
		writeHTMLInline(b, n, opts)
		b.WriteString("</a>")
	case "pre":
		code := strings.ReplaceAll(html.EscapeString(textContent(n)), "\n", "&#10;")
		b.WriteString("<pre><code>" + code + "</code></pre>")
	case "table":
		writeHTMLTable(b, n, opts)
	case "strong", "b":
		wrapHTML(b, "strong", n, opts)
	case "em", "i":
		wrapHTML(b, "em", n, opts)
	case "del", "s", "strike":
		wrapHTML(b, "del", n, opts)
	case "ol":
		// The numbers a reader saw: a list may start anywhere.
		if start, err := strconv.Atoi(attr(n, "start")); err == nil && start != 1 && start >= 0 && start < 1e9 {
			b.WriteString(`<ol start="` + strconv.Itoa(start) + `">`)
			writeHTMLInline(b, n, opts)
			b.WriteString("</ol>")
			return
		}
		wrapHTML(b, n.Data, n, opts)
	case "code", "sup", "sub", "ul", "li", "blockquote":
		wrapHTML(b, n.Data, n, opts)
	case embedTag:
		writeHTMLEmbed(b, embedFromNode(n), opts)
	default:
		if droppedTableTags[n.Data] {
			return
		}
		if isBlockElement(n) && !isBlank(n) && !hasBlockChild(n) {
			wrapHTML(b, "p", n, opts)
			return
		}
		writeHTMLInline(b, n, opts)
	}
}

func wrapHTML(b *strings.Builder, tag string, n *html.Node, opts Options) {
	b.WriteString("<" + tag + ">")
	writeHTMLInline(b, n, opts)
	b.WriteString("</" + tag + ">")
}

// writeHTMLEmbed writes an embed in a cell as its main link, with the
// title of the Markdown contract (EMBEDS.md).
func writeHTMLEmbed(b *strings.Builder, e Embed, opts Options) {
	dest := e.URL
	if dest == "" {
		dest = "#"
	}
	b.WriteString(`<a href="` + html.EscapeString(dest) + `" title="` + html.EscapeString(embedTitle(e)) + `">`)
	if e.Cover != "" {
		b.WriteString(`<img src="` + html.EscapeString(opts.mapImage(e.Cover)) + `" alt="` + html.EscapeString(EmbedLabel(e.Kind)+"封面") + `">`)
	}
	// The id stays in the title, as in a blockquote's main link.
	label := "[" + EmbedLabel(e.Kind) + "] " + firstNonEmpty(e.Title, embedName(e.Kind, dest))
	b.WriteString(escapeHTMLText(label))
	b.WriteString("</a>")
}

// escapeHTMLText escapes text and collapses its whitespace, so that no
// blank line can end the HTML block early.
func escapeHTMLText(s string) string {
	if strings.ContainsAny(s, "\n\r\t") || strings.Contains(s, "  ") {
		var b strings.Builder
		space := false
		for _, r := range s {
			if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
				space = true
				continue
			}
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(r)
		}
		if space {
			b.WriteByte(' ')
		}
		s = b.String()
	}
	return html.EscapeString(s)
}

// sanitizeTableHTML re-serialises an HTML block that follows our marker
// keeping only the whitelist. It reports false when the block is not a
// single table, which ToHTML then omits like any raw HTML.
func sanitizeTableHTML(block string) (string, bool) {
	nodes, err := html.ParseFragment(strings.NewReader(block), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		return "", false
	}
	var table *html.Node
	for _, n := range nodes {
		switch {
		case n.Type == html.TextNode && strings.TrimSpace(n.Data) == "", n.Type == html.CommentNode:
		case n.Type == html.ElementNode && n.Data == "table" && table == nil:
			table = n
		default:
			return "", false
		}
	}
	if table == nil {
		return "", false
	}
	var b strings.Builder
	writeSanitized(&b, table)
	b.WriteString("\n")
	return b.String(), true
}

func writeSanitized(b *strings.Builder, n *html.Node) {
	switch n.Type {
	case html.TextNode:
		if p := n.Parent; p != nil && isTableStructure(p.Data) && strings.TrimSpace(n.Data) == "" {
			return // the layout newlines; we write our own
		}
		b.WriteString(html.EscapeString(n.Data))
		return
	case html.ElementNode:
	default:
		return
	}
	if droppedTableTags[n.Data] {
		return
	}
	if !allowedTableTags[n.Data] {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			writeSanitized(b, c)
		}
		return
	}
	b.WriteString("<" + n.Data)
	for _, a := range n.Attr {
		if a.Namespace != "" || !allowedAttribute(n.Data, a.Key, a.Val) {
			continue
		}
		b.WriteString(" " + a.Key + `="` + html.EscapeString(a.Val) + `"`)
	}
	b.WriteString(">")
	if n.Data == "br" || n.Data == "hr" || n.Data == "img" {
		return
	}
	if n.Data == "table" || n.Data == "thead" || n.Data == "tbody" || n.Data == "tfoot" {
		b.WriteString("\n")
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		writeSanitized(b, c)
	}
	b.WriteString("</" + n.Data + ">")
	if n.Data == "caption" || n.Data != "table" && isTableStructure(n.Data) {
		b.WriteString("\n")
	}
}

func isTableStructure(tag string) bool {
	switch tag {
	case "table", "thead", "tbody", "tfoot", "tr":
		return true
	}
	return false
}

func allowedAttribute(tag, key, val string) bool {
	switch {
	case (tag == "td" || tag == "th") && (key == "colspan" || key == "rowspan"):
		v, err := strconv.Atoi(val)
		return err == nil && v > 1 && v <= maxRowspan
	case tag == "a" && key == "href", tag == "img" && key == "src":
		return !isScriptURL(val) && !isDataURI(strings.TrimSpace(val))
	case tag == "a" && key == "title", tag == "img" && key == "alt":
		return true
	case tag == "ol" && key == "start":
		v, err := strconv.Atoi(val)
		return err == nil && v >= 0 && v < 1e9
	}
	return false
}
