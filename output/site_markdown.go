package output

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	xhtml "golang.org/x/net/html"
)

// siteMarkdown renders article bodies for the site: GFM, footnotes, heading
// ids and CJK line breaking. Raw HTML stays off (goldmark's default): the
// converter escapes the source HTML, and goldmark drops what is left, so
// nothing of the article's markup reaches the page except through the
// Markdown it was turned into. Embeds become cards through attributes that
// goldmark itself escapes. One goldmark.Markdown is safe for concurrent use.
var siteMarkdown = goldmark.New(
	goldmark.WithExtensions(extension.GFM, extension.Footnote, extension.CJK),
	goldmark.WithParserOptions(
		parser.WithAutoHeadingID(),
		parser.WithASTTransformers(util.Prioritized(embedTransformer{}, 500)),
	),
)

// markdownToHTML renders one article body.
func markdownToHTML(md string) ([]byte, error) {
	var buf bytes.Buffer
	ctx := parser.NewContext(parser.WithIDs(&headingIDs{seen: map[string]bool{}}))
	if err := siteMarkdown.Convert([]byte(md), &buf, parser.WithContext(ctx)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// headingIDs keeps the letters of every script in heading ids, so that a
// Chinese heading gets "#第一章" rather than goldmark's ASCII-only
// "#heading-3".
type headingIDs struct {
	seen map[string]bool
}

func (h *headingIDs) Generate(value []byte, kind ast.NodeKind) []byte {
	id := slugWords(string(value), 60, 150)
	if id == "" {
		id = "heading"
		if kind != ast.KindHeading {
			id = "id"
		}
	}
	base := id
	for n := 1; h.seen[id]; n++ {
		id = base + "-" + strconv.Itoa(n)
	}
	h.seen[id] = true
	return []byte(id)
}

func (h *headingIDs) Put(value []byte) { h.seen[string(value)] = true }

// embedKinds maps the kinds the converter writes into an embed link's title
// ("mparchive:video wxv_…") to the card style the themes know.
var embedKinds = map[string]string{
	"video": "video", "tencent-video": "video", "video-file": "video", "channels": "channels",
	"voice": "voice", "music": "music", "miniprogram": "miniprogram", "profile": "profile",
}

// embedLabels are the placeholders an embed's quote starts with when its
// link carries no kind (older converter output, or an embed without a
// link); they follow WeChat's own previews.
var embedLabels = map[string]string{
	"[视频]": "video", "[视频号]": "channels", "[语音]": "voice", "[音乐]": "music",
	"[小程序]": "miniprogram", "[公众号]": "profile", "[嵌入]": "other",
}

const embedTitlePrefix = "mparchive:"

// embedTransformer marks the quotes the converter writes for embeds (video,
// voice, music, mini program, account card) with the classes "embed
// embed-<kind>", which themes style as cards, and removes the mparchive:
// marker titles from their links so they do not show as tooltips.
type embedTransformer struct{}

func (embedTransformer) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	src := reader.Source()
	var quotes []*ast.Blockquote
	kinds := map[*ast.Blockquote]string{}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Blockquote:
			quotes = append(quotes, n)
		case *ast.Link:
			title := string(n.Title)
			if !strings.HasPrefix(title, embedTitlePrefix) {
				return ast.WalkContinue, nil
			}
			n.Title = nil
			n.SetAttributeString("class", []byte("embed-link"))
			kind, _, _ := strings.Cut(strings.TrimPrefix(title, embedTitlePrefix), " ")
			style, ok := embedKinds[kind]
			if !ok {
				style = "other"
			}
			for p := n.Parent(); p != nil; p = p.Parent() {
				if q, ok := p.(*ast.Blockquote); ok {
					if _, done := kinds[q]; !done {
						kinds[q] = style
					}
					break
				}
			}
		}
		return ast.WalkContinue, nil
	})
	for _, q := range quotes {
		style, ok := kinds[q]
		if !ok {
			style, ok = labelKind(q, src)
		}
		if ok {
			q.SetAttributeString("class", []byte("embed embed-"+style))
		}
	}
}

// labelKind looks for an embed label at the start of any paragraph of the
// quote.
func labelKind(q *ast.Blockquote, src []byte) (string, bool) {
	for c := q.FirstChild(); c != nil; c = c.NextSibling() {
		if c.Kind() != ast.KindParagraph {
			continue
		}
		lines := c.Lines()
		if lines.Len() == 0 {
			continue
		}
		first := lines.At(0)
		line := string(first.Value(src))
		for label, kind := range embedLabels {
			if strings.HasPrefix(line, label) {
				return kind, true
			}
		}
	}
	return "", false
}

// plainText extracts the text of rendered HTML for the search index, with
// block ends as line breaks.
func plainText(page []byte) string {
	var b strings.Builder
	z := xhtml.NewTokenizer(bytes.NewReader(page))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return strings.TrimSpace(b.String())
		case xhtml.TextToken:
			b.Write(z.Text())
		case xhtml.EndTagToken, xhtml.SelfClosingTagToken, xhtml.StartTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "blockquote", "pre", "div":
				if s := b.String(); s != "" && !strings.HasSuffix(s, "\n") {
					b.WriteByte('\n')
				}
			}
		}
	}
}

// hasRemoteImage reports whether rendered HTML shows an image from another
// host, which needs the no-referrer policy.
func hasRemoteImage(page []byte) bool {
	for _, p := range [][]byte{[]byte(`<img src="http://`), []byte(`<img src="https://`), []byte(`<img src="//`)} {
		if bytes.Contains(page, p) {
			return true
		}
	}
	return false
}
