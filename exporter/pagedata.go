package exporter

import (
	"html"
	"net/url"
	"strconv"
	"strings"
	"time"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/mparchive/mparchive/archive"
)

// pageData is the parts of a page that the fields are read from.
type pageData struct {
	doc     *xhtml.Node
	meta    map[string]string
	scripts string
	// cgi is window.cgiDataNew, nil when the page has none or it is broken.
	cgi map[string]any
	// ssr is window.__QMTPL_SSR_DATA__ (text posts), nil when absent.
	ssr map[string]any
	// content is #js_content, nil when absent; body its inner HTML.
	content *xhtml.Node
	body    string
}

func readPage(doc *xhtml.Node, page []byte) *pageData {
	pg := &pageData{doc: doc, meta: metaTags(doc), scripts: scriptText(doc)}
	// A broken data block loses the fields it holds, not the page: the
	// markup and the script variables still give the article.
	pg.cgi, _, _ = parseJSObjectAt(pg.scripts, "window.cgiDataNew =")
	pg.ssr, _, _ = parseJSObjectAt(pg.scripts, "window.__QMTPL_SSR_DATA__=")
	if pg.content = findByID(doc, "js_content"); pg.content != nil {
		pg.body = innerHTML(page, pg.content)
	}
	return pg
}

// holdsPost tells a post from a message page: a post has a body element
// or script data naming a title, text or pictures.
func (pg *pageData) holdsPost() bool {
	if pg.content != nil {
		return true
	}
	if pg.cgi == nil {
		return false
	}
	for _, key := range []string{"title", "content_noencode", "text_page_info.content_noencode", "desc"} {
		if strings.TrimSpace(jsStr(pg.cgi, key)) != "" {
			return true
		}
	}
	return len(jsList(pg.cgi, "picture_page_info_list")) > 0
}

// itemShowType is the post's kind number: the data block's, else the
// script variable's.
func (pg *pageData) itemShowType() int {
	if pg.cgi != nil {
		if v := jsLookup(pg.cgi, "item_show_type"); v != nil {
			return int(jsInt(pg.cgi, "item_show_type"))
		}
	}
	n, _ := strconv.Atoi(jsVar(pg.scripts, "item_show_type"))
	return n
}

// cgiText reads a string of the data block as the page shows it: the
// strings hold entities that WeChat's scripts decode before display
// (&amp; in links, &quot; in descriptions).
func (pg *pageData) cgiText(path string) string {
	if pg.cgi == nil {
		return ""
	}
	return strings.TrimSpace(html.UnescapeString(jsStr(pg.cgi, path)))
}

// fill reads every field of a post page into p.
func (pg *pageData) fill(p *ArticlePage) {
	p.ItemShowType = pg.itemShowType()
	p.AccountName = firstNonEmpty(pg.cgiText("nick_name"), nodeText(findByID(pg.doc, "js_name")), jsVar(pg.scripts, "nickname"))
	p.Author = firstNonEmpty(pg.meta["author"], nodeText(findByID(pg.doc, "js_author_name")), jsVar(pg.scripts, "author"), pg.cgiText("author"))
	// Links in script strings carry &amp; for & (the page decodes them
	// before use); og:image was decoded by the HTML parser already.
	p.Cover = firstNonEmpty(pg.meta["og:image"], html.UnescapeString(jsVar(pg.scripts, "msg_cdn_url")), pg.cgiText("cdn_url"))
	p.SourceURL = firstNonEmpty(html.UnescapeString(jsVar(pg.scripts, "msg_source_url")), pg.cgiText("source_url"))
	p.PublishTime = pg.publishTime()
	p.Digest = pg.digest()
	p.CopyrightStat = pg.copyrightStat()
	p.Paid = pg.paid()
	p.Title = firstNonEmpty(pg.meta["og:title"], nodeText(findByID(pg.doc, "activity-name")),
		jsVar(pg.scripts, "msg_title"), pg.cgiText("title"))

	switch p.ItemShowType {
	case archive.ShowTypePicture:
		p.Body = pg.postText()
		p.Pictures = pg.pictures()
	case archive.ShowTypeText:
		p.Body = pg.postText()
		p.Title = pg.textPostTitle(p.Body)
	case archive.ShowTypeVideo:
		p.Body = pg.postText()
		p.VideoIDs = pg.videoIDs()
	case archive.ShowTypeArticle:
		p.Body = pg.articleBody()
	default:
		// A kind this version does not know: whatever it holds, as HTML.
		p.Body = pg.articleBody()
		if strings.TrimSpace(p.Body) == "" {
			p.Body = archive.TextHTML(firstNonEmpty(pg.postText(), p.Digest))
		}
		p.VideoIDs = pg.videoIDs()
	}
	if p.Title == "" {
		p.Title = nodeText(findFirst(pg.doc, atom.Title))
	}
	if p.CopyrightStat == archive.CopyrightShare {
		p.Share = pg.share()
	}
}

// articleBody is #js_content, or the data block's copy of it when the
// element is empty (some page versions fill it by script).
func (pg *pageData) articleBody() string {
	if strings.TrimSpace(pg.body) != "" {
		return pg.body
	}
	if pg.cgi != nil {
		if b := strings.TrimSpace(jsStr(pg.cgi, "content_noencode")); b != "" {
			return b
		}
	}
	return pg.body
}

// postText is the text of a picture, text or video post: content_noencode
// holds it with its line breaks and its few links as markup. A text post
// whose text is its title has it only there (is_user_title 0).
func (pg *pageData) postText() string {
	for _, src := range []map[string]any{pg.cgi, pg.ssr} {
		if src == nil {
			continue
		}
		for _, key := range []string{"text_page_info.content_noencode", "content_noencode"} {
			if s := strings.TrimSpace(jsStr(src, key)); s != "" {
				return s
			}
		}
	}
	if pg.cgi != nil {
		// desc is the same text with entities, for display as an attribute.
		if s := strings.TrimSpace(html.UnescapeString(jsStr(pg.cgi, "desc"))); s != "" {
			return s
		}
		if jsInt(pg.cgi, "text_page_info.is_user_title") == 0 {
			return strings.TrimSpace(jsStr(pg.cgi, "title"))
		}
	}
	return ""
}

// textPostTitle is a text post's title: the one its author gave
// (is_user_title 1), else the first line of its text, which is what WeChat
// shows in lists.
func (pg *pageData) textPostTitle(text string) string {
	if pg.cgi != nil && jsInt(pg.cgi, "text_page_info.is_user_title") == 1 {
		if t := pg.cgiText("title"); t != "" {
			return t
		}
	}
	for _, line := range strings.Split(html.UnescapeString(stripTags(text)), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return ""
}

// pictures lists a picture post's pictures with their sizes.
func (pg *pageData) pictures() []archive.ImageListItem {
	var out []archive.ImageListItem
	for _, pic := range jsList(pg.cgi, "picture_page_info_list") {
		u := strings.TrimSpace(html.UnescapeString(jsStr(pic, "cdn_url")))
		if u == "" {
			continue
		}
		out = append(out, archive.ImageListItem{ImageURL: u, Width: int(jsInt(pic, "width")), Height: int(jsInt(pic, "height"))})
	}
	return out
}

// videoIDs collects the ids a video post names, each once, in page order.
func (pg *pageData) videoIDs() []string {
	if pg.cgi == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		if id = strings.TrimSpace(id); id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, v := range asList(jsLookup(pg.cgi, "video_ids")) {
		if s, ok := v.(string); ok {
			add(s)
		}
	}
	add(jsStr(pg.cgi, "video_page_info.video_id"))
	for _, info := range jsList(pg.cgi, "video_page_infos") {
		add(jsStr(info, "video_id"))
	}
	return out
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// publishTime reads ct (Unix seconds, what the page's own clock shows),
// then the data block's ori_create_time, then create_time in either of its
// forms.
func (pg *pageData) publishTime() time.Time {
	vals := []string{jsVar(pg.scripts, "ct")}
	if pg.cgi != nil {
		vals = append(vals, jsStr(pg.cgi, "ori_create_time"), jsStr(pg.cgi, "create_time"))
	}
	for _, name := range []string{"create_time", "createTime", "publish_time"} {
		vals = append(vals, jsVar(pg.scripts, name))
	}
	for _, v := range vals {
		if t, ok := parsePageTime(v); ok {
			return t
		}
	}
	return time.Time{}
}

func parsePageTime(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if sec, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(sec, 0).In(archive.ChinaTime), sec > 0
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, archive.ChinaTime); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// digest is the post's summary as plain text: msg_desc, else the data
// block's desc, else og:description, whose content WeChat writes with
// JavaScript escapes (\x0a) left in.
func (pg *pageData) digest() string {
	if d := jsVar(pg.scripts, "msg_desc"); d != "" {
		return d
	}
	if d := pg.cgiText("desc"); d != "" {
		return strings.TrimSpace(stripTags(d))
	}
	for _, key := range []string{"og:description", "description"} {
		if d := pg.meta[key]; d != "" {
			return strings.TrimSpace(stripTags(jsDecodeLikeWeChat(d)))
		}
	}
	return ""
}

func (pg *pageData) copyrightStat() int {
	if pg.cgi != nil && jsLookup(pg.cgi, "copyright_info.copyright_stat") != nil {
		return int(jsInt(pg.cgi, "copyright_info.copyright_stat"))
	}
	for _, name := range []string{"_copyright_stat", "copyright_stat"} {
		if n, err := strconv.Atoi(jsVar(pg.scripts, name)); err == nil {
			return n
		}
	}
	return 0
}

func (pg *pageData) paid() bool {
	if pg.cgi != nil && jsLookup(pg.cgi, "is_pay_subscribe") != nil {
		return jsInt(pg.cgi, "is_pay_subscribe") == 1
	}
	return jsVar(pg.scripts, "is_pay_subscribe") == "1"
}

// share reads what a share says of its original: the link, the original
// account and author, and the sharing account's note (编者荐语).
func (pg *pageData) share() *archive.Share {
	s := &archive.Share{}
	if pg.cgi != nil {
		s.URL = pg.cgiText("copyright_info.reprint_url")
		s.Account = pg.cgiText("copyright_info.platform")
		s.Note = strings.TrimSpace(jsStr(pg.cgi, "copyright_info.reprint_recommend_content_noencode"))
	}
	if s.URL == "" {
		biz, mid, idx := jsVar(pg.scripts, "source_encode_biz"), jsVar(pg.scripts, "source_mid"), jsVar(pg.scripts, "source_idx")
		if biz != "" && mid != "" && idx != "" {
			s.URL = canonicalArticleURL(biz, mid, idx, "")
		}
	}
	if s.URL != "" {
		if norm, err := NormalizeArticleURL(s.URL); err == nil {
			s.URL = norm
		}
	}
	card := findNode(pg.doc, hasClass("original_primary_card_tips"))
	if s.Account == "" {
		s.Account = nodeText(findNode(pg.doc, hasClass("original_primary_nickname")))
	}
	// The card says 以下文章来源于<account>，作者<author>.
	if t := nodeText(card); t != "" {
		if _, author, ok := strings.Cut(t, "作者"); ok {
			s.Author = strings.TrimSpace(author)
		}
	}
	if s.Note == "" {
		note := nodeText(findNode(pg.doc, hasClass("original_primary_tips")))
		s.Note = strings.TrimSpace(strings.TrimPrefix(note, "编者荐语："))
	}
	if s.URL == "" && s.Account == "" {
		return nil
	}
	return s
}

// identity reads __biz, mid, idx and sn: the link names the article most
// reliably; the page's data names it when the link was a short /s/… one.
func (pg *pageData) identity(finalURL string) (biz, mid, idx, sn string) {
	if u, err := url.Parse(finalURL); err == nil {
		q := u.Query()
		biz, mid, idx, sn = q.Get("__biz"), q.Get("mid"), q.Get("idx"), q.Get("sn")
		if biz != "" && mid != "" && idx != "" {
			return
		}
	}
	if pg.cgi != nil {
		biz, mid, idx, sn = jsStr(pg.cgi, "bizuin"), jsStr(pg.cgi, "mid"), jsStr(pg.cgi, "idx"), jsStr(pg.cgi, "sn")
		if biz != "" && mid != "" && idx != "" {
			return
		}
	}
	biz, mid, idx, sn = jsVar(pg.scripts, "biz"), jsVar(pg.scripts, "mid"), jsVar(pg.scripts, "idx"), jsVar(pg.scripts, "sn")
	if biz != "" && mid != "" && idx != "" {
		return
	}
	for _, link := range []string{pg.meta["og:url"], pg.cgiText("link")} {
		if pl, ok := archive.ParsePermalink(link); ok {
			u, _ := url.Parse(link)
			return pl.Biz, pl.Mid, pl.Idx, u.Query().Get("sn")
		}
	}
	return "", "", "", ""
}

// stripTags drops the markup from a piece of WeChat text, keeping the text
// of the elements as written (entities are left to the caller).
func stripTags(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	var b strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return b.String()
		case xhtml.TextToken:
			b.Write(z.Raw())
		}
	}
}
