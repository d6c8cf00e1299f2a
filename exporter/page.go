package exporter

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	xhtml "golang.org/x/net/html"

	"github.com/mparchive/mparchive/archive"
)

// An article link answers with one of several page shapes (docs/wechat-pages.md):
// an ordinary article with its body in #js_content; a picture, text or
// video post whose content is only in the page's script data
// (window.cgiDataNew); a share of another account's article; or a WeChat
// message instead of any of them (deleted, removed, account banned,
// "verify you are human"), in Chinese or, for clients that ask for it, in
// English. ParseArticlePage tells them apart and reads each.

// PageKind tells what an article URL answered with.
type PageKind int

const (
	// PageArticle is a post: an article, or a picture, text, video post or
	// share (ArticlePage.ItemShowType and Share tell which).
	PageArticle PageKind = iota
	// PageDeleted: the author deleted it (该内容已被发布者删除, "The content
	// has been deleted by the author.").
	PageDeleted
	// PageRemoved: WeChat took it down (此内容因违规无法查看, 被多人投诉).
	PageRemoved
	// PageBanned: the account is banned, blocked, migrated or closed.
	PageBanned
	// PageUnavailable: WeChat cannot show it for now (暂时无法查看); a later
	// run may get it.
	PageUnavailable
	// PageExpired: the link has expired (链接已过期), as preview links do.
	PageExpired
	// PageVerify: WeChat wants a human check (环境异常, 完成验证后即可继续访问,
	// 访问过于频繁). Every further request would get it too.
	PageVerify
	// PageUnknown: none of the above, e.g. 参数错误 for a mistyped link, or
	// a page layout this version does not know.
	PageUnknown
)

// pageKindNames are the kinds as messages name them.
var pageKindNames = [...]string{
	PageArticle:     "article",
	PageDeleted:     "deleted by the author",
	PageRemoved:     "removed by WeChat",
	PageBanned:      "account banned or closed",
	PageUnavailable: "temporarily unavailable",
	PageExpired:     "link expired",
	PageVerify:      "verification required",
	PageUnknown:     "not an article page",
}

func (k PageKind) String() string {
	if k >= 0 && int(k) < len(pageKindNames) {
		return pageKindNames[k]
	}
	return fmt.Sprintf("PageKind(%d)", int(k))
}

// ArticlePage is what one page said.
type ArticlePage struct {
	Kind PageKind
	// Message is the text of a WeChat message page (deleted, banned, …).
	Message string

	Title       string
	Author      string
	AccountName string
	Digest      string
	Cover       string // og:image, or msg_cdn_url
	SourceURL   string // 阅读原文, msg_source_url
	PublishTime time.Time
	// Body is the post's content as the page holds it: for an article or
	// a share the inner HTML of #js_content, byte for byte (the API's
	// content field holds the same markup); for a picture, text or video
	// post its text, with newlines for line breaks (archive.TextHTML
	// shapes it); for a post of a kind this version does not know, HTML.
	Body string

	// ItemShowType is the page's item_show_type (archive.ShowType*).
	ItemShowType int
	// CopyrightStat is 1 for 原创, 2 for a share (archive.Copyright*).
	CopyrightStat int
	// Paid is true for a paid article; Body is what the page shows of it.
	Paid bool
	// Pictures are a picture post's pictures, in order.
	Pictures []archive.ImageListItem
	// Share names the original of a share.
	Share *archive.Share
	// VideoIDs are a video post's video ids.
	VideoIDs []string

	// Biz, Mid, Idx and Sn identify the article (docs/wechat-pages.md);
	// from the URL, else from the page's own script data.
	Biz, Mid, Idx, Sn string
}

// Permalink is the article's __biz/mid/idx, the key that tells the same
// article apart across sources and link forms.
func (p *ArticlePage) Permalink() (archive.Permalink, bool) {
	pl := archive.Permalink{Biz: p.Biz, Mid: p.Mid, Idx: p.Idx}
	return pl, pl.Biz != "" && pl.Mid != "" && pl.Idx != ""
}

// CanonicalURL is the article's link in the form WeChat itself links to it:
// https, with only __biz, mid, idx and sn (chksm, scene and the fragment
// change between copies of a link and do not name a different article).
// Without a permalink it is the link the page was fetched from.
func (p *ArticlePage) CanonicalURL(fetchedFrom string) string {
	if _, ok := p.Permalink(); !ok {
		return fetchedFrom
	}
	return canonicalArticleURL(p.Biz, p.Mid, p.Idx, p.Sn)
}

// canonicalArticleURL is built by hand to keep WeChat's parameter order;
// url.Values sorts.
func canonicalArticleURL(biz, mid, idx, sn string) string {
	u := "https://" + mpHost + "/s?__biz=" + url.QueryEscape(biz) + "&mid=" + url.QueryEscape(mid) +
		"&idx=" + url.QueryEscape(idx)
	if sn != "" {
		u += "&sn=" + url.QueryEscape(sn)
	}
	return u
}

// ContentHash is the hex SHA-256 of the body, for telling copies of one
// article apart from edits when the permalink is not enough.
func (p *ArticlePage) ContentHash() string {
	sum := sha256.Sum256([]byte(p.Body))
	return hex.EncodeToString(sum[:])
}

// ParseArticlePage reads one fetched page. finalURL is where the request
// ended up after redirects (WeChat redirects to its captcha page). An error
// means the bytes are not HTML at all; a WeChat message page is not an
// error but a Kind.
func ParseArticlePage(finalURL string, page []byte) (*ArticlePage, error) {
	// The head decides; its last rune may be cut by the 4 KB cut.
	head := page[:min(len(page), 4096)]
	for i := 0; i < utf8.UTFMax-1 && len(head) > 0 && !utf8.Valid(head); i++ {
		head = head[:len(head)-1]
	}
	if !utf8.Valid(head) {
		return nil, errors.New("the page is not UTF-8 text")
	}
	doc, err := xhtml.Parse(bytes.NewReader(page))
	if err != nil {
		return nil, fmt.Errorf("the page is not HTML: %w", err)
	}
	if u, err := url.Parse(finalURL); err == nil && (strings.Contains(u.Path, "wappoc_appmsgcaptcha") || strings.Contains(u.Path, "verifycode")) {
		return &ArticlePage{Kind: PageVerify, Message: messageText(doc)}, nil
	}
	pg := readPage(doc, page)
	if !pg.holdsPost() {
		return classifyMessage(doc), nil
	}
	p := &ArticlePage{Kind: PageArticle}
	pg.fill(p)
	p.Biz, p.Mid, p.Idx, p.Sn = pg.identity(finalURL)
	return p, nil
}
