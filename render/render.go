// Package render turns WeChat article HTML into Markdown and Markdown into
// HTML. It knows no files and no API.
//
// The HTML→Markdown side is html-to-markdown v2 with its base, commonmark
// and strikethrough plugins plus a "wechat" plugin (wechat.go) that
// rewrites the editor markup WeChat articles are made of (nested styled
// sections, lazy images, code-snippet blocks, custom embed elements) before
// the generic rules see it. The Markdown→HTML side is goldmark with GFM and
// the CJK extension.
package render

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/base"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/commonmark"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/strikethrough"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// Options tune one conversion.
type Options struct {
	// ImageURL maps an image URL exactly as found in the HTML (the value of
	// data-src, src or a CSS url(), entity-decoded and trimmed) to the link
	// the Markdown should carry. It returns "" to keep the remote URL.
	ImageURL func(remote string) string
	// LinkURL maps a link target exactly as found in the HTML (the href,
	// entity-decoded and trimmed, e.g. an article link
	// "https://mp.weixin.qq.com/s?__biz=…==&mid=…&idx=…") to the link the
	// Markdown should carry, typically a local page of an archived article.
	// It returns "" to keep the link as it was. javascript: links never
	// reach it: they are dropped and their text kept.
	LinkURL func(href string) string
	// MediaURL maps the address of a media file an embed plays (a voice
	// message's https://res.wx.qq.com/voice/getvoice?mediaid=… address, as
	// in Embed.URL) to the link the Markdown should carry, typically the
	// local copy. It returns "" to keep the remote address.
	MediaURL func(remote string) string
}

// Converter converts article bodies. One Converter is safe for concurrent use.
type Converter struct {
	toMarkdown *converter.Converter
	// toHTML is built on the first ToHTML: `mparchive convert` and the
	// conversion cache only ever go one way.
	toHTML func() goldmark.Markdown
}

// New builds a Converter.
func New() *Converter {
	toMarkdown := converter.NewConverter(
		converter.WithPlugins(
			base.NewBasePlugin(),
			commonmark.NewCommonmarkPlugin(
				// WeChat uses <a> without href for hashtags and decorations;
				// "[text]()" would be noise, the text alone is the content.
				commonmark.WithLinkEmptyHrefBehavior(commonmark.LinkBehaviorSkip),
				commonmark.WithLinkEmptyContentBehavior(commonmark.LinkBehaviorSkip),
			),
			strikethrough.NewStrikethroughPlugin(),
			&wechatPlugin{},
		),
	)
	toHTML := sync.OnceValue(func() goldmark.Markdown {
		return goldmark.New(
			goldmark.WithExtensions(extension.GFM, extension.CJK),
			goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(trustedHTML{}, 100))),
		)
	})
	return &Converter{toMarkdown: toMarkdown, toHTML: toHTML}
}

// optionsKey carries the per-call Options through html-to-markdown's context,
// because the plugin is shared by every conversion and cannot hold them.
type optionsKey struct{}

func optionsFrom(ctx context.Context) Options {
	opts, _ := ctx.Value(optionsKey{}).(Options)
	return opts
}

// mapImage applies opts.ImageURL, falling back to the remote URL when the
// caller has no local copy.
func (o Options) mapImage(remote string) string { return mapURL(o.ImageURL, remote) }

// mapMedia applies opts.MediaURL like mapImage.
func (o Options) mapMedia(remote string) string { return mapURL(o.MediaURL, remote) }

func mapURL(mapping func(string) string, remote string) string {
	if mapping == nil {
		return remote
	}
	if local := mapping(remote); local != "" {
		return local
	}
	return remote
}

// Convert returns the Markdown of one article body. Non-empty Markdown ends
// with exactly one newline; an article without content gives "".
func (c *Converter) Convert(html string, opts Options) (string, error) {
	doc, err := parseArticle(html)
	if err != nil {
		return "", err
	}
	ctx := context.WithValue(context.Background(), optionsKey{}, opts)
	md, err := c.toMarkdown.ConvertNode(doc, converter.WithContext(ctx))
	if err != nil {
		return "", err
	}
	return finishMarkdown(md), nil
}

// finishMarkdown gives every output the same ending so that files written
// from it are byte-stable, and guarantees UTF-8 even when the HTML was not.
func finishMarkdown(md []byte) string {
	md = bytes.TrimRight(md, " \t\r\n")
	if len(md) == 0 {
		return ""
	}
	if !utf8.Valid(md) {
		md = bytes.ToValidUTF8(md, []byte("\uFFFD"))
	}
	// One copy, newline included.
	var b strings.Builder
	b.Grow(len(md) + 1)
	b.Write(md)
	b.WriteByte('\n')
	return b.String()
}

// ToHTML renders Markdown written by Convert as an HTML fragment, with GFM
// (tables, strikethrough, autolinks) and goldmark's CJK line-break rules.
// Raw HTML in the Markdown is not passed through, except what Convert
// writes itself: <br> for line breaks inside table cells, and the HTML
// tables marked with "<!-- mparchive:table -->" (htmltable.go), which are
// re-sanitised against a whitelist on the way.
func (c *Converter) ToHTML(markdown []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := c.toHTML().Convert(markdown, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
