package wechattest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"html"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"text/template"
)

// pageTemplates are parsed on first use, not at start-up: every mparchive
// command links this package (fakeapi), and parsing them took more of a
// start-up than anything else.
var pageTemplates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").Funcs(template.FuncMap{
		"h":  html.EscapeString,
		"js": jsEscape,
	}).ParseFS(pageFiles, "pages/*.html"))
})

// jsEscape writes a string for a JS string literal the way WeChat's pages
// do: characters that could end the literal or the script as \xNN.
func jsEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&', '<', '>', '"', '\'', '\\':
			fmt.Fprintf(&b, `\x%02x`, r)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

type pageData struct {
	Title, Author, Digest, Cover, Content, SourceURL string
	Nickname, Link, Biz, Mid, Idx, Sn, Nonce         string
	CreateTime                                       int64

	ShortLink    string
	Kind         PostKind
	ItemShowType int
	Copyright    int    // copyright_stat: 0 none, 1 原创, 2 share
	UserName     string // the account's gh_ name
	HeadImg      string // its avatar
	Signature    string // its profile description
	// MsgTitle is the title as window.msg_title's literal body; OGTitle as
	// og:title shows it (a text post's title keeps its line breaks as \n).
	MsgTitle, OGTitle string
	// DescMeta is the meta description: a picture post's is the JS-escaped
	// HTML-escaped text, \x0a and \x26quot; included, as WeChat writes it.
	DescMeta  string
	UserTitle bool
	Share     *sharePage
	CgiScript string // the <script> setting window.cgiDataNew
	SSRData   string // text posts: window.__QMTPL_SSR_DATA__
	VideoID   string // video posts: wxv_…
}

// sharePage is what a share's page shows of the original.
type sharePage struct {
	Platform, Author, Desc, HeadImg, Note      string
	ReprintURL, SourceBiz, SourceUsername      string
	SourceMid, SourceIdx, SourceBizNum, Ticket string
}

// renderPage writes an article's page in the shape of its kind; image
// hosts point at the server. s.mu held.
func (s *Server) renderPage(m *message, i int, it *item, host string) ([]byte, error) {
	pd := s.pageData(m, i, it)
	tmpl := "article.html"
	switch it.kind {
	case KindPicture:
		tmpl = "picture.html"
	case KindText:
		tmpl = "text.html"
	case KindVideo:
		tmpl = "video.html"
	}
	var buf bytes.Buffer
	if err := pageTemplates().ExecuteTemplate(&buf, tmpl, pd); err != nil {
		return nil, err
	}
	rep := s.replacer
	if s.base == "" {
		rep = s.imageReplacer("http://" + host)
	}
	return []byte(rep.Replace(buf.String())), nil
}

// pageData fills a page template; s.mu held. URLs keep the placeholder
// image host; renderPage swaps it.
func (s *Server) pageData(m *message, i int, it *item) *pageData {
	u, _ := url.Parse(it.url)
	q := u.Query()
	created := m.created
	if created == 0 {
		created = m.updated
	}
	kind := it.kind
	if kind == "" {
		kind = KindArticle
	}
	nickname := it.nickname
	if nickname == "" {
		nickname = s.nickname()
	}
	biz := q.Get("__biz")
	userName, _, headImg, _ := accountIDs(biz)
	pd := &pageData{
		Title: it.title, Author: it.author, Digest: it.digest,
		Cover: it.thumbURL, Content: it.content, SourceURL: it.contentSourceURL,
		Nickname: nickname, Link: it.url, ShortLink: ShortLink(it.url),
		Biz: biz, Mid: q.Get("mid"), Idx: q.Get("idx"), Sn: q.Get("sn"),
		Nonce:      idsOf(it.url, created).nonce,
		CreateTime: created,
		Kind:       kind, ItemShowType: kind.itemShowType(),
		UserName: userName, HeadImg: headImg, Signature: s.signature(nickname),
		UserTitle: it.userTitle,
		MsgTitle:  jsEscape(it.title), OGTitle: strings.ReplaceAll(it.title, "\n", `\n`),
	}
	if it.original {
		pd.Copyright = 1
	}
	if it.video != nil {
		pd.VideoID = it.video.vid
	}
	switch kind {
	case KindPicture, KindVideo:
		pd.Digest = firstRunes(it.text, 54)
		pd.DescMeta = cgiEscape(wxEscape(it.text))
	case KindText:
		pd.Digest = ""
	default:
		pd.DescMeta = it.digest
	}
	if sh := it.share; sh != nil {
		ou, _ := url.Parse(sh.original.url)
		oq := ou.Query()
		bizNum, _ := base64.StdEncoding.DecodeString(sh.sourceBiz)
		pd.Copyright = 2
		pd.Share = &sharePage{
			Platform: sh.platform, Author: sh.original.author, Desc: sh.desc, HeadImg: sh.headImg, Note: sh.note,
			// WeChat writes the original's link without chksm, its __biz
			// URL-encoded (w15–w17).
			ReprintURL: "http://mp.weixin.qq.com/s?__biz=" + url.QueryEscape(sh.sourceBiz) + "&mid=" + oq.Get("mid") +
				"&idx=" + oq.Get("idx") + "&sn=" + oq.Get("sn"),
			SourceBiz: sh.sourceBiz, SourceUsername: sh.sourceUser,
			SourceMid: oq.Get("mid"), SourceIdx: oq.Get("idx"), SourceBizNum: string(bizNum),
			Ticket: base64.URLEncoding.EncodeToString([]byte(demoHex("ticket:"+it.url, 36))),
		}
	}
	pd.CgiScript = cgiScript(s.cgiData(pd, it), it.plainJS, pd.Nonce)
	if kind == KindText {
		pd.SSRData = textSSRData(pd, it, headImg)
	}
	return pd
}

// textSSRData is a text post's window.__QMTPL_SSR_DATA__: without a title
// of its own the post's text is its title there (w10–w12); with one, the
// text is not in it at all (w13, w14).
func textSSRData(pd *pageData, it *item, headImg string) string {
	o := jsObj{
		{"tempkey__p__", ""}, {"hasBottomContent", ""}, {"only_comment__p__", ""}, {"is_cooling_appmsg", "0"},
		{"not_show_banner", ""}, {"showProfile", ""}, {"round_head_img", headImg}, {"nick_name", pd.Nickname},
		{"needAlignLeft", ""}, {"needNoMinHeight", ""}, {"text_page_info", jsObj{{"is_user_title", strconv.FormatInt(b2i(it.userTitle), 10)}}},
	}
	if it.userTitle {
		o = append(o, jsKV{"formattedTitle", ""}, jsKV{"contentNoEncode", ""},
			jsKV{"location", jsObj{{"poiid", ""}, {"districtid", ""}, {"name", ""}, {"address", ""}, {"latitude", ""}, {"longitude", ""}, {"content", ""}}})
	} else {
		o = append(o, jsKV{"title", it.title}, jsKV{"contentNoEncode", ""})
	}
	o = append(o, jsKV{"shoptagInnerHtml", ""}, jsKV{"shopprofileInnerHtml", ""}, jsKV{"footer_gift_activity", jsObj{{"activity_id", ""}}},
		jsKV{"redpacket_cover_list", jsArr{}}, jsKV{"appmsg_link", jsObj{}}, jsKV{"claim_source", jsObj{{"claim_source", ""}}},
		jsKV{"copyright_info", jsObj{{"copyright_stat", strconv.Itoa(pd.Copyright)}}}, jsKV{"publishTime", ""}, jsKV{"hasBottomAd", ""})
	return ssrData(o)
}

// nickname is the account's display name: the demo account's own, else
// one derived from its __biz, so it stays the same per seed.
func (s *Server) nickname() string {
	if s.opts.Demo {
		return accountNames[0]
	}
	h := fnv.New32a()
	h.Write([]byte(s.acct.biz))
	return accountNames[h.Sum32()%uint32(len(accountNames))]
}

// signature is an account's profile description.
func (s *Server) signature(nickname string) string {
	return nickname + "：慢慢写，慢慢读。关于技术、读书和城市生活。"
}
