package render

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// cssValue returns the lower-cased value of the last declaration of name in
// an inline style.
func cssValue(style, name string) (string, bool) {
	if !strings.Contains(strings.ToLower(style), name) {
		return "", false
	}
	value, found := "", false
	for _, decl := range strings.Split(style, ";") {
		k, v, ok := strings.Cut(decl, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), name) {
			v = strings.ToLower(strings.TrimSpace(v))
			v = strings.TrimSpace(strings.TrimSuffix(v, "!important"))
			value, found = v, true
		}
	}
	return value, found
}

// cssFontSize reads font-size in px, pt, em, rem or %; parent is the
// inherited size em and % refer to.
func cssFontSize(style string, parent float64) (float64, bool) {
	v, ok := cssValue(style, "font-size")
	if !ok {
		return 0, false
	}
	unit := strings.TrimLeft(v, "0123456789.")
	number, err := strconv.ParseFloat(v[:len(v)-len(unit)], 64)
	if err != nil || number <= 0 {
		return 0, false
	}
	var px float64
	switch strings.TrimSpace(unit) {
	case "px", "":
		px = number
	case "pt":
		px = number * 4 / 3
	case "em":
		px = number * parent
	case "rem":
		px = number * 16
	case "%":
		px = number * parent / 100
	default:
		return 0, false
	}
	if px > 200 {
		return 0, false
	}
	return float64(int(px*2+0.5)) / 2, true // half pixels are as fine as editors go
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

// cssBackgroundURLs returns the url() values of the background and
// background-image declarations of an inline style. The parser has already
// decoded &quot; into quotes; a doubly encoded &quot; is stripped as well.
func cssBackgroundURLs(style string) []string {
	var urls []string
	for _, decl := range strings.Split(style, ";") {
		name, value, ok := strings.Cut(decl, ":")
		if !ok {
			continue
		}
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "background" && name != "background-image" {
			continue
		}
		for {
			i := strings.Index(strings.ToLower(value), "url(")
			if i < 0 {
				break
			}
			value = value[i+len("url("):]
			end := strings.IndexByte(value, ')')
			if end < 0 {
				break
			}
			u := strings.TrimSpace(value[:end])
			value = value[end+1:]
			u = strings.TrimPrefix(strings.TrimSuffix(u, "&quot;"), "&quot;")
			u = strings.Trim(u, `"'`)
			u = strings.TrimSpace(u)
			if u != "" && !isDataURI(u) {
				urls = append(urls, u)
			}
		}
	}
	return urls
}
