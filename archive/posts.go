package archive

import (
	"html"
	"net/url"
	"strings"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/mparchive/mparchive/internal/lazyregexp"
)

// Picture, text and video posts have no article body: WeChat keeps their
// text (with newlines for line breaks) and their pictures or videos apart
// (docs/wechat-pages.md). The archive stores them as WeChat gave them and
// shapes them into a body here, when an item is decoded, so that every
// output converts one kind of thing and a better shaping re-renders old
// archives.

// shapePost sets the post kind of an article from its stored item and, for
// the kinds without an HTML body, builds Content.
func shapePost(a *Article, n *NewsItem) {
	switch {
	case n.ArticleType == "newspic" || n.ItemShowType == ShowTypePicture:
		a.Type = PostPicture
		var pictures []ImageListItem
		if n.ImageInfo != nil {
			pictures = n.ImageInfo.ImageList
		}
		for _, img := range pictures {
			key := strings.TrimSpace(img.ImageURL)
			if key == "" && img.ImageMediaID != "" {
				key = MaterialKey(img.ImageMediaID)
			}
			if key != "" {
				a.Pictures = append(a.Pictures, Picture{Key: key, Width: img.Width, Height: img.Height})
			}
		}
		a.Content = TextHTML(n.Content) + picturesHTML(a.Pictures)
	case n.ItemShowType == ShowTypeText:
		a.Type = PostText
		a.Content = TextHTML(n.Content)
	case n.ItemShowType == ShowTypeVideo:
		a.Type = PostVideo
		a.Content = TextHTML(n.Content) + videosHTML(n.VideoIDs, a.ThumbURL)
	case n.ItemShowType != ShowTypeArticle:
		// Whatever the page held was stored as HTML.
		a.Type = ShowTypePost(n.ItemShowType)
	}
	if n.Share != nil && (n.Share.URL != "" || n.Share.Account != "") {
		s := *n.Share
		a.Share = &s
		if a.Type == PostArticle {
			a.Type = PostShare
		}
		a.Content = shareHTML(&s, a.Title) + a.Content
	}
}

// bizOf reads __biz from an article link.
func bizOf(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	return u.Query().Get("__biz")
}

// bareURL finds web addresses written as text. It stops at white space,
// quotes, angle brackets and the CJK punctuation that ends a sentence
// around an address.
var bareURL = lazyregexp.New(`https?://[^\s<>"'，。！？、；：“”‘’（）【】《》「」]+`)

// TextHTML turns the text of a picture, text or video post into HTML
// paragraphs: a blank line separates paragraphs, a newline is a line
// break, web addresses become links. WeChat's text may already hold a few
// tags (links to a picture, to an article, to a mini program): they pass
// through as they are, and addresses inside a link are not linked again.
// The output is meant for the converter, which sanitises it like any body.
func TextHTML(text string) string {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	text = strings.Trim(text, "\n")
	if strings.TrimSpace(text) == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString("<p>")
	inLink := 0
	z := xhtml.NewTokenizer(strings.NewReader(text))
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			break
		}
		if tt != xhtml.TextToken {
			tok := z.Token()
			if tok.DataAtom == atom.A {
				switch tt {
				case xhtml.StartTagToken:
					inLink++
				case xhtml.EndTagToken:
					inLink = max(inLink-1, 0)
				}
			}
			b.WriteString(tok.String())
			continue
		}
		writeTextLines(&b, string(z.Text()), inLink > 0)
	}
	b.WriteString("</p>")
	out := strings.ReplaceAll(b.String(), "<p></p>", "")
	return out
}

// writeTextLines writes text with its newlines as paragraph and line
// breaks, linking addresses unless the text is inside a link already.
func writeTextLines(b *strings.Builder, text string, inLink bool) {
	for i, para := range paragraphBreak.Split(text, -1) {
		if i > 0 {
			b.WriteString("</p><p>")
		}
		for j, line := range strings.Split(para, "\n") {
			if j > 0 {
				b.WriteString("<br>")
			}
			if inLink {
				b.WriteString(html.EscapeString(line))
				continue
			}
			last := 0
			for _, m := range bareURL.FindAllStringIndex(line, -1) {
				u := strings.TrimRight(line[m[0]:m[1]], ".,;:!?)]}")
				b.WriteString(html.EscapeString(line[last:m[0]]))
				b.WriteString(`<a href="` + html.EscapeString(u) + `">` + html.EscapeString(u) + `</a>`)
				last = m[0] + len(u)
			}
			b.WriteString(html.EscapeString(line[last:]))
		}
	}
}

// paragraphBreak is a blank line, possibly holding spaces.
var paragraphBreak = lazyregexp.New(`\n[ \t\x{3000}]*\n\s*`)

// picturesHTML shows a picture post's pictures one to a paragraph, as the
// lazy images of an article body are written, so they are downloaded and
// placed like any other image.
func picturesHTML(pics []Picture) string {
	var b strings.Builder
	for _, p := range pics {
		b.WriteString(`<p><img data-src="` + html.EscapeString(p.Key) + `"></p>`)
	}
	return b.String()
}

// videosHTML writes a video post's videos as the players of an article
// body are written, so the converter shows them as video cards.
func videosHTML(ids []string, cover string) string {
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(`<iframe class="video_iframe" data-vidtype="2" data-mpvid="` + html.EscapeString(id) + `"`)
		if cover != "" {
			b.WriteString(` data-cover="` + html.EscapeString(url.QueryEscape(cover)) + `"`)
		}
		b.WriteString(`></iframe>`)
	}
	return b.String()
}

// shareHTML writes what a share adds before the shared article: the
// sharing account's note and a card naming and linking the original.
func shareHTML(s *Share, title string) string {
	var b strings.Builder
	b.WriteString(TextHTML(s.Note))
	if s.Title != "" {
		title = s.Title
	}
	link := func(text string) string {
		if !isWebLink(s.URL) {
			return html.EscapeString(text)
		}
		return `<a href="` + html.EscapeString(s.URL) + `">` + html.EscapeString(text) + `</a>`
	}
	b.WriteString("<blockquote><p>原文：")
	b.WriteString(link(firstOf(title, s.URL)))
	b.WriteString("</p>")
	if s.Account != "" || s.Author != "" {
		b.WriteString("<p>")
		if s.Account != "" {
			b.WriteString("来自公众号「" + html.EscapeString(s.Account) + "」")
		}
		if s.Author != "" {
			if s.Account != "" {
				b.WriteString("，")
			}
			b.WriteString("作者 " + html.EscapeString(s.Author))
		}
		b.WriteString("</p>")
	}
	b.WriteString("</blockquote>")
	return b.String()
}

func isWebLink(u string) bool {
	l := strings.ToLower(strings.TrimSpace(u))
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://")
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
