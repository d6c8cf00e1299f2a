package render

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
	"golang.org/x/net/html"
)

// The output side of the no-dropped-content property (nodrop_test.go):
// what a reader of the rendered Markdown gets.

// markdownParser reads Markdown as ToHTML does.
var markdownParser = goldmark.New(goldmark.WithExtensions(extension.GFM, extension.CJK)).Parser()

// outputContent lists what a reader of the rendered Markdown gets, as
// defined at the top of nodrop_test.go.
func outputContent(md string) *contentInventory {
	src := []byte(md)
	doc := markdownParser.Parse(text.NewReader(src))
	inv := newInventory()
	var b strings.Builder
	var visit func(n ast.Node)
	visit = func(n ast.Node) {
		switch n := n.(type) {
		case *ast.Text:
			b.WriteString(unescapeMarkdown(string(n.Segment.Value(src))))
			if n.SoftLineBreak() || n.HardLineBreak() {
				b.WriteByte('\n')
			}
			return
		case *ast.String:
			b.Write(n.Value)
			return
		case *ast.CodeSpan:
			for c := n.FirstChild(); c != nil; c = c.NextSibling() {
				if t, ok := c.(*ast.Text); ok {
					b.Write(t.Segment.Value(src))
				}
			}
			return
		case *ast.Image:
			addOnce(&inv.images, unescapeMarkdown(string(n.Destination)))
			b.WriteByte('\n')
			return
		case *ast.Link:
			addOnce(&inv.links, unescapeMarkdown(string(n.Destination)))
		case *ast.AutoLink:
			addOnce(&inv.links, string(n.URL(src)))
			b.WriteString(string(n.Label(src)))
			return
		case *ast.RawHTML:
			b.WriteByte('\n') // Convert writes only <br> inline
			return
		case *ast.HTMLBlock:
			if prev, ok := n.PreviousSibling().(*ast.HTMLBlock); ok && strings.TrimSpace(htmlBlockText(prev, src)) == htmlTableMarker {
				b.WriteString("\n" + tableBlockContent(htmlBlockText(n, src), inv) + "\n")
			}
			return
		case *ast.FencedCodeBlock, *ast.CodeBlock:
			lines := n.Lines()
			b.WriteByte('\n')
			for i := 0; i < lines.Len(); i++ {
				seg := lines.At(i)
				b.Write(seg.Value(src))
			}
			b.WriteByte('\n')
			return
		case *ast.ListItem:
			if list, ok := n.Parent().(*ast.List); ok && list.IsOrdered() {
				number := list.Start
				for c := list.FirstChild(); c != nil && c != ast.Node(n); c = c.NextSibling() {
					number++
				}
				b.WriteString("\n" + strconv.Itoa(number) + " ")
			}
		}
		block := n.Type() == ast.TypeBlock || n.Kind() == extast.KindTableCell
		if block {
			b.WriteByte('\n')
		}
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			visit(c)
		}
		if block {
			b.WriteByte('\n')
		}
	}
	visit(doc)
	inv.addText(b.String())
	return inv
}

// markdownEntity is an entity reference as CommonMark reads it: the
// semicolon is required.
var markdownEntity = regexp.MustCompile(`&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});`)

// unescapeMarkdown undoes CommonMark's backslash escapes and entity
// references in text or a link destination.
func unescapeMarkdown(s string) string {
	if !strings.ContainsAny(s, `\&`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && isASCIIPunct(s[i+1]) {
			b.WriteByte(s[i+1])
			i++
			continue
		}
		if c == '&' {
			if m := markdownEntity.FindString(s[i:]); m != "" && strings.HasPrefix(s[i:], m) {
				b.WriteString(html.UnescapeString(m))
				i += len(m) - 1
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

// tableBlockContent reads an HTML table written by Convert: its text, with
// cells and blocks apart, its images and its links.
func tableBlockContent(block string, inv *contentInventory) string {
	doc, err := html.Parse(strings.NewReader(block))
	if err != nil {
		return ""
	}
	var b strings.Builder
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			return
		}
		sep := false
		if n.Type == html.ElementNode {
			switch n.Data {
			case "img":
				addOnce(&inv.images, attrRaw(n, "src"))
			case "a":
				addOnce(&inv.links, attrRaw(n, "href"))
			case "li":
				if n.Parent != nil && n.Parent.Data == "ol" {
					b.WriteString("\n" + strconv.Itoa(listItemNumber(n)) + " ")
				}
			}
			sep = separatesWords(n)
		}
		if sep {
			b.WriteByte('\n')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
		if sep {
			b.WriteByte('\n')
		}
	}
	visit(doc)
	return b.String()
}
