package exporter

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/mparchive/mparchive/archive"
)

// The URL source reads article web pages (mp.weixin.qq.com/s…), for what no
// list API reaches: articles mass-sent after the draft-box switch, topic
// posts (wechat-api.md §0.2, §5). A page is not an API answer: it can be a
// WeChat message instead of the article (deleted, removed, account banned,
// "verify you are human"), and asking too fast gets the verification page
// for every further request. So pages are fetched one at a time, with a
// pause between them, and classified before anything is stored.

// Defaults of URLOptions.
const (
	DefaultPageInterval = time.Second
	defaultPageAttempts = 4
	defaultPageTimeout  = 30 * time.Second
	// maxPageBytes bounds one page: article pages are 0.1–3 MB with their
	// inline scripts; more is not an article page.
	maxPageBytes = 32 << 20
	// mpHost is where article pages live.
	mpHost = "mp.weixin.qq.com"
)

// PageKind tells what an article URL answered with.
type PageKind int

const (
	// PageArticle is the article itself.
	PageArticle PageKind = iota
	// PageDeleted: the author deleted it (该内容已被发布者删除).
	PageDeleted
	// PageRemoved: WeChat took it down (此内容因违规无法查看, 被多人投诉).
	PageRemoved
	// PageBanned: the account is banned, blocked or closed.
	PageBanned
	// PageVerify: WeChat wants a human check (环境异常, 完成验证后即可继续访问,
	// 访问过于频繁). Every further request would get it too.
	PageVerify
	// PageUnknown: none of the above, e.g. 参数错误 for a mistyped link, or
	// a page layout this version does not know.
	PageUnknown
)

func (k PageKind) String() string {
	switch k {
	case PageArticle:
		return "article"
	case PageDeleted:
		return "deleted by the author"
	case PageRemoved:
		return "removed by WeChat"
	case PageBanned:
		return "account banned or closed"
	case PageVerify:
		return "verification required"
	case PageUnknown:
		return "not an article page"
	}
	return fmt.Sprintf("PageKind(%d)", int(k))
}

// ErrVerification is wrapped by the error FetchURLs returns when WeChat
// answers with its verification page: the run stops there, because going on
// would only make WeChat stricter.
var ErrVerification = errors.New("WeChat asks for a verification (环境异常 / 完成验证后即可继续访问)")

// PageError reports a URL that did not give an article.
type PageError struct {
	URL     string
	Kind    PageKind
	Message string // the text WeChat showed, when there was one
}

func (e *PageError) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("%s: %s (%s)", e.URL, e.Kind, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.URL, e.Kind)
}

// Is makes errors.Is(err, ErrVerification) true for a verification page.
func (e *PageError) Is(target error) bool {
	return target == ErrVerification && e.Kind == PageVerify
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
	// Body is the inner HTML of #js_content, byte for byte as the page had it
	// (the API's content field holds the same markup).
	Body string

	// Biz, Mid, Idx and Sn identify the article (wechat-api.md §2); from
	// the URL, else from the page's own script variables.
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
	// Built by hand to keep WeChat's parameter order; url.Values sorts.
	u := "https://" + mpHost + "/s?__biz=" + url.QueryEscape(p.Biz) + "&mid=" + url.QueryEscape(p.Mid) +
		"&idx=" + url.QueryEscape(p.Idx)
	if p.Sn != "" {
		u += "&sn=" + url.QueryEscape(p.Sn)
	}
	return u
}

// ContentHash is the hex SHA-256 of the body, for telling copies of one
// article apart from edits when the permalink is not enough.
func (p *ArticlePage) ContentHash() string {
	sum := sha256.Sum256([]byte(p.Body))
	return hex.EncodeToString(sum[:])
}

// URLItemID is the archive id of the article at pl: the permalink itself,
// readable and stable whatever form of link it was fetched by. The base64
// of __biz becomes URL-safe so the id is a safe file name.
func URLItemID(pl archive.Permalink) string {
	biz := strings.NewReplacer("+", "-", "/", "_").Replace(pl.Biz)
	return biz + "_" + pl.Mid + "_" + pl.Idx
}

// urlItemIDFromLink is the id of an article whose page gave no permalink.
func urlItemIDFromLink(canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return "h-" + hex.EncodeToString(sum[:16])
}

// --- reading the URL list ---

// ReadURLList reads article links, one a line; blank lines and lines
// starting with # are skipped, &amp; (from copying out of HTML) is undone,
// and a link given twice (also as another copy of the same article's link)
// is kept once. Every bad line is named in one error, so a long list is
// fixed in one go.
func ReadURLList(r io.Reader) ([]string, error) {
	var (
		out  []string
		bad  []string
		seen = map[string]bool{}
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		u, err := NormalizeArticleURL(s)
		if err != nil {
			bad = append(bad, fmt.Sprintf("line %d: %v", line, err))
			continue
		}
		key := u
		if pl, ok := archive.ParsePermalink(u); ok {
			key = URLItemID(pl)
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, u)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the URL list: %w", err)
	}
	if len(bad) > 0 {
		if len(bad) > 20 {
			bad = append(bad[:20], fmt.Sprintf("… and %d more", len(bad)-20))
		}
		return nil, fmt.Errorf("the URL list has lines that are not article links "+
			"(want https://mp.weixin.qq.com/s/… or https://mp.weixin.qq.com/s?__biz=…&mid=…&idx=…&sn=…):\n  %s",
			strings.Join(bad, "\n  "))
	}
	return out, nil
}

// NormalizeArticleURL checks that raw is an article link and returns it in
// the form it is fetched by: https, the short /s/<id> path as is, the long
// form with only __biz, mid, idx and sn.
func NormalizeArticleURL(raw string) (string, error) {
	s := strings.ReplaceAll(strings.TrimSpace(raw), "&amp;", "&")
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%q: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("%q is not a web link", raw)
	}
	if !strings.EqualFold(u.Hostname(), mpHost) {
		return "", fmt.Errorf("%q is not on %s", raw, mpHost)
	}
	switch {
	case u.Path == "/s" || u.Path == "/mp/appmsg/show":
		q := u.Query()
		if q.Get("__biz") == "" || q.Get("mid") == "" && q.Get("appmsgid") == "" {
			return "", fmt.Errorf("%q lacks __biz or mid", raw)
		}
		if u.Path == "/mp/appmsg/show" {
			// The pre-2014 form names mid and idx differently.
			q.Set("mid", q.Get("appmsgid"))
			q.Set("idx", q.Get("itemidx"))
		}
		p := ArticlePage{Biz: q.Get("__biz"), Mid: q.Get("mid"), Idx: q.Get("idx"), Sn: q.Get("sn")}
		if p.Idx == "" {
			p.Idx = "1"
		}
		return p.CanonicalURL(""), nil
	case strings.HasPrefix(u.Path, "/s/"):
		id := strings.TrimPrefix(u.Path, "/s/")
		if id == "" || strings.Contains(id, "/") {
			return "", fmt.Errorf("%q is not an article link", raw)
		}
		return "https://" + mpHost + "/s/" + id, nil
	}
	return "", fmt.Errorf("%q is not an article link", raw)
}

// --- parsing a page ---

// Texts WeChat shows instead of an article. Checked only when the page has
// no article body, since an article may quote them.
var pageMessages = []struct {
	kind PageKind
	text string
}{
	{PageVerify, "环境异常"},
	{PageVerify, "完成验证后即可继续访问"},
	{PageVerify, "访问过于频繁"},
	{PageVerify, "请在微信客户端打开链接"},
	// The account's fate before the article's: a banned account's page
	// also says its content cannot be viewed.
	{PageBanned, "已被封禁"},
	{PageBanned, "帐号已被屏蔽"},
	{PageBanned, "账号已被屏蔽"},
	{PageBanned, "已自主注销"},
	{PageBanned, "帐号已注销"},
	{PageBanned, "账号已注销"},
	{PageBanned, "已迁移"},
	{PageDeleted, "已被发布者删除"},
	{PageRemoved, "因违规无法查看"},
	{PageRemoved, "被多人投诉"},
	{PageRemoved, "违反相关法律法规"},
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
	if u, err := url.Parse(finalURL); err == nil && (strings.Contains(u.Path, "wappoc_appmsgcaptcha") || strings.Contains(u.Path, "verifycode")) {
		p := &ArticlePage{Kind: PageVerify}
		if doc, err := xhtml.Parse(bytes.NewReader(page)); err == nil {
			p.Message = messageText(doc)
		}
		return p, nil
	}
	doc, err := xhtml.Parse(bytes.NewReader(page))
	if err != nil {
		return nil, fmt.Errorf("the page is not HTML: %w", err)
	}
	p := &ArticlePage{}
	scripts := scriptText(doc)
	content := findByID(doc, "js_content")
	if content == nil {
		p.Kind = PageUnknown
		p.Message = messageText(doc)
		text := visibleText(doc)
		for _, m := range pageMessages {
			if strings.Contains(text, m.text) {
				p.Kind = m.kind
				break
			}
		}
		return p, nil
	}
	p.Kind = PageArticle
	p.Body = innerHTML(page, content)

	meta := metaTags(doc)
	p.Title = firstNonEmpty(meta["og:title"], nodeText(findByID(doc, "activity-name")),
		jsVar(scripts, "msg_title"), nodeText(findFirst(doc, atom.Title)))
	p.Author = firstNonEmpty(meta["author"], nodeText(findByID(doc, "js_author_name")), jsVar(scripts, "author"))
	p.AccountName = firstNonEmpty(nodeText(findByID(doc, "js_name")), jsVar(scripts, "nickname"))
	p.Digest = firstNonEmpty(meta["og:description"], meta["description"], jsVar(scripts, "msg_desc"))
	p.Cover = firstNonEmpty(meta["og:image"], jsVar(scripts, "msg_cdn_url"))
	p.SourceURL = jsVar(scripts, "msg_source_url")
	p.PublishTime = publishTime(scripts)

	// The link names the article most reliably; the script variables
	// name it when the link was a short /s/… one.
	if u, err := url.Parse(finalURL); err == nil {
		q := u.Query()
		p.Biz, p.Mid, p.Idx, p.Sn = q.Get("__biz"), q.Get("mid"), q.Get("idx"), q.Get("sn")
	}
	if p.Biz == "" || p.Mid == "" || p.Idx == "" {
		p.Biz, p.Mid, p.Idx, p.Sn = jsVar(scripts, "biz"), jsVar(scripts, "mid"), jsVar(scripts, "idx"), jsVar(scripts, "sn")
		if p.Biz == "" || p.Mid == "" || p.Idx == "" {
			if pl, ok := archive.ParsePermalink(meta["og:url"]); ok {
				p.Biz, p.Mid, p.Idx = pl.Biz, pl.Mid, pl.Idx
				if u, err := url.Parse(meta["og:url"]); err == nil {
					p.Sn = u.Query().Get("sn")
				}
			}
		}
	}
	return p, nil
}

// publishTime reads ct (Unix seconds, what the page's own clock shows),
// then create_time in either of its forms.
func publishTime(scripts string) time.Time {
	for _, name := range []string{"ct", "create_time", "createTime", "publish_time"} {
		v := jsVar(scripts, name)
		if v == "" {
			continue
		}
		if sec, err := strconv.ParseInt(v, 10, 64); err == nil && sec > 0 {
			return time.Unix(sec, 0).In(archive.ChinaTime)
		}
		for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
			if t, err := time.ParseInLocation(layout, v, archive.ChinaTime); err == nil {
				return t
			}
		}
	}
	return time.Time{}
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func attr(n *xhtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func findByID(n *xhtml.Node, id string) *xhtml.Node {
	return findNode(n, func(n *xhtml.Node) bool { return n.Type == xhtml.ElementNode && attr(n, "id") == id })
}

func findFirst(n *xhtml.Node, a atom.Atom) *xhtml.Node {
	return findNode(n, func(n *xhtml.Node) bool { return n.Type == xhtml.ElementNode && n.DataAtom == a })
}

func findNode(n *xhtml.Node, match func(*xhtml.Node) bool) *xhtml.Node {
	if match(n) {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := findNode(c, match); f != nil {
			return f
		}
	}
	return nil
}

// nodeText is the text of n with runs of white space collapsed.
func nodeText(n *xhtml.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		if n.Type == xhtml.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style) {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

func visibleText(doc *xhtml.Node) string { return nodeText(doc) }

// messageText is the headline of a WeChat message page (weui-msg), else
// the page title.
func messageText(doc *xhtml.Node) string {
	if n := findNode(doc, func(n *xhtml.Node) bool {
		return n.Type == xhtml.ElementNode && strings.Contains(" "+attr(n, "class")+" ", " weui-msg__title ")
	}); n != nil {
		msg := nodeText(n)
		if d := findNode(doc, func(n *xhtml.Node) bool {
			return n.Type == xhtml.ElementNode && strings.Contains(" "+attr(n, "class")+" ", " weui-msg__desc ")
		}); d != nil && nodeText(d) != "" {
			msg += " " + nodeText(d)
		}
		return msg
	}
	return nodeText(findFirst(doc, atom.Title))
}

// metaTags maps meta property= and name= to content; the first one wins.
func metaTags(doc *xhtml.Node) map[string]string {
	out := map[string]string{}
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.ElementNode && n.DataAtom == atom.Meta {
			key := firstNonEmpty(attr(n, "property"), attr(n, "name"))
			if _, seen := out[key]; key != "" && !seen {
				out[key] = attr(n, "content")
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

func scriptText(doc *xhtml.Node) string {
	var b strings.Builder
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.ElementNode && n.DataAtom == atom.Script {
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == xhtml.TextNode {
					b.WriteString(c.Data)
					b.WriteByte('\n')
				}
			}
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return b.String()
}

// innerHTML returns the markup inside the element with id js_content as
// the page's bytes had it: re-rendering the parsed tree would normalise
// quotes, entities and self-closing tags, and the archive keeps what WeChat
// sent. The tokenizer finds the element's start tag and its matching </div>
// by counting <div>s only, since unclosed <p> and <li> do not nest. When the
// markup is too broken for that, the parsed tree is rendered instead.
func innerHTML(page []byte, parsed *xhtml.Node) string {
	z := xhtml.NewTokenizer(bytes.NewReader(page))
	offset := 0
	start, depth := -1, 0
	tag := parsed.Data
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			break
		}
		raw := z.Raw()
		offset += len(raw)
		name, hasAttr := z.TagName()
		switch tt {
		case xhtml.StartTagToken:
			if start < 0 {
				if string(name) == tag && hasAttr && tokenHasID(z, "js_content") {
					start, depth = offset, 1
				}
				continue
			}
			if string(name) == tag {
				depth++
			}
		case xhtml.EndTagToken:
			if start >= 0 && string(name) == tag {
				depth--
				if depth == 0 {
					return strings.TrimSpace(string(page[start : offset-len(raw)]))
				}
			}
		}
	}
	var b strings.Builder
	for c := parsed.FirstChild; c != nil; c = c.NextSibling {
		_ = xhtml.Render(&b, c)
	}
	return strings.TrimSpace(b.String())
}

func tokenHasID(z *xhtml.Tokenizer, id string) bool {
	for {
		k, v, more := z.TagAttr()
		if string(k) == "id" && string(v) == id {
			return true
		}
		if !more {
			return false
		}
	}
}

// jsVar reads `var name = "…"` (or '…', or htmlDecode("…"), or "…" || "")
// from the page's scripts and returns the string, JS escapes and HTML
// entities decoded. WeChat writes its metadata into such variables; a page
// can carry the same name twice, and the first assignment is the article's.
func jsVar(scripts, name string) string {
	for from := 0; ; {
		i := strings.Index(scripts[from:], "var "+name)
		if i < 0 {
			return ""
		}
		i += from
		from = i + 4 + len(name)
		if i > 0 && isIdentByte(scripts[i-1]) {
			continue
		}
		rest := strings.TrimLeft(scripts[from:], " \t")
		if !strings.HasPrefix(rest, "=") {
			continue
		}
		rest = strings.TrimLeft(rest[1:], " \t")
		rest = strings.TrimPrefix(rest, "htmlDecode(")
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
			continue
		}
		if s, ok := jsString(rest); ok {
			return strings.TrimSpace(html.UnescapeString(s))
		}
	}
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// jsString decodes the JavaScript string literal at the start of s.
func jsString(s string) (string, bool) {
	quote := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == quote:
			return b.String(), true
		case c == '\n':
			return "", false
		case c != '\\':
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			return "", false
		}
		switch e := s[i]; e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'x', 'u':
			n := 2
			if e == 'u' {
				n = 4
			}
			if i+n >= len(s) {
				return "", false
			}
			v, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32)
			if err != nil {
				return "", false
			}
			b.WriteRune(rune(v))
			i += n
		case '\n':
			// a line continuation
		default:
			b.WriteByte(e)
		}
	}
	return "", false
}

// --- storing ---

// urlItem is a page's article in the shape of a freepublish/batchget item,
// so archive.DecodeItem reads it like any other. "page" holds what the API
// shape has no field for.
type urlItem struct {
	ArticleID string `json:"article_id"`
	Content   struct {
		NewsItem   []urlNewsItem `json:"news_item"`
		CreateTime int64         `json:"create_time"`
		UpdateTime int64         `json:"update_time"`
	} `json:"content"`
	UpdateTime int64   `json:"update_time"`
	Page       urlPage `json:"page"`
}

type urlNewsItem struct {
	Title              string `json:"title"`
	Author             string `json:"author"`
	Digest             string `json:"digest"`
	Content            string `json:"content"`
	ContentSourceURL   string `json:"content_source_url"`
	ThumbMediaID       string `json:"thumb_media_id"`
	ShowCoverPic       int    `json:"show_cover_pic"`
	URL                string `json:"url"`
	ThumbURL           string `json:"thumb_url"`
	NeedOpenComment    int    `json:"need_open_comment"`
	OnlyFansCanComment int    `json:"only_fans_can_comment"`
	IsDeleted          bool   `json:"is_deleted"`
}

type urlPage struct {
	// FetchedFrom is the link as the list gave it (a short /s/… link
	// stays recognisable on the next run).
	FetchedFrom   string `json:"fetched_from"`
	AccountName   string `json:"account_name,omitempty"`
	Biz           string `json:"biz,omitempty"`
	Mid           string `json:"mid,omitempty"`
	Idx           string `json:"idx,omitempty"`
	Sn            string `json:"sn,omitempty"`
	ContentSHA256 string `json:"content_sha256"`
	// PageKey is the media-store key of the page as fetched, kept whole so
	// a better parser can read it again without asking WeChat.
	PageKey string `json:"page_key"`
	// Status is "deleted" or "removed" once a later fetch found the article
	// gone; the stored copy is kept.
	Status string `json:"status,omitempty"`
}

// PageMediaKey is the media-store key of an article page's HTML.
func PageMediaKey(canonicalURL string) string { return "wechat-page:" + canonicalURL }

func (p *ArticlePage) item(fetchedFrom string) ([]byte, string) {
	canonical := p.CanonicalURL(fetchedFrom)
	id := urlItemIDFromLink(canonical)
	if pl, ok := p.Permalink(); ok {
		id = URLItemID(pl)
	}
	var it urlItem
	it.ArticleID = id
	var ct int64
	if !p.PublishTime.IsZero() {
		ct = p.PublishTime.Unix()
	}
	it.Content.CreateTime, it.Content.UpdateTime, it.UpdateTime = ct, ct, ct
	it.Content.NewsItem = []urlNewsItem{{
		Title: p.Title, Author: p.Author, Digest: p.Digest, Content: p.Body,
		ContentSourceURL: p.SourceURL, URL: canonical, ThumbURL: p.Cover,
	}}
	it.Page = urlPage{
		FetchedFrom: fetchedFrom, AccountName: p.AccountName,
		Biz: p.Biz, Mid: p.Mid, Idx: p.Idx, Sn: p.Sn,
		ContentSHA256: p.ContentHash(), PageKey: PageMediaKey(canonical),
	}
	raw, _ := encodeJSON(it)
	return raw, id
}

// --- fetching ---

// URLOptions tune FetchURLs.
type URLOptions struct {
	// BaseURL, when set, is where pages are fetched from instead of
	// https://mp.weixin.qq.com: the fake API in tests (its pages live on the
	// same paths), or a local mirror. Stored links keep the real host.
	BaseURL string
	// Interval is the pause between two page requests, ±50 % at random so
	// the requests do not tick like a robot (default 1 s). Negative: none.
	Interval time.Duration
	// Attempts bounds tries per page for 5xx, 429 and network errors
	// (default 4).
	Attempts int
	// Timeout bounds one request, body included (default 30 s).
	Timeout time.Duration
	// Refetch fetches pages the archive already holds. By default they are
	// skipped, so a run stopped by a verification page resumes where it
	// stopped without asking WeChat for the same pages again.
	Refetch bool
	// Stored is called after each article is stored, with its articles
	// decoded as the archive will read them, so the caller can download
	// their images (and checkpoint).
	Stored func(ctx context.Context, arts []archive.Article)
	// Progress receives how many URLs are done (stored, skipped or failed).
	Progress func(done, total int)
	// Logf receives one line per URL that gave no article.
	Logf func(format string, args ...any)
	// Sleep waits between requests; tests make it instant.
	Sleep func(context.Context, time.Duration) error
}

// URLSummary tells what FetchURLs did.
type URLSummary struct {
	SourceSummary
	// Skipped counts URLs already in the archive (see URLOptions.Refetch).
	Skipped int
	// Failed lists the URLs that gave no article, in list order.
	Failed []*PageError
	// Remaining counts URLs not tried because the run stopped early.
	Remaining int
}

// FetchURLs fetches each article page in urls (see ReadURLList), one at a
// time and politely, and stores each article in the archive's urls source,
// in the shape of an API list item, plus the page itself in the media
// store. Deleted, removed and banned pages are reported in the summary and
// mark an already stored copy; a verification page stops the run with an
// error wrapping ErrVerification. Images are not downloaded here: Stored
// hands each stored article to the caller.
//
// hc must not follow the user's cookies: pages are fetched as an anonymous
// browser would, and a client with a cookie jar is used without it.
func FetchURLs(ctx context.Context, hc *http.Client, arch *archive.Archive, urls []string, opts URLOptions) (*URLSummary, error) {
	if hc == nil {
		hc = &http.Client{}
	}
	client := *hc
	client.Jar = nil
	if opts.Interval == 0 {
		opts.Interval = DefaultPageInterval
	}
	if opts.Attempts <= 0 {
		opts.Attempts = defaultPageAttempts
	}
	if opts.Timeout <= 0 {
		opts.Timeout = defaultPageTimeout
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepContext
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.Progress == nil {
		opts.Progress = func(int, int) {}
	}
	var base *url.URL
	if opts.BaseURL != "" {
		b, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
		if err != nil || (b.Scheme != "http" && b.Scheme != "https") || b.Host == "" {
			return nil, fmt.Errorf("page base URL %q must be an http(s) URL with a host", opts.BaseURL)
		}
		base = b
	}
	known, err := storedURLItems(arch)
	if err != nil {
		return nil, err
	}
	f := &pageFetcher{client: &client, opts: opts, base: base}
	sum := &URLSummary{}
	for i, raw := range urls {
		if err := ctx.Err(); err != nil {
			sum.Remaining = len(urls) - i
			return sum, err
		}
		u, err := NormalizeArticleURL(raw)
		if err != nil {
			sum.Failed = append(sum.Failed, &PageError{URL: raw, Kind: PageUnknown, Message: err.Error()})
			opts.Progress(i+1, len(urls))
			continue
		}
		storedID := known.lookup(u)
		if storedID != "" && !opts.Refetch {
			sum.Skipped++
			opts.Progress(i+1, len(urls))
			continue
		}
		page, finalURL, err := f.fetch(ctx, u)
		if err != nil {
			if ctx.Err() != nil {
				sum.Remaining = len(urls) - i
				return sum, ctx.Err()
			}
			sum.Failed = append(sum.Failed, &PageError{URL: u, Kind: PageUnknown, Message: err.Error()})
			opts.Logf("urls: %s: %v", u, err)
			opts.Progress(i+1, len(urls))
			continue
		}
		p, err := ParseArticlePage(finalURL, page)
		if err != nil {
			p = &ArticlePage{Kind: PageUnknown, Message: err.Error()}
		}
		if p.Kind != PageArticle {
			perr := &PageError{URL: u, Kind: p.Kind, Message: p.Message}
			if p.Kind == PageVerify {
				sum.Remaining = len(urls) - i
				return sum, fmt.Errorf("%w at %s, link %d of %d; stopped so as not to make it stricter. "+
					"%d articles are stored; wait an hour or more (or open the link in a browser and pass the check), "+
					"then run the same command again: stored links are skipped",
					ErrVerification, u, i+1, len(urls), sum.New+sum.Changed+sum.Skipped)
			}
			sum.Failed = append(sum.Failed, perr)
			opts.Logf("urls: %v", perr)
			if storedID != "" && (p.Kind == PageDeleted || p.Kind == PageRemoved) {
				if err := markGone(arch, storedID, p.Kind); err != nil {
					return sum, err
				}
			}
			opts.Progress(i+1, len(urls))
			continue
		}
		raw, id := p.item(u)
		if _, err := arch.PutMedia(PageMediaKey(p.CanonicalURL(u)), page, ".html", "text/html; charset=utf-8"); err != nil {
			return sum, fmt.Errorf("storing the page of %s: %w", u, err)
		}
		isNew := !arch.HasItem(archive.URLs, id)
		changed, err := arch.PutItem(archive.URLs, raw)
		if err != nil {
			return sum, fmt.Errorf("storing %s: %w", u, err)
		}
		sum.Items++
		sum.Articles++
		switch {
		case isNew:
			sum.New++
		case changed:
			sum.Changed++
		}
		known.add(u, id, p)
		if opts.Stored != nil {
			arts, err := archive.DecodeItem(archive.URLs, raw)
			if err != nil {
				return sum, fmt.Errorf("storing %s: %w", u, err)
			}
			opts.Stored(ctx, arts)
		}
		opts.Progress(i+1, len(urls))
	}
	sum.Complete = true
	return sum, nil
}

// knownURLs indexes the stored urls items by the links they were fetched
// from and by permalink.
type knownURLs map[string]string

func (k knownURLs) lookup(u string) string {
	if id := k[u]; id != "" {
		return id
	}
	if pl, ok := archive.ParsePermalink(u); ok {
		return k[URLItemID(pl)]
	}
	return ""
}

func (k knownURLs) add(u, id string, p *ArticlePage) {
	k[u] = id
	k[id] = id
	if pl, ok := p.Permalink(); ok {
		k[URLItemID(pl)] = id
	}
}

func storedURLItems(arch *archive.Archive) (knownURLs, error) {
	k := knownURLs{}
	refs, err := arch.Items()
	if err != nil {
		return nil, err
	}
	for _, ref := range refs {
		if ref.Source != archive.URLs {
			continue
		}
		raw, err := arch.ReadItem(ref)
		if err != nil {
			return nil, err
		}
		var it urlItem
		if err := json.Unmarshal(raw, &it); err != nil || it.ArticleID == "" {
			// A damaged item is refetched rather than trusted.
			continue
		}
		k[it.ArticleID] = it.ArticleID
		if it.Page.FetchedFrom != "" {
			k[it.Page.FetchedFrom] = it.ArticleID
		}
	}
	return k, nil
}

// markGone records in a stored item that the article's page now says it
// is deleted or removed, the way the API marks is_deleted. The copy stays.
func markGone(arch *archive.Archive, id string, kind PageKind) error {
	ref := archive.ItemRef{Source: archive.URLs, File: id + ".json"}
	raw, err := arch.ReadItem(ref)
	if err != nil {
		return nil // stored under a hashed name or gone: nothing to mark
	}
	var it urlItem
	if err := json.Unmarshal(raw, &it); err != nil {
		return nil
	}
	for i := range it.Content.NewsItem {
		it.Content.NewsItem[i].IsDeleted = true
	}
	it.Page.Status = "deleted"
	if kind == PageRemoved {
		it.Page.Status = "removed"
	}
	out, err := encodeJSON(it)
	if err != nil {
		return err
	}
	_, err = arch.PutItem(archive.URLs, out)
	return err
}

type pageFetcher struct {
	client *http.Client
	opts   URLOptions
	base   *url.URL
	last   time.Time // when the previous request was sent
}

// fetch gets one page after the polite pause, retrying what passes.
func (f *pageFetcher) fetch(ctx context.Context, u string) (page []byte, finalURL string, err error) {
	target := u
	if f.base != nil {
		target = strings.Replace(u, "https://"+mpHost, f.base.String(), 1)
	}
	for attempt := 1; ; attempt++ {
		if err := f.pause(ctx, attempt); err != nil {
			return nil, "", err
		}
		page, finalURL, err, retry := f.once(ctx, target)
		if err == nil {
			if f.base != nil {
				finalURL = strings.Replace(finalURL, f.base.String(), "https://"+mpHost, 1)
			}
			return page, finalURL, nil
		}
		if !retry || attempt >= f.opts.Attempts || ctx.Err() != nil {
			if attempt > 1 {
				err = fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
			}
			return nil, "", err
		}
	}
}

// pause waits the interval since the previous request, longer and longer
// on retries: a page that failed is asked for again only after a while.
func (f *pageFetcher) pause(ctx context.Context, attempt int) error {
	if f.opts.Interval < 0 && attempt == 1 {
		return nil
	}
	wait := max(f.opts.Interval, 0)
	if attempt > 1 {
		wait = max(wait, 500*time.Millisecond) << (attempt - 1)
	}
	if wait > 0 {
		wait = wait/2 + rand.N(wait+1)
	}
	if !f.last.IsZero() || attempt > 1 {
		if err := f.opts.Sleep(ctx, wait); err != nil {
			return err
		}
	}
	f.last = time.Now()
	return nil
}

func (f *pageFetcher) once(ctx context.Context, target string) (page []byte, finalURL string, err error, retry bool) {
	ctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()
	// What a desktop browser sends for a page opened from the address bar:
	// no Referer, no cookies.
	data, resp, err, retry := getBody(ctx, f.client, target, "page", maxPageBytes, map[string]string{
		"User-Agent":      browserUA,
		"Accept":          "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
		"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8",
	})
	if err != nil {
		return nil, "", err, retry
	}
	return data, resp.Request.URL.String(), nil, false
}
