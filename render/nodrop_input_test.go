package render

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/html"
)

// The input side of the no-dropped-content property (nodrop_test.go):
// what a reader sees in an article body.

// notRendered are the elements whose content a reader never sees.
func notRendered(name string) bool {
	switch name {
	case "head", "title", "script", "style", "template", "noscript", "iframe",
		"input", "textarea":
		return true
	}
	return false
}

// separatesWords reports elements that put what follows on another line or
// beside a picture: the text on either side is not one word.
func separatesWords(n *html.Node) bool {
	switch n.Data {
	case "br", "hr", "td", "th", "tr", "li", "dd", "dt":
		return true
	case "img":
		// A placeholder pixel is not a picture; words around it touch.
		return imgSource(n) != "" || len(styleImages(attr(n, "style"))) > 0
	}
	if isBlockElement(n) {
		return true
	}
	if isEmbedCandidate(n) {
		// An embed is a card or player of its own, but an unknown
		// WeChat element with content is an inline element like any
		// unknown one, and the converter keeps it so.
		_, known := embedKinds[n.Data]
		return known || !isCustomEmbedElement(n) || childrenBlank(n)
	}
	// The converter, like a browser, lays out a wrapper styled
	// display:block as a line of its own.
	style := attr(n, "style")
	if isWrapper(n.Data) && strings.Contains(style, "display") && displaysAsBlock(style) {
		return true
	}
	// An inline element with a background picture and no text is a
	// picture in the line (an icon, a badge); with text, the picture is
	// behind it.
	return len(styleImages(style)) > 0 && strings.IndexFunc(textContent(n), isVisibleRune) < 0
}

// linkSchemes are the link targets that must survive.
var linkSchemes = regexp.MustCompile(`(?i)^(?:https?|mailto):`)

// inputContent lists what a reader sees in an article body, as defined at
// the top of nodrop_test.go.
func inputContent(body string) (*contentInventory, error) {
	// A browser decodes the bytes before it parses: bytes that are not
	// UTF-8 are U+FFFD, even when a tag splits what would otherwise
	// have been one character.
	doc, err := parseArticle(strings.ToValidUTF8(body, "\uFFFD"))
	if err != nil {
		return nil, err
	}
	inv := newInventory()
	var b strings.Builder
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode, html.DocumentNode:
		default:
			return
		}
		if n.Type == html.ElementNode {
			if isHidden(n) || (n.Data == "ul" || n.Data == "ol") && isCodeLineIndex(n) {
				return
			}
			if isEmbedCandidate(n) {
				addEmbedCovers(inv, n)
				if n.Data == "iframe" || n.Data == "video" || n.Data == "audio" {
					// A frame or player between words keeps them apart;
					// what is inside is not shown.
					b.WriteString("\n")
					return
				}
			}
			if notRendered(n.Data) {
				return
			}
			for _, u := range styleImages(attr(n, "style")) {
				addOnce(&inv.images, u)
			}
			switch {
			case n.Data == "img":
				addOnce(&inv.images, imgSource(n))
			case n.Data == "a":
				if href := attr(n, "href"); linkSchemes.MatchString(href) && showsSomething(n) {
					addOnce(&inv.links, href)
				}
			case n.Data == "li" && n.Parent != nil && n.Parent.Data == "ol" && showsSomething(n):
				b.WriteString("\n" + strconv.Itoa(listItemNumber(n)) + " ")
			case n.Data == "pre":
				b.WriteString("\n" + preText(n, inv) + "\n")
				return
			}
		}
		sep := n.Type == html.ElementNode && separatesWords(n)
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
	inv.addText(b.String())
	return inv, nil
}

// imgSource is the picture an <img> shows: WeChat lazy-loads images, so the
// real URL is in data-src, and a data: URI is a placeholder pixel.
func imgSource(n *html.Node) string {
	for _, key := range []string{"data-src", "src"} {
		v := strings.TrimSpace(attrRaw(n, key))
		if v != "" && !strings.HasPrefix(strings.ToLower(v), "data:") {
			return v
		}
	}
	return ""
}

func attrRaw(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// styleURL finds url(…) in an inline style, quoted or not; &quot; arrives
// decoded by the parser, or still encoded when the editor encoded it twice.
var styleURL = regexp.MustCompile(`(?i)url\(\s*(?:&quot;|["'])?\s*([^"')]*?)\s*(?:&quot;|["'])?\s*\)`)

// styleImages lists the url()s of the background and background-image
// declarations of an inline style.
func styleImages(style string) []string {
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
		for _, m := range styleURL.FindAllStringSubmatch(value, -1) {
			if u := m[1]; u != "" && !strings.HasPrefix(strings.ToLower(u), "data:") {
				urls = append(urls, u)
			}
		}
	}
	return urls
}

// addEmbedCovers adds the pictures an embed shows.
func addEmbedCovers(inv *contentInventory, n *html.Node) {
	if e, ok := embedOf(n); ok && e.Cover != "" {
		addOnce(&inv.images, e.Cover)
	}
	if n.Data == "iframe" {
		if v := archiveUnescape(strings.TrimSpace(attrRaw(n, "data-cover"))); isWebURL(v) {
			addOnce(&inv.images, v)
		}
	}
}

// archiveUnescape decodes a data-cover as archive.ContentImages does: %XX
// sequences, when the value looks encoded.
func archiveUnescape(s string) string {
	lower := strings.ToLower(s)
	if !strings.Contains(lower, "%3a") && !strings.Contains(lower, "%2f") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		if s[i] == '%' {
			return s // not valid percent-encoding: url.PathUnescape fails and the value stays
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// showsSomething reports a link a reader can see: some visible character
// or a picture inside.
func showsSomething(a *html.Node) bool {
	found := false
	walk(a, func(n *html.Node) bool {
		if found {
			return false
		}
		switch n.Type {
		case html.TextNode:
			found = strings.IndexFunc(n.Data, isVisibleRune) >= 0
			return false
		case html.ElementNode:
			if notRendered(n.Data) || isHidden(n) {
				return false
			}
			found = n.Data == "img" && imgSource(n) != "" || len(styleImages(attr(n, "style"))) > 0
		}
		return !found
	})
	return found
}

// isVisibleRune reports a character that draws something: not whitespace,
// not a control or format character (zero-width space, BOM, soft hyphen).
func isVisibleRune(r rune) bool {
	return !unicode.IsSpace(r) && !unicode.IsControl(r) && !unicode.Is(unicode.Cf, r)
}

// preText is the text of a code block as a browser shows it, <br> as a line
// break, without the lines that are only a leaked CSS counter. Images and
// links inside are inventoried too.
func preText(pre *html.Node, inv *contentInventory) string {
	// WeChat's code-snippet writes one <code> per line and styles each as
	// a block.
	codes := 0
	for c := pre.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == "code" {
			codes++
		}
	}
	var b strings.Builder
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode:
		default:
			return
		}
		if notRendered(n.Data) || isHidden(n) || (n.Data == "ul" || n.Data == "ol") && isCodeLineIndex(n) {
			return
		}
		switch n.Data {
		case "br":
			b.WriteByte('\n')
		case "img":
			addOnce(&inv.images, imgSource(n))
		case "a":
			if href := attr(n, "href"); linkSchemes.MatchString(href) && showsSomething(n) {
				addOnce(&inv.links, href)
			}
		}
		for _, u := range styleImages(attr(n, "style")) {
			addOnce(&inv.images, u)
		}
		line := n != pre && (separatesWords(n) || codes > 1 && n.Parent == pre && n.Data == "code")
		if line {
			b.WriteByte('\n')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
		if line {
			b.WriteByte('\n')
		}
	}
	visit(pre)
	var lines []string
	for _, line := range strings.Split(b.String(), "\n") {
		if !leakedCounter.MatchString(line) {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}
