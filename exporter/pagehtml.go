package exporter

import (
	"bytes"
	"strings"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Reading the markup and the inline scripts of an article page.

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func attr(n *xhtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func findByID(n *xhtml.Node, id string) *xhtml.Node {
	return findNode(n, func(n *xhtml.Node) bool { return n.Type == xhtml.ElementNode && attr(n, "id") == id })
}

func findFirst(n *xhtml.Node, a atom.Atom) *xhtml.Node {
	return findNode(n, func(n *xhtml.Node) bool { return n.Type == xhtml.ElementNode && n.DataAtom == a })
}

func findNode(n *xhtml.Node, match func(*xhtml.Node) bool) *xhtml.Node {
	if match(n) {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := findNode(c, match); f != nil {
			return f
		}
	}
	return nil
}

// nodeText is the text of n with runs of white space collapsed.
func nodeText(n *xhtml.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		if n.Type == xhtml.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style) {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

func visibleText(doc *xhtml.Node) string { return nodeText(doc) }

// messageText is the headline of a WeChat message page (weui-msg), else
// the page title.
func messageText(doc *xhtml.Node) string {
	if n := findNode(doc, func(n *xhtml.Node) bool {
		return n.Type == xhtml.ElementNode && strings.Contains(" "+attr(n, "class")+" ", " weui-msg__title ")
	}); n != nil {
		msg := nodeText(n)
		if d := findNode(doc, func(n *xhtml.Node) bool {
			return n.Type == xhtml.ElementNode && strings.Contains(" "+attr(n, "class")+" ", " weui-msg__desc ")
		}); d != nil && nodeText(d) != "" {
			msg += " " + nodeText(d)
		}
		return msg
	}
	return nodeText(findFirst(doc, atom.Title))
}

// metaTags maps meta property= and name= to content; the first one wins.
func metaTags(doc *xhtml.Node) map[string]string {
	out := map[string]string{}
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.ElementNode && n.DataAtom == atom.Meta {
			key := firstNonEmpty(attr(n, "property"), attr(n, "name"))
			if _, seen := out[key]; key != "" && !seen {
				out[key] = attr(n, "content")
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

func scriptText(doc *xhtml.Node) string {
	var b strings.Builder
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.ElementNode && n.DataAtom == atom.Script {
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == xhtml.TextNode {
					b.WriteString(c.Data)
					b.WriteByte('\n')
				}
			}
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return b.String()
}

// innerHTML returns the markup inside the element with id js_content as
// the page's bytes had it: re-rendering the parsed tree would normalise
// quotes, entities and self-closing tags, and the archive keeps what WeChat
// sent. The tokenizer finds the element's start tag and its matching </div>
// by counting <div>s only, since unclosed <p> and <li> do not nest. When the
// markup is too broken for that, the parsed tree is rendered instead.
func innerHTML(page []byte, parsed *xhtml.Node) string {
	z := xhtml.NewTokenizer(bytes.NewReader(page))
	offset := 0
	start, depth := -1, 0
	tag := parsed.Data
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			break
		}
		raw := z.Raw()
		offset += len(raw)
		name, hasAttr := z.TagName()
		switch tt {
		case xhtml.StartTagToken:
			if start < 0 {
				if string(name) == tag && hasAttr && tokenHasID(z, "js_content") {
					start, depth = offset, 1
				}
				continue
			}
			if string(name) == tag {
				depth++
			}
		case xhtml.EndTagToken:
			if start >= 0 && string(name) == tag {
				depth--
				if depth == 0 {
					return strings.TrimSpace(string(page[start : offset-len(raw)]))
				}
			}
		}
	}
	var b strings.Builder
	for c := parsed.FirstChild; c != nil; c = c.NextSibling {
		_ = xhtml.Render(&b, c)
	}
	return strings.TrimSpace(b.String())
}

func tokenHasID(z *xhtml.Tokenizer, id string) bool {
	for {
		k, v, more := z.TagAttr()
		if string(k) == "id" && string(v) == id {
			return true
		}
		if !more {
			return false
		}
	}
}

// jsVar reads `var name = "…"` (or '…', or htmlDecode("…"), or "…" || "")
// from the page's scripts and returns the string, JS escapes and HTML
// entities decoded. WeChat writes its metadata into such variables; a page

// hasClass matches elements whose class list holds name.
func hasClass(name string) func(*xhtml.Node) bool {
	return func(n *xhtml.Node) bool {
		return n.Type == xhtml.ElementNode && strings.Contains(" "+attr(n, "class")+" ", " "+name+" ")
	}
}

// jsVar reads the string a page script assigns with `var name = …`,
// decoded as the page's JavaScript would decode it: the literal's escapes,
// and the wrapper WeChat puts around it (htmlDecode("…"), '…'.html(false),
// "…" || "", '1' * 1). WeChat writes its metadata into such variables; a
// page can carry the same name twice, and the first assignment with a
// value is the article's.
func jsVar(scripts, name string) string {
	for from := 0; ; {
		i := strings.Index(scripts[from:], "var "+name)
		if i < 0 {
			return ""
		}
		i += from
		from = i + 4 + len(name)
		if i > 0 && isIdentByte(scripts[i-1]) || from < len(scripts) && isIdentByte(scripts[from]) {
			continue
		}
		rest := strings.TrimLeft(scripts[from:], " \t")
		if !strings.HasPrefix(rest, "=") || strings.HasPrefix(rest, "==") {
			continue
		}
		p := &jsParser{src: rest[1:]}
		v, err := p.value(0)
		if err != nil || v == nil {
			continue
		}
		return strings.TrimSpace(jsStr(map[string]any{"v": v}, "v"))
	}
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
