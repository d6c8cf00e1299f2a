// Package archive holds the Article model that the fetching and the building
// side share, and the on-disk archive between them: the API's items as
// received, media stored by content hash, and the state a later run resumes
// from. It knows nothing of HTTP or Markdown.
package archive

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Source names one of the API lists an article can come from.
type Source string

// The list sources. Their string values are the names users give to --source
// and the folder names inside the archive, so they must never change.
const (
	News      Source = "news"      // permanent news materials (material/batchget_material)
	Published Source = "published" // free-published articles (freepublish/batchget)
	Drafts    Source = "drafts"    // the draft box (draft/batchget)
	// URLs are article pages fetched by their address, for what no list
	// API reaches (mass-sent articles since the draft-box switch). Their
	// items are stored in the list APIs' shape, so one decoder serves all.
	URLs Source = "urls"
)

// Sources lists every source in the order runs visit them.
var Sources = []Source{News, Published, Drafts, URLs}

// ParseSource checks a source name given by a user.
func ParseSource(s string) (Source, error) {
	for _, src := range Sources {
		if string(src) == s {
			return src, nil
		}
	}
	return "", fmt.Errorf("unknown source %q (want news, published, drafts or urls)", s)
}

// ChinaTime is the zone WeChat shows its times in. A fixed offset rather than
// time.LoadLocation keeps output identical on machines without tzdata.
var ChinaTime = time.FixedZone("CST", 8*60*60)

// Article is one news item: a message (news material, published article or
// draft) holds one to eight of them.
type Article struct {
	Source Source
	// ItemID is the message's media_id (news, drafts) or article_id (published).
	ItemID string
	// Index is the 1-based position of the article inside its message.
	Index int

	Title            string
	Author           string
	Digest           string
	Content          string // the article body HTML as the API returned it
	ContentSourceURL string // the "read original" link
	URL              string // the mp.weixin.qq.com page (a temporary preview for drafts)
	ThumbMediaID     string
	ThumbURL         string

	ShowCoverPic       int
	NeedOpenComment    int
	OnlyFansCanComment int
	// Deleted is true when the API reports the published article deleted.
	Deleted bool
	// Removed is set when upstream stopped listing the article's message;
	// the archive keeps it (see State.Removed).
	Removed *Removal
	// Aliases are the keys of other copies of this article that outputs
	// merged into it (the same article as a news material, a published
	// item and a fetched page). Set by outputs, not stored.
	Aliases []string

	CreateTime time.Time // zero when the API gives none (published, drafts)
	UpdateTime time.Time

	// AccountName is the account's display name (nick_name) and AccountID
	// its __biz, the id every article link carries. Pages give both; API
	// items only the link, so outputs fill the name in from the archive's
	// state (see State.Account).
	AccountName string
	AccountID   string
	// Original is true where WeChat marks the article 原创.
	Original bool
	// Paid is true for a paid (付费) article: the archive holds what its
	// page shows to a visitor who has not paid.
	Paid bool
	// Type is the kind of post; PostArticle (empty) for an ordinary article.
	Type PostType
	// Pictures are a picture post's pictures in order. Content shows them
	// too; they are listed here for outputs that lay them out as a gallery.
	Pictures []Picture
	// Share names the original of a share (转载 / 文章分享).
	Share *Share
}

// PostType is the kind of a post, as outputs name it in front matter.
type PostType string

// The post kinds WeChat publishes (docs/wechat-pages.md).
const (
	PostArticle PostType = ""        // an ordinary article (item_show_type 0)
	PostPicture PostType = "picture" // 图片分享 / 小绿书 (item_show_type 8; "newspic" in the API)
	PostText    PostType = "text"    // 文本分享 (item_show_type 10)
	PostShare   PostType = "share"   // an article of another account shared or reprinted (copyright_stat 2)
	PostVideo   PostType = "video"   // 视频分享 (item_show_type 5)
)

// ShowTypePost names a post whose item_show_type this version does not
// know, so that it is kept, and marked, rather than taken for an article.
func ShowTypePost(itemShowType int) PostType {
	return PostType("show-type-" + strconv.Itoa(itemShowType))
}

// Picture is one picture of a picture post.
type Picture struct {
	// Key is the picture's media-store key: its URL, or a MaterialKey
	// for pictures the API names by media_id.
	Key           string
	Width, Height int
}

// Share is the original article a share points to.
// It is stored in urls items as it is here.
type Share struct {
	URL     string `json:"url"`               // the original's link
	Account string `json:"account,omitempty"` // the original account's name
	Author  string `json:"author,omitempty"`
	Title   string `json:"title,omitempty"`
	// Note is what the sharing account wrote about it (编者荐语): text,
	// with newlines for line breaks.
	Note string `json:"note,omitempty"`
}

// Key identifies the article across runs: source, message id and index.
func (a *Article) Key() string {
	return string(a.Source) + "/" + a.ItemID + "/" + strconv.Itoa(a.Index)
}

// Date is the article's publication time as best known: create_time when the
// API gave one, update_time otherwise.
func (a *Article) Date() time.Time {
	if !a.CreateTime.IsZero() {
		return a.CreateTime
	}
	return a.UpdateTime
}

// CoverKey is the media-store key of the cover image: its URL when the API
// gave one, otherwise a pseudo URL naming the thumb material, which the
// fetcher downloads with get_material.
func (a *Article) CoverKey() string {
	if a.ThumbURL != "" {
		return a.ThumbURL
	}
	if a.ThumbMediaID != "" {
		return MaterialKey(a.ThumbMediaID)
	}
	return ""
}

// MaterialKey is the media-store key of a permanent material fetched by
// media_id rather than by URL.
func MaterialKey(mediaID string) string {
	return materialKeyPrefix + mediaID
}

// materialKeyPrefix starts every MaterialKey. A picture post from the API
// names its pictures so in the body it is shaped into (posts.go).
const materialKeyPrefix = "wechat-material:"

// Permalink is the parts of an mp.weixin.qq.com link that identify an
// article for good: the account (__biz), the message (mid) and the position
// (idx). Sn and chksm change between copies of the link and are ignored.
type Permalink struct {
	Biz string
	Mid string
	Idx string
}

// ParsePermalink reads __biz, mid and idx from an article URL. ok is false
// when the URL lacks them (short /s/xxxx links, draft previews).
func ParsePermalink(raw string) (p Permalink, ok bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return Permalink{}, false
	}
	q := u.Query()
	p = Permalink{Biz: q.Get("__biz"), Mid: q.Get("mid"), Idx: q.Get("idx")}
	return p, p.Biz != "" && p.Mid != "" && p.Idx != ""
}
