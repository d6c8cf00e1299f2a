package render

import (
	"strconv"
	"strings"

	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/marker"
	"golang.org/x/net/html"
)

// Span limits keep a hostile colspan="100000" from blowing up the output;
// real tables stay far below.
const (
	maxColspan = 64
	maxRowspan = 1024
)

// renderTable writes every table as a GFM table. html-to-markdown's table
// plugin gives up on colspan, rowspan and multi-line cells, which WeChat
// tables are full of, and then the cells run together as plain text. Here
// spans are flattened (the content stays in the first cell, the covered
// cells are empty, so no text is duplicated), line breaks and paragraphs in
// a cell become <br> (the GFM convention, passed through by ToHTML), and
// images and links stay inline. The header is the <thead> row or a first
// row of <th>, else the first row, since GFM requires one.
//
// A table of one cell is a layout box, not data: its content is rendered
// as ordinary blocks.
func renderTable(ctx converter.Context, w converter.Writer, n *html.Node) converter.RenderStatus {
	rows := tableRows(n)
	if len(rows) == 0 {
		return converter.RenderSuccess
	}
	if len(rows) == 1 && len(rows[0].cells) == 1 && tableCaption(ctx, n) == "" && spanOf(rows[0].cells[0], "colspan", maxColspan) == 1 {
		w.WriteString("\n\n")
		ctx.RenderChildNodes(ctx, w, rows[0].cells[0])
		w.WriteString("\n\n")
		return converter.RenderSuccess
	}

	var grid [][]string
	pending := map[int]int{} // column → rows still covered by a rowspan above
	width := 0
	for _, row := range rows {
		var line []string
		col := 0
		skipCovered := func() {
			for pending[col] > 0 {
				pending[col]--
				line = append(line, "")
				col++
			}
		}
		for _, cell := range row.cells {
			skipCovered()
			line = append(line, cellMarkdown(ctx, cell))
			colspan := spanOf(cell, "colspan", maxColspan)
			rowspan := spanOf(cell, "rowspan", maxRowspan)
			for i := 0; i < colspan; i++ {
				if i > 0 {
					line = append(line, "")
				}
				if rowspan > 1 {
					pending[col] = rowspan - 1
				}
				col++
			}
		}
		skipCovered()
		for c := col; c < width; c++ {
			// Columns beyond this row's last cell: still covered, or
			// missing cells that GFM pads anyway.
			if pending[c] > 0 {
				pending[c]--
			}
		}
		width = max(width, len(line))
		grid = append(grid, line)
	}
	if width == 0 {
		return converter.RenderSuccess
	}

	headerRows := 1
	var b strings.Builder
	if caption := tableCaption(ctx, n); caption != "" {
		b.WriteString(caption)
		b.WriteString("\n\n")
	}
	for i, line := range grid {
		b.WriteString("|")
		for c := 0; c < width; c++ {
			cell := ""
			if c < len(line) {
				cell = line[c]
			}
			b.WriteString(" ")
			b.WriteString(cell)
			if cell != "" {
				b.WriteString(" ")
			}
			b.WriteString("|")
		}
		b.WriteString("\n")
		if i == headerRows-1 {
			b.WriteString("|")
			for c := 0; c < width; c++ {
				b.WriteString("---|")
			}
			b.WriteString("\n")
		}
	}
	w.WriteString("\n\n")
	w.WriteString(strings.TrimSuffix(b.String(), "\n"))
	w.WriteString("\n\n")
	return converter.RenderSuccess
}

type tableRow struct{ cells []*html.Node }

// tableRows lists the rows of n, thead first, without entering nested
// tables. Rows without cells are skipped.
func tableRows(n *html.Node) []tableRow {
	var head, body []tableRow
	var visit func(*html.Node, bool)
	visit = func(p *html.Node, inHead bool) {
		for c := p.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.Data {
			case "thead":
				visit(c, true)
			case "tbody", "tfoot":
				visit(c, inHead)
			case "tr":
				var row tableRow
				for cell := c.FirstChild; cell != nil; cell = cell.NextSibling {
					if cell.Type == html.ElementNode && (cell.Data == "td" || cell.Data == "th") {
						row.cells = append(row.cells, cell)
					}
				}
				if len(row.cells) == 0 {
					continue
				}
				if inHead {
					head = append(head, row)
				} else {
					body = append(body, row)
				}
			}
		}
	}
	visit(n, false)
	return append(head, body...)
}

func spanOf(cell *html.Node, key string, limit int) int {
	v, err := strconv.Atoi(attr(cell, key))
	if err != nil || v < 1 {
		return 1
	}
	return min(v, limit)
}

func tableCaption(ctx converter.Context, n *html.Node) string {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == "caption" {
			var buf strings.Builder
			ctx.RenderChildNodes(ctx, &buf, c)
			return strings.Join(cellLines(buf.String()), " ")
		}
	}
	return ""
}

// cellMarkdown renders a cell's content on one line: each line of the
// rendered Markdown (paragraphs, hard breaks, code lines) becomes a <br>
// separated part, and pipes are escaped.
func cellMarkdown(ctx converter.Context, cell *html.Node) string {
	var buf strings.Builder
	ctx.RenderChildNodes(ctx, &buf, cell)
	return escapePipes(strings.Join(cellLines(buf.String()), "<br>"))
}

func cellLines(md string) []string {
	md = strings.ReplaceAll(md, string(marker.MarkerCodeBlockNewline), "\n")
	var lines []string
	for _, line := range strings.Split(md, "\n") {
		line = strings.TrimSuffix(strings.TrimSpace(line), "\\")
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "```") || strings.HasPrefix(line, "~~~") {
			continue
		}
		lines = append(lines, line)
	}
	return lines
}

// escapePipes escapes the "|" that would end a cell, including inside code
// spans, where GFM also requires "\|".
func escapePipes(s string) string {
	if !strings.Contains(s, "|") {
		return s
	}
	// Text pipes arrive with html-to-markdown's escape marker in front,
	// which would be resolved later without knowing it is in a table.
	s = strings.ReplaceAll(s, string(marker.MarkerEscaping)+"|", "|")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '|' && (i == 0 || s[i-1] != '\\') {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
