package render

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// trustedHTML lets exactly two kinds of raw HTML through ToHTML, both
// written by Convert: the <br> our GFM tables use for line breaks inside
// cells (GFM cells cannot hold a newline), and the HTML tables announced by
// htmlTableMarker, re-sanitised on the way (htmltable.go). Everything else
// stays omitted, as goldmark does by default, so article text can never
// inject markup.
type trustedHTML struct{}

func (trustedHTML) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindRawHTML, renderRawHTML)
	reg.Register(ast.KindHTMLBlock, renderHTMLBlock)
}

func renderRawHTML(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	raw := node.(*ast.RawHTML)
	var text []byte
	for i := 0; i < raw.Segments.Len(); i++ {
		seg := raw.Segments.At(i)
		text = append(text, seg.Value(source)...)
	}
	switch string(bytes.ToLower(text)) {
	case "<br>", "<br/>", "<br />":
		_, _ = w.WriteString("<br>")
	default:
		_, _ = w.WriteString("<!-- raw HTML omitted -->")
	}
	return ast.WalkSkipChildren, nil
}

func renderHTMLBlock(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	block := node.(*ast.HTMLBlock)
	text := htmlBlockText(block, source)
	if strings.TrimSpace(text) == htmlTableMarker {
		return ast.WalkSkipChildren, nil
	}
	if prev, ok := block.PreviousSibling().(*ast.HTMLBlock); ok && strings.TrimSpace(htmlBlockText(prev, source)) == htmlTableMarker {
		if clean, ok := sanitizeTableHTML(text); ok {
			_, _ = w.WriteString(clean)
			return ast.WalkSkipChildren, nil
		}
	}
	_, _ = w.WriteString("<!-- raw HTML omitted -->\n")
	return ast.WalkSkipChildren, nil
}

func htmlBlockText(block *ast.HTMLBlock, source []byte) string {
	var b strings.Builder
	lines := block.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		b.Write(seg.Value(source))
	}
	if block.HasClosure() {
		b.Write(block.ClosureLine.Value(source))
	}
	return b.String()
}
