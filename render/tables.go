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

// renderTable writes a table as a GFM table where that is faithful, and
// as a clean HTML table where it is not.
//
// GFM: html-to-markdown's table plugin gives up on colspan, rowspan and
// multi-line cells, which WeChat tables are full of, and then the cells run
// together as plain text. Here spans are flattened (the content stays in
// the first cell, the covered cells are empty, so no text is duplicated),
// line breaks and paragraphs in a cell become <br> (the GFM convention,
// passed through by ToHTML), and images and links stay inline. A first row
// that is one cell across the whole table is the table's title, written as
// a paragraph above it. The header is the <thead> row, a first row of <th>,
// or the first row, unless that row groups the rows below it with a rowspan:
// then the header row is left empty, because GFM requires one and a data
// row made bold would mislead.
//
// HTML (see htmlTable): cells holding blocks that GFM cells cannot (code
// blocks, lists, quotes, nested tables, embeds), or spans that flattening
// would garble (a multi-row header, a cell spanning rows and columns, or
// more than a fifth of the grid covered by spans).
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

	var title *html.Node
	if shape := shapeOf(rows); len(rows) > 1 && !rows[0].head && len(rows[0].cells) == 1 &&
		shape.width > 1 && spanOf(rows[0].cells[0], "colspan", maxColspan) >= shape.width {
		title = rows[0].cells[0]
		rows = rows[1:]
	}
	if needsHTMLTable(rows) {
		w.WriteString("\n\n")
		w.WriteString(htmlTableMarker)
		w.WriteString("\n")
		var b strings.Builder
		writeHTMLTable(&b, n, optionsFrom(ctx))
		w.WriteString(b.String())
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
	if !firstRowIsHeader(rows) {
		grid = append([][]string{nil}, grid...)
	}

	var b strings.Builder
	if caption := tableCaption(ctx, n); caption != "" {
		b.WriteString(caption)
		b.WriteString("\n\n")
	}
	if title != nil {
		var buf strings.Builder
		ctx.RenderChildNodes(ctx, &buf, title)
		b.WriteString(strings.Join(cellLines(buf.String()), " "))
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
		if i == 0 {
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

// tableShape is the grid a table's spans lay out.
type tableShape struct {
	width, slots int
	covered      int  // slots filled by a span from another cell
	blockSpan    bool // a cell spans both rows and columns
}

func shapeOf(rows []tableRow) tableShape {
	var s tableShape
	pending := map[int]int{}
	for _, row := range rows {
		col := 0
		skip := func() {
			for pending[col] > 0 {
				pending[col]--
				s.covered++
				col++
			}
		}
		for _, cell := range row.cells {
			skip()
			colspan := spanOf(cell, "colspan", maxColspan)
			rowspan := spanOf(cell, "rowspan", maxRowspan)
			s.blockSpan = s.blockSpan || colspan > 1 && rowspan > 1
			s.covered += colspan - 1
			for range colspan {
				if rowspan > 1 {
					pending[col] = rowspan - 1
				}
				col++
			}
		}
		skip()
		for c := col; c < s.width; c++ {
			if pending[c] > 0 {
				pending[c]--
				s.covered++
			}
		}
		s.width = max(s.width, col)
	}
	s.slots = s.width * len(rows)
	return s
}

// needsHTMLTable reports a table that a GFM table would misrepresent.
func needsHTMLTable(rows []tableRow) bool {
	heads := 0
	for _, row := range rows {
		if row.head {
			heads++
		}
		for _, cell := range row.cells {
			if hasBlockContent(cell) {
				return true
			}
		}
	}
	if heads > 1 {
		return true
	}
	s := shapeOf(rows)
	if s.blockSpan || s.covered*5 > s.slots {
		return true
	}
	// A header cell spanning rows or columns groups the header below it.
	if len(rows) > 1 && firstRowIsHeader(rows) {
		for _, cell := range rows[0].cells {
			if spanOf(cell, "rowspan", maxRowspan) > 1 || spanOf(cell, "colspan", maxColspan) > 1 {
				return true
			}
		}
	}
	return false
}

// hasBlockContent reports content a GFM cell cannot hold on one line.
func hasBlockContent(cell *html.Node) bool {
	found := false
	walk(cell, func(n *html.Node) bool {
		if found || n.Type != html.ElementNode || n == cell {
			return !found
		}
		switch n.Data {
		case "pre", "ul", "ol", "table", "blockquote", "hr", "dl":
			found = true
		default:
			found = isEmbed(n)
		}
		return !found
	})
	return found
}

// firstRowIsHeader reports whether the first row reads as the header: it
// is in <thead>, all <th>, or at least not a data row that groups the rows
// below it with a rowspan.
func firstRowIsHeader(rows []tableRow) bool {
	if rows[0].head {
		return true
	}
	allTH, grouping := true, false
	for _, cell := range rows[0].cells {
		allTH = allTH && cell.Data == "th"
		grouping = grouping || spanOf(cell, "rowspan", maxRowspan) > 1
	}
	return allTH || !grouping
}

type tableRow struct {
	cells []*html.Node
	head  bool // inside <thead>
}

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
				row := tableRow{head: inHead}
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
