package wechattest

import (
	"cmp"
	"net/url"
	"slices"
	"time"
)

// Post kinds beyond the ordinary article. Since 2020 an account can publish
// picture posts (图片分享 / 小绿书), text posts (文本分享), shares of another
// account's article (文章分享, 转载) and video posts, and their pages are of
// other shapes than an article's (docs/wechat-api.md §12): the title, text and
// pictures of a picture post are only in the page's window.cgiDataNew
// object, a text post's text is in cgiDataNew.text_page_info and
// window.__QMTPL_SSR_DATA__, a share is an article page whose body is the
// original's and which names the original in copyright_info. The fake
// writes these pages after the real ones in exporter/testdata/pages/real
// (w05–w09 pictures, w10–w14 text, w15–w17 shares), so that a parser built
// on the real pages reads the fake's unchanged. Video posts are the
// exception: no captured page exists, see videoPageInfo.
//
// Through the API a picture post is an item with article_type "newspic":
// plain text in content and its pictures as permanent image materials in
// image_info.image_list (archive/testdata/a25-draft-get-newspic-wxjava.json).

// PostKind is what a post is, as the issue's `type:` names it.
type PostKind string

// The kinds. An ordinary article is KindArticle.
const (
	KindArticle PostKind = "article"
	KindPicture PostKind = "picture" // item_show_type 8
	KindText    PostKind = "text"    // item_show_type 10
	KindShare   PostKind = "share"   // item_show_type 0, copyright_stat 2
	KindVideo   PostKind = "video"   // item_show_type 5
)

// itemShowType is the page's item_show_type of a kind.
func (k PostKind) itemShowType() int {
	switch k {
	case KindPicture:
		return 8
	case KindText:
		return 10
	case KindVideo:
		return 5
	}
	return 0
}

// postInfo is what an item holds beyond the API fields: its kind and what its
// page shows. The zero value is an ordinary article.
type postInfo struct {
	kind PostKind // "" is an ordinary article
	// text is a picture, text or video post's text as WeChat keeps it
	// (content_noencode): plain text with \n line breaks and, now and then,
	// inline <a> markup (links to articles, references to pictures), as in
	// w08. For a newspic API item it is also the item's content.
	text string
	// pictures of a picture post, in order.
	pictures []picture
	// userTitle: a text post whose author wrote a title (is_user_title 1).
	// Without one WeChat uses the whole text as the title.
	userTitle bool
	share     *shareInfo
	video     *videoInfo
	// plainJS writes cgiDataNew in the 2026 dialect: plain '…' literals
	// (w09, captured 2026-06) instead of JsDecode('…') (w05–w08, 2025).
	// WeChat switched site-wide; the fake mixes both so a parser meets both.
	plainJS bool
	// nickname is the account an original article belongs to ("": this
	// account).
	nickname string
	// original marks a post as 原创 (copyright_stat 1).
	original bool
	// album, when set, puts the post in an album (appmsgalbuminfo), whose
	// own title and link are a trap for a parser that greps for "title:".
	album string
}

// picture is one picture of a picture post or newspic item.
type picture struct {
	imageID string
	url     string // on mmbizHost, as the page's cdn_url (…/0?wx_fmt=…&from=appmsg)
	// mediaID is the permanent image material of a newspic item's picture
	// (image_info.image_list[].image_media_id); "" for page-only posts.
	mediaID string
}

// shareInfo is what a share's page says about the original.
type shareInfo struct {
	original   *item // in account.originals
	platform   string
	sourceBiz  string // __biz of the original's account
	sourceUser string // its gh_ user name
	headImg    string // its avatar
	desc       string // its profile description
	// note is the sharing account's recommendation (编者荐语), "" for none:
	// w16 has one, w15 and w17 none.
	note string
}

// videoInfo is a video post's video. Not modelled on a captured page.
type videoInfo struct {
	vid      string // wxv_…
	file     string // its file on the fake's video host
	seconds  int
	coverURL string
}

// --- listing ---

// PagePosts returns the page-only posts of the newer kinds
// (Options.PicturePosts, TextPosts, SharePosts, VideoPosts, and the demo's),
// oldest first. No list API returns them: a backup reaches them only by
// their links.
func (s *Server) PagePosts() []Article {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.viewAll(s.acct.pagePosts)
}

// SharedOriginals returns the other accounts' articles that shares point
// at, each served on its own link (the share's copyright_info.reprint_url).
func (s *Server) SharedOriginals() []Article {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.viewAll(s.acct.originals)
}

func (s *Server) viewAll(msgs []*message) []Article {
	var out []Article
	for _, m := range msgs {
		for i, it := range m.items {
			a := s.view(m, i, it)
			a.CreateTime = time.Unix(m.created, 0).In(chinaZone)
			out = append(out, a)
		}
	}
	return out
}

// PageLinks returns the links of every page-only article, mass-sent ones
// and posts of the newer kinds, oldest first, in the form a user copies
// from a browser (ArticleLink): what a links file for the urls source
// holds. Shared originals are not among them: they are another account's.
func (s *Server) PageLinks() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var msgs []*message
	msgs = append(msgs, s.pages.massSent...)
	msgs = append(msgs, s.acct.pagePosts...)
	// Oldest first across both lists; stable, so equal times keep list order.
	slices.SortStableFunc(msgs, func(a, b *message) int { return cmp.Compare(a.created, b.created) })
	var out []string
	for _, m := range msgs {
		for _, it := range m.items {
			out = append(out, ArticleLink(it.url))
		}
	}
	return out
}

// markOriginals marks a third of the ordinary articles 原创, chosen by
// their links so the API's answers (which do not show it) stay as they
// were; pages show it as copyright_stat 1.
func (s *Server) markOriginals() {
	for _, list := range [][]*message{s.acct.news, s.acct.published, s.pages.massSent} {
		for _, m := range list {
			for _, it := range m.items {
				if it.kind == "" && fnvSum("original|"+it.url)%3 == 0 {
					it.original = true
				}
			}
		}
	}
}

// registerPageMedia makes what pages show besides content servable: the
// avatars of this account and of the accounts shares point at, and the
// video posts' files on the video host.
func (s *Server) registerPageMedia() {
	bizs := []string{s.acct.biz}
	for _, m := range s.acct.originals {
		u, err := url.Parse(m.items[0].url)
		if err == nil {
			bizs = append(bizs, u.Query().Get("__biz"))
		}
	}
	for _, biz := range bizs {
		s.acct.images[avatarID(biz)] = formatPNG
	}
	for _, m := range s.acct.pagePosts {
		for _, it := range m.items {
			if v := it.video; v != nil {
				s.media.byFile[v.file] = &mediaMaterial{kind: "video", mediaID: v.vid, name: v.vid + ".mp4"}
			}
		}
	}
}
