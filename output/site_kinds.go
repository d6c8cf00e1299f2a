package output

import (
	"bytes"
	"html"
	"strings"

	"github.com/mparchive/mparchive/archive"
)

// What the site shows of the account and of the kinds of post
// (docs/wechat-pages.md):
//
//   - the account's name is the site's title unless --site-title is given,
//     and beside that title otherwise; every article page names its
//     account in its meta line, lists name it only for posts of another
//     account (the originals that --follow-shares fetched); the feed names
//     it as its author, and as the author of entries without one;
//   - badges for the kind of post (图片, 文字, 转载, 视频), 原创 and 付费, on
//     article pages and in lists;
//   - a picture post's pictures as a gallery under its text: a grid of
//     thumbnails, each a link to the picture itself, with the picture's
//     size as width and height so the page does not jump while they load.
//     The body is converted from the text alone (bodySource), so the
//     pictures are not shown twice; the feed, which has no gallery, gets
//     them after the text;
//   - a share's card, the quote that names the original, styled as a card
//     (the first quote of a share's body: the sharing account's note comes
//     before it, the shared article after), and the original linked in the
//     footer.

// typeLabels are the badges of the kinds of post; other item_show_types
// get typeLabelOther.
var typeLabels = map[archive.PostType]string{
	archive.PostPicture: "图片",
	archive.PostText:    "文字",
	archive.PostShare:   "转载",
	archive.PostVideo:   "视频",
}

const typeLabelOther = "其他"

// defaultSiteTitle is the title of a site whose account is not known.
const defaultSiteTitle = "公众号存档"

func typeLabel(t archive.PostType) string {
	if t == archive.PostArticle {
		return ""
	}
	if l, ok := typeLabels[t]; ok {
		return l
	}
	return typeLabelOther
}

// galleryItem is one picture of a picture post's gallery.
type galleryItem struct {
	Src           string // file name beside the page, or the remote URL
	Width, Height int    // as WeChat gave them; 0 when unknown
	Missing       bool   // neither stored nor reachable: a placeholder
}

// body gives the site's converter a picture post's text without the
// pictures its gallery shows.
func (s *siteBuild) body(art *archive.Article) string {
	if text, ok := art.TextContent(); ok {
		return text
	}
	return art.Content
}

// gallery lays out the pictures of a picture post whose body was
// converted without them (textOnly); nil for any other article.
func gallery(art *archive.Article, imgs pageImages, textOnly bool) []galleryItem {
	if !textOnly {
		return nil
	}
	out := make([]galleryItem, 0, len(art.Pictures))
	for _, p := range art.Pictures {
		it := galleryItem{Width: max(p.Width, 0), Height: max(p.Height, 0)}
		switch name := localName(imgs, p.Key); {
		case name != "":
			it.Src = linkPath(name)
		case isWebLink(p.Key):
			it.Src = strings.TrimSpace(p.Key)
		default:
			it.Missing = true
		}
		if it.Width == 0 || it.Height == 0 {
			it.Width, it.Height = 0, 0
		}
		out = append(out, it)
	}
	return out
}

func localName(imgs pageImages, key string) string {
	if imgs.local == nil {
		return ""
	}
	return imgs.local(key)
}

// galleryColumns is how many thumbnails a row of the gallery holds: one
// picture is shown whole, two and four make a square of two, others rows
// of three, as WeChat lays them out.
func galleryColumns(n int) int {
	switch n {
	case 1:
		return 1
	case 2, 4:
		return 2
	}
	return 3
}

// galleryFeedHTML is the gallery as the feed carries it, after the text:
// readers show no grid, and the page's address resolves the names.
func galleryFeedHTML(items []galleryItem) string {
	var b strings.Builder
	for _, it := range items {
		if it.Missing {
			continue
		}
		b.WriteString(`<p><img src="` + html.EscapeString(it.Src) + `" alt=""></p>`)
	}
	return b.String()
}

// otherAccount tells whether a post is of another account than the
// archive's: by __biz when both are known, else by name.
func otherAccount(site *archive.Account, art *archive.Article) bool {
	if site == nil || art.AccountName == "" {
		return false
	}
	if site.ID != "" && art.AccountID != "" {
		return site.ID != art.AccountID
	}
	return site.Name != "" && site.Name != strings.TrimSpace(art.AccountName)
}

// coverShownBelow tells whether a post's page would show its cover twice:
// a picture post's page shows its pictures, as WeChat's does, and no
// cover; a video post's card shows the cover already.
func coverShownBelow(p *sitePost, body []byte) bool {
	switch {
	case len(p.Gallery) > 0:
		return true
	case p.Type == archive.PostVideo && p.Cover != "" && !isRemoteURL(p.Cover):
		return bytes.Contains(body, []byte(`src="`+linkPath(p.Cover)+`"`))
	}
	return false
}

func remoteGallery(items []galleryItem) bool {
	for _, it := range items {
		if isRemoteURL(it.Src) {
			return true
		}
	}
	return false
}

// siteTitle makes the account's name the site's title when no title was
// given.
func (w *SiteWriter) siteTitle(account *archive.Account) {
	if w.titled {
		return
	}
	w.opts.SiteTitle = defaultSiteTitle
	if account != nil && strings.TrimSpace(account.Name) != "" {
		w.opts.SiteTitle = strings.TrimSpace(account.Name)
	}
}

// accountBesideTitle is the account's name when the site's title is
// another (given with --site-title), for the header to show both.
func (s *siteBuild) accountBesideTitle() string {
	if s.account == nil {
		return ""
	}
	if name := strings.TrimSpace(s.account.Name); name != s.w.opts.SiteTitle {
		return name
	}
	return ""
}
