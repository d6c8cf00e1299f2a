package wechattest

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
)

// Message pages: what mp.weixin.qq.com serves, with HTTP 200, in place of
// an article it will not show. Their markup follows the real ones:
// exporter/testdata/pages/real/w18 (deleted by the author, 2025) and the
// violation and temporarily-unavailable pages of the same public sample
// collection (wechat-article-exporter's samples/内容违规/01.html, with
// window.cgiData.del_reason, and samples/该内容暂时无法查看/01.html, a bare
// .mesg-block page), read through the code index.
//
// WeChat answers in English when the request's Accept-Language prefers
// English (docs/wechat-api.md §12). The English texts, and what backs each:
//
//   - deleted: "The content has been deleted by the author." Evidence:
//     wechat-article-exporter's shared/utils/html.ts (validateHTMLContent
//     compares the .weui-msg__title text with it and with 该内容已被发布者删除),
//     and the page-state marker lists of several scrapers in the code index.
//   - removed for a violation: "Unable to view this content because it
//     violates regulation". Evidence: the same marker lists, which pair it
//     with 违规无法查看. Whether the page adds more (a period, the reason in
//     English) is unknown; the reason sentence below is our own English.
//   - verification wall: stays Chinese (环境异常 / 当前环境异常，完成验证后即可
//     继续访问。 / 去验证) while the page's accessibility labels turn English
//     ("Video", "Mini Program", "Like", "Wow"). Evidence: the page as an
//     English headless browser rendered it, quoted in jina-ai/reader#1183.
//   - temporarily unavailable, link expired, account blocked, migrated,
//     deregistered, invalid parameters: no English wording was found
//     anywhere (searched: code, issues, pages). The English below is ours;
//     a reader must not rely on it, only on the page's structure.
//
// The Chinese texts are all attested: 此帐号已被屏蔽, 内容无法查看 and
// 此帐号已自主注销，内容无法查看 (with these exact commas) and 该公众号已迁移 (with
// a transferTargetLink script variable) and 链接已过期 in many scrapers'
// marker lists; 由用户投诉并经平台审核，涉嫌…，查看对应规则 in the violation sample.

// PageLang is the language message pages are served in.
type PageLang string

// The languages. PageLangAuto follows the request's Accept-Language.
const (
	PageLangAuto    PageLang = ""
	PageLangChinese PageLang = "zh_CN"
	PageLangEnglish PageLang = "en"
)

// msgKind is a kind of message page.
type msgKind int

const (
	msgParamError msgKind = iota
	msgDeleted
	msgRemoved
	msgUnavailable
	msgExpired
	msgBanned
	msgMigrated
	msgDeregistered
	msgVerify
)

// msgText is a message page's headline and explanation in one language.
type msgText struct{ title, desc string }

var messageTexts = map[msgKind][2]msgText{ // [0] Chinese, [1] English
	msgParamError:   {{"参数错误", ""}, {"Invalid parameters", ""}},
	msgDeleted:      {{"该内容已被发布者删除", ""}, {"The content has been deleted by the author.", ""}},
	msgRemoved:      {{"此内容因违规无法查看", ""}, {"Unable to view this content because it violates regulation", ""}},
	msgUnavailable:  {{"该内容暂时无法查看", ""}, {"This content is temporarily unavailable", ""}},
	msgExpired:      {{"链接已过期", "该链接已失效，请向分享者重新获取。"}, {"Link expired", "This link is no longer valid. Ask the person who shared it for a new one."}},
	msgBanned:       {{"此帐号已被屏蔽, 内容无法查看", "此帐号因违反《微信公众平台运营规范》，已被屏蔽。"}, {"This account has been blocked. Its content cannot be viewed.", "The account violated the Weixin Official Accounts Platform operating rules."}},
	msgMigrated:     {{"该公众号已迁移", "该公众号已迁移至新的帐号，原帐号已回收。若需访问原文章链接，请点击下方按钮。"}, {"This Official Account has moved", "It has moved to a new account and the old one has been closed. Use the button below to open the article there."}},
	msgDeregistered: {{"此帐号已自主注销，内容无法查看", ""}, {"This account has been deregistered. Its content cannot be viewed.", ""}},
	msgVerify:       {{"环境异常", "当前环境异常，完成验证后即可继续访问。"}, {"环境异常", "当前环境异常，完成验证后即可继续访问。"}},
}

// removalReasons are violation reasons: the first is the real sample's,
// the others read like WeChat's rule names. English is ours.
var removalReasons = [][2]string{
	{"涉嫌过度营销、骚扰用户", "excessive marketing and harassing users"},
	{"涉嫌违反相关法律法规和政策", "breaking laws, regulations or policies"},
	{"涉嫌侵犯他人合法权益", "infringing the rights of others"},
	{"涉嫌发布不实信息", "spreading false information"},
}

// messagePage is what a message page template receives.
type messagePage struct {
	Kind        string // deleted, removed, unavailable, …: picks the markup
	English     bool
	Lang        string
	Title, Desc string
	Reason      string // removed: the violation, in the page's language
	ReasonZh    string // removed: window.cgiData.del_reason, Chinese as WeChat keeps it
	RuleLink    string
	Transfer    string // migrated: where the account went
	UserName    string
	Nickname    string
	Icon        string
	Verify      bool
	A11y        [4]string // Video, Mini Program, Like, Wow
}

// prefersEnglish reads Accept-Language the way a server picks a language:
// the range with the highest q wins, the first one on a tie.
func prefersEnglish(header string) bool {
	best, bestQ := "", -1.0
	for _, part := range strings.Split(header, ",") {
		fields := strings.Split(strings.TrimSpace(part), ";")
		tag := strings.ToLower(strings.TrimSpace(fields[0]))
		if tag == "" {
			continue
		}
		q := 1.0
		for _, f := range fields[1:] {
			if v, ok := strings.CutPrefix(strings.TrimSpace(f), "q="); ok {
				if x, err := strconv.ParseFloat(v, 64); err == nil {
					q = x
				}
			}
		}
		if q > bestQ {
			best, bestQ = tag, q
		}
	}
	return best == "en" || strings.HasPrefix(best, "en-")
}

// SetPageLang makes the message pages of one article come in lang whatever
// the request asks for (PageLangAuto: by Accept-Language again).
func (s *Server) SetPageLang(articleURL string, lang PageLang) error {
	return setForArticle(s, &s.pages.langs, articleURL, lang)
}

// SetRemovalReason sets the reason (in Chinese, as WeChat words it, e.g.
// 涉嫌过度营销、骚扰用户) the removed page of an article gives; by default one
// of removalReasons is chosen from the link.
func (s *Server) SetRemovalReason(articleURL, reason string) error {
	return setForArticle(s, &s.pages.reasons, articleURL, reason)
}

// RemovalReason returns the Chinese and English reason the removed page of
// an article gives.
func (s *Server) RemovalReason(articleURL string) (zh, en string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.removalReason(permalinkKey(articleURL))
}

// removalReason; s.mu held.
func (s *Server) removalReason(key string) (zh, en string) {
	if r, ok := s.pages.reasons[key]; ok {
		for _, known := range removalReasons {
			if known[0] == r {
				return known[0], known[1]
			}
		}
		return r, r
	}
	r := removalReasons[fnvSum(key)%uint64(len(removalReasons))]
	return r[0], r[1]
}

// writeMessage answers with a message page of kind k. key is the article's
// permalink key ("" when none), which picks the removal reason.
func (s *Server) writeMessage(w http.ResponseWriter, r *http.Request, k msgKind, key string) {
	s.mu.Lock()
	lang := s.pages.langs[key]
	reasonZh, reasonEn := s.removalReason(key)
	nickname := s.nickname()
	biz := s.acct.biz
	s.mu.Unlock()
	english := lang == PageLangEnglish || lang == PageLangAuto && prefersEnglish(r.Header.Get("Accept-Language"))
	writeMessagePage(w, k, english, reasonZh, reasonEn, nickname, biz)
}

func writeMessagePage(w http.ResponseWriter, k msgKind, english bool, reasonZh, reasonEn, nickname, biz string) {
	userName, _, _, _ := accountIDs(biz)
	newBiz := base64.StdEncoding.EncodeToString([]byte(strconv.FormatUint(3000000000+fnvSum("moved:"+biz)%999999999, 10)))
	texts := messageTexts[k]
	t := texts[0]
	p := messagePage{English: english, Lang: "zh_CN", Icon: "weui-icon-warn", A11y: [4]string{"视频", "小程序", "赞", "在看"},
		Nickname: nickname, UserName: userName, ReasonZh: reasonZh}
	if english {
		t = texts[1]
		p.Lang = "en"
		p.A11y = [4]string{"Video", "Mini Program", "Like", "Wow"}
	}
	p.Title, p.Desc = t.title, t.desc
	p.Kind = [...]string{"param_error", "deleted", "removed", "unavailable", "expired", "banned", "migrated", "deregistered", "verify"}[k]
	tmpl := "message.html"
	switch k {
	case msgRemoved:
		p.Reason = reasonZh
		if english {
			p.Reason = reasonEn
		}
		p.RuleLink = "http://mp.weixin.qq.com/mp/opshowpage?action=oplaw&id=26&t=operation/faq_index#wechat_redirect"
	case msgUnavailable:
		tmpl = "unavailable.html"
	case msgMigrated:
		// The account the old one moved to; the fake does not serve it.
		p.Transfer = "https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=" + newBiz + "#wechat_redirect"
	case msgVerify:
		p.Verify = true
	}
	var buf bytes.Buffer
	_ = pageTemplates().ExecuteTemplate(&buf, tmpl, p)
	// WeChat answers its message pages with 200, like the article.
	writePage(w, buf.Bytes())
}

// accountMessage is the message kind of an account state, and whether it
// hides articles at all.
func (st AccountState) message() (msgKind, bool) {
	switch st {
	case AccountBanned:
		return msgBanned, true
	case AccountMigrated:
		return msgMigrated, true
	case AccountDeregistered:
		return msgDeregistered, true
	}
	return 0, false
}

// AccountState is what has become of the account, as its article pages
// show it.
type AccountState int

const (
	// AccountNormal: pages show the articles.
	AccountNormal AccountState = iota
	// AccountBanned: every page shows 此帐号已被屏蔽, 内容无法查看.
	AccountBanned
	// AccountMigrated: every page shows 该公众号已迁移.
	AccountMigrated
	// AccountDeregistered: every page shows 此帐号已自主注销，内容无法查看.
	AccountDeregistered
)

// SetAccountState makes every article page show what has become of the
// account (AccountNormal: the articles again).
func (s *Server) SetAccountState(st AccountState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages.account = st
}
