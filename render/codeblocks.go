package render

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/marker"
	"golang.org/x/net/html"

	"github.com/mparchive/mparchive/internal/lazyregexp"
)

// WeChat's code-snippet block (docs/wechat-api.md §8.3) is
//
//	<section class="code-snippet__fix code-snippet__js">
//	  <ul class="code-snippet__line-index code-snippet__js"><li></li>…</ul>
//	  <pre class="code-snippet__js" data-lang="javascript"><code>line 1</code><code><br></code></pre>
//	</section>
//
// The <ul> only draws line numbers with CSS counters. Sanitizers often strip
// the classes (corpus 03), leaving a bare list of empty, unclosed <li>.

// leakedCounter matches the text of CSS line counters that some copies of
// articles leak into the code ("counter(line)", truncated to "ounter(line").
var leakedCounter = lazyregexp.New(`^\s*[ce]?ounter\(line\)?\s*$`)

// isLeakedCounter is leakedCounter.MatchString, asked of every line of
// code: the words it needs rule out almost every line before the regexp
// runs.
func isLeakedCounter(s string) bool {
	return strings.Contains(s, "ounter(line") && leakedCounter.MatchString(s)
}

// isCodeLineIndex reports a code-snippet line-number list, a list of empty
// (or leaked counter) items: by class, or, once classes are stripped,
// directly followed by a <pre>. Lists of numbers are kept: they could be
// content, and losing content is worse than a stray list.
func isCodeLineIndex(list *html.Node) bool {
	byClass := hasClassPrefix(list, "code-snippet__line-index")
	if !byClass {
		next := list.NextSibling
		for next != nil && next.Type == html.TextNode && strings.TrimSpace(next.Data) == "" {
			next = next.NextSibling
		}
		if next == nil || next.Type != html.ElementNode || next.Data != "pre" {
			return false
		}
	}
	// Even by its class, a list that holds text is not only numbers.
	items := 0
	for li := list.FirstChild; li != nil; li = li.NextSibling {
		if li.Type == html.TextNode && strings.TrimSpace(li.Data) == "" {
			continue
		}
		if li.Type != html.ElementNode || li.Data != "li" {
			return false
		}
		text := strings.TrimSpace(textContent(li))
		if text != "" && !isLeakedCounter(text) {
			return false
		}
		items++
	}
	return byClass || items > 0
}

// keepCodeMedia moves out of a <pre> what a Markdown code block, plain
// text, cannot hold, so the reader keeps it: embeds and images (mdnice
// draws its macOS-style title bar as a background image inside the <pre>)
// go before the block, where the bar was; the targets of links go
// in a paragraph after it, each as a link with its text, which also stays
// in the code.
func keepCodeMedia(pre *html.Node) {
	if pre.Parent == nil {
		return
	}
	var images, links, embeds []*html.Node
	walk(pre, func(n *html.Node) bool {
		if n.Type == html.ElementNode {
			switch {
			case n.Data == "img":
				images = append(images, n)
			case n.Data == "a" && attr(n, "href") != "":
				links = append(links, n)
			case isEmbed(n):
				embeds = append(embeds, n)
				return false
			}
		}
		return true
	})
	// Where a moved embed or image stood, the code keeps a line break or a
	// mark (resolveMediaMarks), so the text on either side does not run
	// together.
	for _, e := range embeds {
		e.Parent.InsertBefore(&html.Node{Type: html.TextNode, Data: "\n"}, e)
		e.Parent.RemoveChild(e)
		pre.Parent.InsertBefore(e, pre)
	}
	if len(images) > 0 {
		p := &html.Node{Type: html.ElementNode, Data: "p"}
		for _, img := range images {
			img.Parent.InsertBefore(&html.Node{Type: html.TextNode, Data: codeMediaMark}, img)
			img.Parent.RemoveChild(img)
			p.AppendChild(img)
		}
		pre.Parent.InsertBefore(p, pre)
	}
	if len(links) > 0 {
		p := &html.Node{Type: html.ElementNode, Data: "p"}
		for i, a := range links {
			if i > 0 {
				p.AppendChild(&html.Node{Type: html.TextNode, Data: " "})
			}
			label := strings.Join(strings.Fields(strings.ReplaceAll(textContent(a), codeMediaMark, "")), " ")
			if label == "" {
				label = attr(a, "href") // its content was an image, now above
			}
			link := &html.Node{Type: html.ElementNode, Data: "a", Attr: a.Attr}
			link.AppendChild(&html.Node{Type: html.TextNode, Data: label})
			p.AppendChild(link)
		}
		pre.Parent.InsertBefore(p, pre.NextSibling)
	}
}

// codeMediaMark stands where keepCodeMedia took an image out of a code
// block. normalizeText has removed every zero-width space from the text by
// then, so the mark cannot be the article's.
const codeMediaMark = "\u200b"

// resolveMediaMarks turns each run of marks into a space where it stood
// between two words (the picture kept them apart) and into nothing
// elsewhere; a line left with marks only was the picture's own and goes.
func resolveMediaMarks(lines []string) []string {
	var out []string
	for _, line := range lines {
		if strings.TrimSpace(strings.ReplaceAll(line, codeMediaMark, "")) == "" && strings.Contains(line, codeMediaMark) {
			continue
		}
		var b strings.Builder
		for {
			i := strings.Index(line, codeMediaMark)
			if i < 0 {
				b.WriteString(line)
				break
			}
			before := line[:i]
			rest := line[i:]
			for strings.HasPrefix(rest, codeMediaMark) {
				rest = rest[len(codeMediaMark):]
			}
			b.WriteString(before)
			prev, _ := utf8.DecodeLastRuneInString(b.String())
			next, _ := utf8.DecodeRuneInString(rest)
			if b.Len() > 0 && rest != "" && !unicode.IsSpace(prev) && !unicode.IsSpace(next) {
				b.WriteByte(' ')
			}
			line = rest
		}
		out = append(out, b.String())
	}
	return out
}

// normalizeCodeBlock replaces the content of a <pre> with its final text
// and records the language in data-lang. It runs in the clean-up pass
// because the commonmark plugin later merges adjacent <code> elements,
// which would erase the one-<code>-per-line layout of code-snippets.
func normalizeCodeBlock(pre *html.Node) {
	lang := codeLanguage(pre)
	lines := codeLines(pre)
	if slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, codeMediaMark) }) {
		lines = resolveMediaMarks(lines)
	}
	code := strings.Join(lines, "\n")
	for pre.FirstChild != nil {
		pre.RemoveChild(pre.FirstChild)
	}
	pre.Attr = []html.Attribute{{Key: "data-lang", Val: lang}}
	if code != "" {
		pre.AppendChild(&html.Node{Type: html.TextNode, Data: code})
	}
}

// renderCodeBlock writes a <pre> prepared by normalizeCodeBlock as a fenced
// code block.
func renderCodeBlock(_ converter.Context, w converter.Writer, n *html.Node) converter.RenderStatus {
	code := textContent(n)
	if code == "" {
		return converter.RenderSuccess
	}
	fence := strings.Repeat("`", max(3, longestRun(code, '`')+1))

	w.WriteString("\n\n")
	w.WriteString(fence)
	w.WriteString(attr(n, "data-lang"))
	w.WriteString("\n")
	// The marker protects empty lines from the blank-line trimming that
	// html-to-markdown applies to the whole document afterwards.
	w.WriteString(strings.ReplaceAll(code, "\n", string(marker.MarkerCodeBlockNewline)))
	w.WriteString("\n")
	w.WriteString(fence)
	w.WriteString("\n\n")
	return converter.RenderSuccess
}

// codeLines extracts the lines the reader saw in a <pre>: <br> and the
// one-<code>-per-line layout become newlines, highlight spans and hashtag
// links become their text. When the <pre> holds several
// <code> children each one is a line (WeChat's code-snippet), and a <br>
// alone in one marks an empty line, not an extra one. Trailing blank lines
// are editor residue (mdnice ends every block with <br><br>) and dropped.
func codeLines(pre *html.Node) []string {
	codes := 0
	for c := pre.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == "code" {
			codes++
		}
	}

	var text string
	if codes > 1 {
		// What stands between the <code> lines (whitespace, or text a
		// cleaner left there) reads as one line, however many nodes
		// it is made of.
		var lines []string
		var between strings.Builder
		flush := func() {
			if strings.TrimSpace(between.String()) != "" {
				lines = append(lines, strings.TrimSuffix(between.String(), "\n"))
			}
			between.Reset()
		}
		for c := pre.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.Data == "code" {
				flush()
				lines = append(lines, strings.TrimSuffix(codeText(c), "\n"))
				continue
			}
			between.WriteString(codeText(c))
		}
		flush()
		text = strings.Join(lines, "\n")
	} else {
		text = codeText(pre)
	}

	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		if isLeakedCounter(line) {
			continue
		}
		lines = append(lines, line)
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// codeText is the text of a code element with <br> as a newline and block
// children on lines of their own.
func codeText(n *html.Node) string {
	var b strings.Builder
	var visit func(*html.Node)
	visit = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode:
		default:
			return
		}
		switch n.Data {
		case "br":
			b.WriteByte('\n')
			return
		case "script", "style":
			return
		}
		block := isBlockElement(n)
		if block && b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
		if block && !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
	}
	visit(n)
	return b.String()
}

// codeLanguage finds the info string: data-lang on the <pre>, then a
// language-/lang-/code-snippet__ class on the <pre>, its <code> children or
// the code-snippet section around it.
func codeLanguage(pre *html.Node) string {
	if lang := cleanLanguage(attr(pre, "data-lang")); lang != "" {
		return lang
	}
	candidates := []*html.Node{pre}
	for c := pre.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == "code" {
			candidates = append(candidates, c)
		}
	}
	if pre.Parent != nil && hasClassPrefix(pre.Parent, "code-snippet") {
		candidates = append(candidates, pre.Parent)
	}
	for _, n := range candidates {
		for _, class := range strings.Fields(attr(n, "class")) {
			for _, prefix := range []string{"language-", "lang-", "code-snippet__"} {
				lang, ok := strings.CutPrefix(class, prefix)
				if !ok || lang == "fix" || lang == "line-index" {
					continue
				}
				if lang = cleanLanguage(lang); lang != "" {
					return lang
				}
			}
		}
	}
	return ""
}

// cleanLanguage keeps an info string that cannot break the fence line.
func cleanLanguage(lang string) string {
	lang = strings.TrimSpace(lang)
	if len(lang) > 32 {
		return ""
	}
	for _, r := range lang {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			strings.ContainsRune("+-#._", r)
		if !ok {
			return ""
		}
	}
	return lang
}

func longestRun(s string, r byte) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == r {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// renderBlockquote replaces the commonmark plugin's blockquote, which
// prefixes only real newlines with "> " and so leaves every line of a code
// block after the first outside the quote (html-to-markdown v2.5.2 keeps
// code newlines as markers until the very end). WeChat quotes often hold
// code, so we prefix the markers too.
func renderBlockquote(ctx converter.Context, w converter.Writer, n *html.Node) converter.RenderStatus {
	var buf strings.Builder
	ctx.RenderChildNodes(ctx, &buf, n)
	content := strings.TrimSpace(buf.String())
	if content == "" {
		return converter.RenderSuccess
	}
	for strings.Contains(content, "\n\n\n") {
		content = strings.ReplaceAll(content, "\n\n\n", "\n\n")
	}
	codeNewline := string(marker.MarkerCodeBlockNewline)
	w.WriteString("\n\n")
	for i, line := range strings.Split(content, "\n") {
		if i > 0 {
			w.WriteString("\n")
		}
		line = strings.ReplaceAll(line, codeNewline, codeNewline+"> ")
		if strings.TrimSpace(line) == "" {
			w.WriteString(">")
		} else {
			w.WriteString("> " + line)
		}
	}
	w.WriteString("\n\n")
	return converter.RenderSuccess
}
