package render

import (
	"bytes"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// lineBreakHTML lets exactly one piece of raw HTML through ToHTML: the
// <br> our tables use for line breaks inside cells (GFM cells cannot hold
// a newline). Everything else stays omitted, as goldmark does by default,
// so article text can never inject markup.
type lineBreakHTML struct{}

func (lineBreakHTML) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindRawHTML, renderRawHTML)
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
