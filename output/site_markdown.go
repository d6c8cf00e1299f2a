package output

import (
	"bytes"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	xhtml "golang.org/x/net/html"

	"github.com/mparchive/mparchive/render"
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
	goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(audioPlayerRenderer{}, 500))),
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
	"voice": "voice", "audio-file": "voice", "music": "music", "miniprogram": "miniprogram", "profile": "profile",
	"product": "product", "shop": "product",
}

// embedLabels are the placeholders an embed's quote starts with when its
// link carries no kind (older converter output, or an embed without a
// link); they follow WeChat's own previews.
var embedLabels = map[string]string{
	"[视频]": "video", "[视频号]": "channels", "[语音]": "voice", "[音乐]": "music",
	"[小程序]": "miniprogram", "[公众号]": "profile", "[嵌入]": "other",
}

// embedTransformer turns the quotes the converter writes for embeds
// (render/EMBEDS.md) into cards: the quote gets the classes "embed
// embed-<kind>", which themes style; the main link loses its mparchive:
// title, whose kind and id move into data-embed and data-embed-id, so that
// no id shows as a tooltip, in the text or in the search index; the
// affordance link gets the class embed-action and the "[视频]" label
// becomes a label element; a voice gets a player.
type embedTransformer struct{}

func (embedTransformer) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	src := reader.Source()
	var quotes []*ast.Blockquote
	var voices []*ast.Link
	kinds := map[*ast.Blockquote]string{}
	mains := map[*ast.Blockquote]*ast.Link{}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Blockquote:
			quotes = append(quotes, n)
		case *ast.Link:
			kind, id, ok := render.ParseEmbedTitle(string(n.Title))
			if !ok {
				return ast.WalkContinue, nil
			}
			n.Title = nil
			n.SetAttributeString("class", []byte("embed-link"))
			n.SetAttributeString("data-embed", []byte(kind))
			if id != "" {
				n.SetAttributeString("data-embed-id", []byte(id))
			}
			style, ok := embedKinds[kind]
			if !ok {
				style = "other"
			}
			if kind == "voice" {
				voices = append(voices, n)
			}
			for p := n.Parent(); p != nil; p = p.Parent() {
				if q, ok := p.(*ast.Blockquote); ok {
					if _, done := kinds[q]; !done {
						kinds[q] = style
						mains[q] = n
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
		if !ok {
			continue
		}
		class := "embed embed-" + style
		if m := mains[q]; m != nil {
			if _, img := m.FirstChild().(*ast.Image); img {
				// The cover is the main link: themes lay the card out
				// around it and mark it playable.
				class += " has-cover"
				m.SetAttributeString("class", []byte("embed-link embed-cover"))
			}
		}
		q.SetAttributeString("class", []byte(class))
		markEmbedParts(q, mains[q], src)
	}
	for _, l := range voices {
		addAudioPlayer(l, src)
	}
}

// markEmbedParts marks, in an embed's quote, the links that lead where its
// main link does (the affordance) and the label its text line starts with.
func markEmbedParts(q *ast.Blockquote, main *ast.Link, src []byte) {
	for c := q.FirstChild(); c != nil; c = c.NextSibling() {
		if c.Kind() != ast.KindParagraph {
			continue
		}
		labelToNode(c, src)
		if main == nil {
			continue
		}
		_ = ast.Walk(c, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
			if l, ok := n.(*ast.Link); ok && entering && l != main && bytes.Equal(l.Destination, main.Destination) {
				l.SetAttributeString("class", []byte("embed-action"))
			}
			return ast.WalkContinue, nil
		})
	}
}

// cardLabels are the labels the converter starts a card's line with.
var cardLabels = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range []string{render.EmbedVideo, render.EmbedTencentVideo, render.EmbedVideoFile, render.EmbedAudioFile,
		render.EmbedVoice, render.EmbedMusic, render.EmbedMiniProgram, render.EmbedProfile, render.EmbedChannels,
		render.EmbedProduct, render.EmbedShop, render.EmbedVote, render.EmbedCard, render.EmbedRedPacket, render.EmbedIframe} {
		m[render.EmbedLabel(k)] = true
	}
	return m
}()

// kindEmbedLabel is the node labelToNode puts in place of "[视频] ".
var kindEmbedLabel = ast.NewNodeKind("EmbedLabel")

type embedLabel struct {
	ast.BaseInline
	label string
}

func (n *embedLabel) Kind() ast.NodeKind { return kindEmbedLabel }

func (n *embedLabel) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"label": n.label}, nil)
}

// labelToNode replaces the "[视频] " a paragraph starts with, which goldmark
// reads as the text "[" followed by "视频] …", with an embedLabel.
func labelToNode(para ast.Node, src []byte) {
	open, ok := para.FirstChild().(*ast.Text)
	if !ok || string(open.Segment.Value(src)) != "[" {
		return
	}
	rest, ok := open.NextSibling().(*ast.Text)
	if !ok {
		return
	}
	v := string(rest.Segment.Value(src))
	label, after, ok := strings.Cut(v, "]")
	if !ok || !cardLabels[label] {
		return
	}
	para.InsertBefore(para, open, &embedLabel{label: label})
	para.RemoveChild(para, open)
	skip := len(label) + 1
	if strings.HasPrefix(after, " ") {
		skip++
	}
	if skip >= len(v) {
		para.RemoveChild(para, rest)
		return
	}
	rest.Segment = rest.Segment.WithStart(rest.Segment.Start + skip)
}

// kindAudioPlayer is the node addAudioPlayer puts under a voice's link.
var kindAudioPlayer = ast.NewNodeKind("AudioPlayer")

// audioPlayer is an <audio> element playing a file of the article's
// folder. It is a node of its own, not raw HTML, so that goldmark still
// never passes HTML through.
type audioPlayer struct {
	ast.BaseBlock
	src   []byte // the link destination, a relative path
	label []byte // the link's text as in the Markdown source: name and duration
}

func (n *audioPlayer) Kind() ast.NodeKind { return kindAudioPlayer }

func (n *audioPlayer) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"src": string(n.src)}, nil)
}

// addAudioPlayer puts a player after the paragraph holding a voice's link
// when the link is the archive's copy of the file in a format browsers
// play. A voice whose download failed links WeChat's player address and
// gets no player: the page would otherwise load it from WeChat. AMR and
// SILK voices stay links to the file, which browsers cannot play.
func addAudioPlayer(l *ast.Link, src []byte) {
	if !isPlayableLocalAudio(string(l.Destination)) {
		return
	}
	var para ast.Node = l.Parent()
	for para != nil && para.Kind() != ast.KindParagraph {
		para = para.Parent()
	}
	if para == nil || para.Parent() == nil {
		return
	}
	var label []byte
	_ = ast.Walk(l, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := n.(*ast.Text); ok && entering {
			label = append(label, t.Value(src)...)
		}
		return ast.WalkContinue, nil
	})
	para.Parent().InsertAfter(para.Parent(), para, &audioPlayer{src: l.Destination, label: label})
}

// isPlayableLocalAudio reports a relative link (no scheme, no host) to a
// file whose extension browsers play.
func isPlayableLocalAudio(dest string) bool {
	u, err := url.Parse(dest)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(dest, "/") {
		return false
	}
	switch strings.ToLower(path.Ext(u.Path)) {
	case ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".wav", ".flac", ".webm":
		return true
	}
	return false
}

// audioPlayerRenderer writes audioPlayer nodes. The file is only fetched
// when the reader presses play (preload="none"), so a page of many voices
// stays light.
type audioPlayerRenderer struct{}

func (audioPlayerRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(kindEmbedLabel, func(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			_, _ = w.WriteString(`<span class="embed-label">`)
			_, _ = w.Write(util.EscapeHTML([]byte(n.(*embedLabel).label)))
			_, _ = w.WriteString("</span> ")
		}
		return ast.WalkContinue, nil
	})
	reg.Register(kindAudioPlayer, func(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		p := n.(*audioPlayer)
		_, _ = w.WriteString(`<audio class="embed-player" controls preload="none" src="`)
		_, _ = w.Write(util.EscapeHTML(util.URLEscape(p.src, true)))
		_, _ = w.WriteString(`" title="`)
		gmhtml.DefaultWriter.Write(w, p.label)
		_, _ = w.WriteString("\"></audio>\n")
		return ast.WalkContinue, nil
	})
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
