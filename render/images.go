package render

import (
	"strings"

	"github.com/JohannesKaufmann/dom"
	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"golang.org/x/net/html"
)

// imageSource picks the URL of an <img>. WeChat lazy-loads images: the real
// URL is in data-src and src is empty, a data: placeholder (corpus 07) or a
// copy of data-src, so data-src wins.
func imageSource(n *html.Node) string {
	for _, key := range []string{"data-src", "src"} {
		if u := attr(n, key); u != "" && !isDataURI(u) {
			return u
		}
	}
	return ""
}

func isDataURI(u string) bool {
	return len(u) >= 5 && strings.EqualFold(u[:5], "data:")
}

// resolveImage leaves the final link in src, or removes an image that has
// no loadable URL (a placeholder pixel is not content).
func resolveImage(n *html.Node, opts Options) {
	remote := imageSource(n)
	if remote == "" {
		dom.RemoveNode(n)
		return
	}
	alt := attr(n, "alt")
	if alt == "" {
		alt = attr(n, "data-alt")
	}
	ratio := attr(n, "data-ratio")
	n.Attr = []html.Attribute{
		{Key: "src", Val: opts.mapImage(remote)},
		{Key: "alt", Val: alt},
	}
	if ratio != "" {
		// Height over width: the layout pass tells dividers from pictures.
		n.Attr = append(n.Attr, html.Attribute{Key: "data-ratio", Val: ratio})
	}
}

// addBackgroundImages turns CSS background images, which editors use for
// title bars and picture frames, into real images at the start of the
// element: otherwise the picture would be lost with the style.
func addBackgroundImages(n *html.Node, opts Options) {
	if n.Parent == nil {
		return // removed with a hidden ancestor
	}
	urls := cssBackgroundURLs(attr(n, "style"))
	// Behind the text of an inline element, the picture goes to the
	// start of the block around it, not between the words.
	holder := n
	if !isBlockElement(n) && !isVoidElement(n.Data) && hasVisibleText(n) {
		for holder.Parent != nil && holder.Parent.Type == html.ElementNode && !isBlockElement(holder) && holder.Data != "body" {
			holder = holder.Parent
		}
	}
	for i := len(urls) - 1; i >= 0; i-- {
		img := &html.Node{
			Type: html.ElementNode,
			Data: "img",
			Attr: []html.Attribute{
				{Key: "src", Val: opts.mapImage(urls[i])},
				{Key: "alt", Val: ""},
			},
		}
		if isVoidElement(n.Data) || isEmbedCandidate(n) {
			// It holds nothing, or is replaced by its embed.
			n.Parent.InsertBefore(img, n)
		} else {
			holder.InsertBefore(img, holder.FirstChild)
		}
	}
}

// renderImage writes the link resolveImage chose verbatim. The upstream
// renderer re-encodes query strings, which would turn WeChat's "==" in
// base64 ids into "%3D%3D" and no longer match the URL the archive
// downloaded.
func renderImage(_ converter.Context, w converter.Writer, n *html.Node) converter.RenderStatus {
	src := attr(n, "src")
	if src == "" {
		return converter.RenderSuccess
	}
	w.WriteString(markdownImage(attr(n, "alt"), src))
	return converter.RenderSuccess
}

func markdownImage(alt, src string) string {
	return "![" + escapeText(alt) + "](" + markdownDestination(src) + ")"
}

// markdownDestination makes a URL safe as a Markdown link destination while
// keeping it byte-identical whenever possible. Spaces and parentheses are
// allowed only inside <…>; characters that could end or escape the
// destination are percent-encoded, and character references are escaped.
func markdownDestination(u string) string {
	u = destinationEscaper.Replace(u)
	if strings.Contains(u, "&") {
		// A renderer decodes character references in destinations: a
		// query "?a=1&copy;=2" would become "?a=1©=2" without the escape.
		u = entityLookalike.ReplaceAllStringFunc(u, func(ref string) string { return `\` + ref })
	}
	if strings.ContainsAny(u, " ()") {
		return "<" + u + ">"
	}
	return u
}

var destinationEscaper = strings.NewReplacer(
	"<", "%3C",
	">", "%3E",
	"\\", "%5C",
	"\n", "%0A",
	"\r", "%0D",
	"\t", "%09",
)

// escapeText escapes attribute text (alt text, names, titles, signatures)
// that we write into Markdown ourselves, outside html-to-markdown's text
// escaping. Collapsing whitespace keeps it on one line; callers never put it
// at the start of a line, so line-start syntax (#, -, 1.) needs no escape.
func escapeText(s string) string {
	return markdownTextEscaper.Replace(strings.Join(strings.Fields(normalizeText(s)), " "))
}

var markdownTextEscaper = strings.NewReplacer(
	`\`, `\\`,
	"`", "\\`",
	"*", `\*`,
	"_", `\_`,
	"[", `\[`,
	"]", `\]`,
	"<", `\<`,
	">", `\>`,
	"|", `\|`,
	"~", `\~`,
	"{", `\{`,
	"}", `\}`,
	"&", `\&`,
)
