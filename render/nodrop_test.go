package render

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
	"golang.org/x/net/html"

	"github.com/mparchive/mparchive/archive"
)

// The no-dropped-content property: whatever rules reshape an article, every
// image, every link target and every visible word of the input is in the
// Markdown. TestNoDroppedContent checks it on every HTML fixture of the
// project, FuzzConvert on generated input.
//
// The input (inputContent) is read as a browser reads it, bytes that are
// not UTF-8 being U+FFFD, and parsed as the converter parses it
// (parseArticle: "<strong/>" is an empty element, and nesting beyond what
// the parser accepts is flattened, keeping every tag's content). Content a
// reader never sees is left out, and only that:
//
//   - elements that are not rendered: head, title, script, style, template,
//     noscript and iframe (whose content the parser keeps as raw text), the
//     fallback content inside video and audio (shown only by browsers that
//     cannot play the media), and the code-snippet line-number list
//     (isCodeLineIndex: only empty items, which CSS numbers);
//   - hidden elements (isHidden: the hidden attribute or display:none),
//     where editors park alternative layouts;
//   - form controls (input, textarea): WeChat's editor cannot insert them,
//     its sanitizer removes them, and so does the converter;
//   - in code blocks, lines that are only a leaked CSS counter
//     ("counter(line)"): a browser drew a line number there.
//
// Image URLs are what the converter (images.go, embedhtml.go) and the archive
// (archive.ContentImages, whose downloads the converter's ImageURL looks
// up) treat as a picture the reader sees:
//
//   - an <img>: data-src, else src; a data: URI is a placeholder pixel, not
//     a picture;
//   - every url() of the background and background-image declarations of
//     an inline style (editors draw title bars and frames that way), data:
//     URIs excluded as above;
//   - the cover of an embed (video poster, voice cover, album art, account
//     avatar…), as the converter reads each kind (EMBEDS.md); for an
//     iframe, also its data-cover URL-decoded as archive.ContentImages
//     decodes it, so that the cover the converter looks up is the one the
//     archive downloaded.
//
// Each must be passed to Options.ImageURL and be the destination of an
// image in the Markdown (or of an <img> in an HTML table block).
//
// Link targets are the href of every <a> with an http, https or mailto
// scheme that shows something (a visible character or a picture). Other
// schemes are out on purpose: javascript: and vbscript: links are dropped
// and their text kept (isScriptURL), mini program links have no href, and
// relative or fragment links point nowhere outside WeChat. Each must be
// passed to Options.LinkURL and be the destination of a link in the
// Markdown (or of an <a> in an HTML table block).
//
// URLs compare after the characters a Markdown destination cannot hold
// (<, >, \, tab, CR, LF) are percent-encoded, as the converter writes them,
// and as UTF-8, since the Markdown is.
//
// Visible text tokens are counted in the text a reader sees: text nodes
// outside the elements above, in order, with words kept apart where the
// page lays them out apart: at block boundaries (the converter's blocks,
// table cells, list items, wrappers styled display:block), line breaks,
// pictures (not placeholder pixels, which leave the words around them
// touching) and embeds (not unknown elements with text, which are inline).
// The number a browser shows before each item of an <ol> counts as text,
// unless the item shows nothing (an editor's empty <li>: its number stands
// next to nothing).
// Control and format characters (zero-width space, BOM, soft hyphen) draw
// nothing and are taken out first, so they do not separate words.
//
// A token is one Han, kana or Hangul character (Chinese has no spaces, and
// a rule that splits or joins a run of characters loses nothing) or a run
// of other letters and digits (a Latin word, a number), as textTokens in
// fidelity_test.go. Punctuation and symbols are not tokens: typed list
// markers ("◈", "①") become list syntax, and the emphasis rule moves
// punctuation out of bold. The check is a multiset containment: each token
// must occur in the output at least as often as in the input, so a
// repeated word that is dropped once is caught, and so are two words run
// together or one word cut in two. Extra tokens in the output (embed
// labels, identifiers, a caption repeated as alt text) are fine.
//
// On the output side (outputContent) the Markdown is parsed with goldmark,
// as ToHTML reads it, and the text is what a Markdown renderer shows:
// escapes undone (backslash escapes and entity references decoded), link
// destinations and titles and image alt text left out, code verbatim, the
// number of each ordered list item added, and the HTML tables written by
// Convert read as HTML. Other raw HTML is not shown by ToHTML and does not
// count.

// contentInventory is what a reader gets from an article.
type contentInventory struct {
	tokens map[string]int
	images []string // in document order, each once
	links  []string
}

func newInventory() *contentInventory {
	return &contentInventory{tokens: map[string]int{}}
}

func addOnce(list *[]string, s string) {
	if s != "" && !slices.Contains(*list, s) {
		*list = append(*list, s)
	}
}

func (inv *contentInventory) addText(s string) {
	// Control and format characters (zero-width space, BOM, soft hyphen,
	// a stray \x16) draw nothing: the letters on either side read as one
	// word, and the converter may drop them.
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t', r == '\n', r == '\f', r == '\r':
			return ' ' // HTML's whitespace
		case unicode.Is(unicode.Cf, r), unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	for _, tok := range textTokens(s) {
		inv.tokens[tok]++
	}
}

func (inv *contentInventory) tokenCount() int {
	n := 0
	for _, c := range inv.tokens {
		n += c
	}
	return n
}

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
// the top of this file.
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

// markdownParser reads Markdown as ToHTML does.
var markdownParser = goldmark.New(goldmark.WithExtensions(extension.GFM, extension.CJK)).Parser()

// outputContent lists what a reader of the rendered Markdown gets, as
// defined at the top of this file.
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

// markdownSafeURL writes the characters a Markdown destination cannot hold
// as the converter does (markdownDestination), so that a URL and its
// Markdown form compare equal.
var markdownSafeURL = strings.NewReplacer("<", "%3C", ">", "%3E", "\\", "%5C", "\n", "%0A", "\r", "%0D", "\t", "%09")

// noDropRecorder maps images and links for Convert the way an archive
// would, recording what was asked. prefix is put before every image URL
// ("" keeps the remote URL); links are kept as they are.
type noDropRecorder struct {
	prefix       string
	imagesAsked  map[string]bool
	linksAsked   map[string]bool
	imagesMapped map[string]string
}

func newNoDropRecorder(prefix string) *noDropRecorder {
	return &noDropRecorder{prefix: prefix, imagesAsked: map[string]bool{}, linksAsked: map[string]bool{}}
}

func (r *noDropRecorder) options() Options {
	return Options{
		ImageURL: func(remote string) string {
			r.imagesAsked[remote] = true
			if r.prefix == "" {
				return ""
			}
			return r.prefix + remote
		},
		LinkURL: func(href string) string {
			r.linksAsked[href] = true
			return ""
		},
	}
}

// noDropReport is the outcome of one check.
type noDropReport struct {
	tokens, images, links int
	problems              []string
}

// checkNoDroppedContent compares the input body with the Markdown Convert
// made of it with rec's options.
func checkNoDroppedContent(body, md string, rec *noDropRecorder) noDropReport {
	var r noDropReport
	in, err := inputContent(body)
	if err != nil {
		r.problems = append(r.problems, "parse input: "+err.Error())
		return r
	}
	out := outputContent(md)
	r.tokens, r.images, r.links = in.tokenCount(), len(in.images), len(in.links)

	// Convert's output is UTF-8: bytes that are not compare as U+FFFD, as
	// a browser reads them.
	norm := func(u string) string { return markdownSafeURL.Replace(strings.ToValidUTF8(u, "\uFFFD")) }
	has := func(list []string, want string) bool {
		want = norm(want)
		for _, s := range list {
			if norm(s) == want {
				return true
			}
		}
		return false
	}
	asked := func(set map[string]bool, u string) bool {
		u = strings.ToValidUTF8(u, "\uFFFD") // a percent-decoded cover may not be UTF-8
		for k := range set {
			if strings.ToValidUTF8(k, "\uFFFD") == u {
				return true
			}
		}
		return false
	}
	for _, u := range in.images {
		if !asked(rec.imagesAsked, u) {
			r.problems = append(r.problems, fmt.Sprintf("image %q never passed to ImageURL", u))
		}
		if !has(out.images, rec.prefix+u) {
			r.problems = append(r.problems, fmt.Sprintf("image %q is not an image of the output", u))
		}
	}
	for _, u := range in.links {
		if !asked(rec.linksAsked, u) {
			r.problems = append(r.problems, fmt.Sprintf("link %q never passed to LinkURL", u))
		}
		if !has(out.links, u) {
			r.problems = append(r.problems, fmt.Sprintf("link %q is not a link of the output", u))
		}
	}
	var missing []string
	for tok, n := range in.tokens {
		if got := out.tokens[tok]; got < n {
			missing = append(missing, fmt.Sprintf("%q ×%d (output ×%d)", tok, n, got))
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		const shown = 20
		more := ""
		if len(missing) > shown {
			more = fmt.Sprintf(" and %d more", len(missing)-shown)
			missing = missing[:shown]
		}
		r.problems = append(r.problems, "text tokens lost: "+strings.Join(missing, ", ")+more)
	}
	return r
}

// noDropFixture is one article body of the project's test data.
type noDropFixture struct {
	name string
	body string
}

// noDropFixtures gathers every HTML fixture of the project: the converter's
// golden and fidelity cases, the exporter's article bodies, and the
// article bodies of the real pages (the inner HTML of #js_content; pages
// whose #js_content is missing or empty, such as picture posts, are not
// article bodies and are skipped).
func noDropFixtures(t *testing.T) (fixtures []noDropFixture, skipped []string) {
	t.Helper()
	read := func(pattern string, extract func(name string, b []byte) (string, bool)) {
		paths, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		if len(paths) == 0 {
			t.Fatalf("no fixtures match %s", pattern)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			body, ok := extract(p, b)
			if !ok {
				skipped = append(skipped, p)
				continue
			}
			fixtures = append(fixtures, noDropFixture{name: p, body: body})
		}
	}
	asIs := func(_ string, b []byte) (string, bool) { return string(b), true }
	read(filepath.Join(goldenDir, "*.in.html"), asIs)
	read(filepath.Join(fidelityDir, "*.in.html"), asIs)
	read(filepath.Join("..", "exporter", "testdata", "pages", "*.body.html"), asIs)
	read(filepath.Join("..", "exporter", "testdata", "pages", "real", "*.html.gz"), func(name string, b []byte) (string, bool) {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		page, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		body, err := jsContent(page)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return realPostBody(t, name, body)
	})
	return fixtures, skipped
}

// jsContent returns the inner HTML of the page's element with id
// js_content, or "" when there is none.
func jsContent(page []byte) (string, error) {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return "", err
	}
	var content *html.Node
	walk(doc, func(n *html.Node) bool {
		if content == nil && n.Type == html.ElementNode && attrRaw(n, "id") == "js_content" {
			content = n
		}
		return content == nil
	})
	if content == nil {
		return "", nil
	}
	var b strings.Builder
	for c := content.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&b, c); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

func TestNoDroppedContent(t *testing.T) {
	fixtures, skipped := noDropFixtures(t)
	conv := New()
	var tokens, images, links int
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			rec := newNoDropRecorder("")
			md, err := conv.Convert(f.body, rec.options())
			if err != nil {
				t.Fatalf("Convert: %v", err)
			}
			r := checkNoDroppedContent(f.body, md, rec)
			for _, p := range r.problems {
				t.Error(p)
			}
			tokens += r.tokens
			images += r.images
			links += r.links
		})
	}
	t.Logf("%d fixtures checked (%d skipped without an article body: %s): %d text tokens, %d images, %d links",
		len(fixtures), len(skipped), strings.Join(skipped, ", "), tokens, images, links)
}

// TestNoDropDefinitions pins the definitions above on small cases, so that
// the property cannot hold because they see nothing.
func TestNoDropDefinitions(t *testing.T) {
	in, err := inputContent(`<p>Hello <b>wor</b>ld 你好你</p>` +
		`<section style="display:none">藏</section><script>s()</script><textarea>t</textarea>` +
		`<ol start="3"><li>x</li></ol>` +
		`<p><img data-src="https://a/1.png" src="data:image/gif;base64,AA"><img src="data:x"></p>` +
		`<section style="background-image:url(&quot;https://a/bg.png&quot;);border-image:url(https://a/b.png)">y</section>` +
		`<a href="https://a/l">l</a> <a href="javascript:x">j</a> <a href="mailto:m@a">m</a><a href="https://a/empty"> </a>` +
		`<iframe class="video_iframe" data-mpvid="wxv_1" data-cover="https%3A%2F%2Fa%2Fc.jpg"></iframe>` +
		`<pre><code>counter(line)</code><code>code1</code></pre>`)
	if err != nil {
		t.Fatal(err)
	}
	wantTokens := map[string]int{"Hello": 1, "world": 1, "你": 2, "好": 1, "3": 1, "x": 1, "y": 1, "l": 1, "j": 1, "m": 1, "code1": 1}
	if !mapsEqual(in.tokens, wantTokens) {
		t.Errorf("input tokens = %v, want %v", in.tokens, wantTokens)
	}
	if want := []string{"https://a/1.png", "https://a/bg.png", "https://a/c.jpg"}; !slices.Equal(in.images, want) {
		t.Errorf("input images = %q, want %q", in.images, want)
	}
	if want := []string{"https://a/l", "mailto:m@a"}; !slices.Equal(in.links, want) {
		t.Errorf("input links = %q, want %q", in.links, want)
	}

	out := outputContent("# Hello **wor**ld 你\\*好&amp;你\n\n3. x\n\n![alt](<https://a/1 (2).png>) [l](https://a/l \"title\")\n\n```\ncode1\n```\n\n" +
		htmlTableMarker + "\n<table>\n<tbody>\n<tr><td>a&amp;b</td><td><img src=\"https://a/t.png\" alt=\"\"></td></tr>\n</tbody>\n</table>\n")
	wantTokens = map[string]int{"Hello": 1, "world": 1, "你": 2, "好": 1, "3": 1, "x": 1, "l": 1, "code1": 1, "a": 1, "b": 1}
	if !mapsEqual(out.tokens, wantTokens) {
		t.Errorf("output tokens = %v, want %v", out.tokens, wantTokens)
	}
	if want := []string{"https://a/1 (2).png", "https://a/t.png"}; !slices.Equal(out.images, want) {
		t.Errorf("output images = %q, want %q", out.images, want)
	}

	rec := newNoDropRecorder("")
	r := checkNoDroppedContent(`<p>甲乙甲 word</p><p><img src="https://a/1.png"></p><a href="https://a/l">l</a>`, "甲乙 word\n", rec)
	if len(r.problems) != 5 {
		t.Errorf("a lost 甲, image and link give %d problems, want 5 (2 per URL, 1 for text): %q", len(r.problems), r.problems)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// realPostBody is the body the archive gives a real page's post: the
// parser's reading of the page is its golden record beside it
// (exporter/testdata/pages/real/*.golden.json); the post is stored in the
// urls source's shape and decoded as outputs decode it, so picture and text
// posts (whose #js_content is empty) and shares (note and card before the
// body) are checked as they are converted. ok is false for a message page.
func realPostBody(t *testing.T, page, jsBody string) (string, bool) {
	t.Helper()
	golden, err := os.ReadFile(strings.TrimSuffix(page, ".html.gz") + ".golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Kind          string          `json:"kind"`
		Title         string          `json:"title"`
		ItemShowType  int             `json:"item_show_type"`
		CopyrightStat int             `json:"copyright_stat"`
		Pictures      json.RawMessage `json:"pictures"`
		Share         json.RawMessage `json:"share"`
		Text          string          `json:"text"`
	}
	if err := json.Unmarshal(golden, &rec); err != nil {
		t.Fatalf("%s: %v", page, err)
	}
	if rec.Kind != "article" {
		return "", false
	}
	content := rec.Text
	if rec.ItemShowType == archive.ShowTypeArticle {
		content = jsBody
	}
	news := map[string]any{"title": rec.Title, "content": content, "item_show_type": rec.ItemShowType, "copyright_stat": rec.CopyrightStat}
	if len(rec.Pictures) > 0 {
		news["image_info"] = map[string]any{"image_list": rec.Pictures}
	}
	if len(rec.Share) > 0 && string(rec.Share) != "null" {
		news["share"] = rec.Share
	}
	raw, err := json.Marshal(map[string]any{"article_id": "A", "content": map[string]any{"news_item": []any{news}}})
	if err != nil {
		t.Fatal(err)
	}
	arts, err := archive.DecodeItem(archive.URLs, raw)
	if err != nil || len(arts) != 1 {
		t.Fatalf("%s: %v", page, err)
	}
	return arts[0].Content, strings.TrimSpace(arts[0].Content) != ""
}
