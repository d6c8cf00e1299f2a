package exporter

import (
	"errors"
	"fmt"
	"strings"

	xhtml "golang.org/x/net/html"
)

// ErrVerification is wrapped by the error FetchURLs returns when WeChat
// answers with its verification page: the run stops there, because going on
// would only make WeChat stricter.
var ErrVerification = errors.New("WeChat asks for a verification (环境异常 / 完成验证后即可继续访问)")

// PageError reports a URL that did not give an article.
type PageError struct {
	URL     string
	Kind    PageKind
	Message string // the text WeChat showed, when there was one
	// transient marks a download that failed in a way a re-run may not
	// meet (a network error, a 5xx).
	transient bool
}

// Permanent tells a page that no re-run will turn into an article: it was
// deleted or removed, its account is gone, its link expired, or it is no
// article page at all. A temporarily unavailable page, or one the network
// did not deliver, is not.
func (e *PageError) Permanent() bool {
	switch e.Kind {
	case PageDeleted, PageRemoved, PageBanned, PageExpired:
		return true
	case PageUnknown:
		return !e.transient
	}
	return false
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

// pageMessages are the texts WeChat shows instead of a post, in Chinese and
// in English (for clients that ask for English, docs/wechat-pages.md).
// They are checked only when the page holds no post, since a post may quote
// them; English ones are matched without regard to case. The first match
// wins: the account's fate before the article's, since a banned account's
// page also says its content cannot be viewed.
var pageMessages = []struct {
	kind PageKind
	text string
}{
	{PageVerify, "环境异常"},
	{PageVerify, "完成验证后即可继续访问"},
	{PageVerify, "访问过于频繁"},
	{PageVerify, "请在微信客户端打开链接"},
	{PageVerify, "environment is abnormal"},
	{PageVerify, "complete the verification"},
	{PageVerify, "too frequent"},
	{PageBanned, "已被封禁"},
	{PageBanned, "帐号已被屏蔽"},
	{PageBanned, "账号已被屏蔽"},
	{PageBanned, "已自主注销"},
	{PageBanned, "帐号已注销"},
	{PageBanned, "账号已注销"},
	{PageBanned, "已迁移"},
	{PageBanned, "account has been blocked"},
	{PageBanned, "account has been banned"},
	{PageBanned, "account has been suspended"},
	{PageBanned, "account has been deregistered"},
	{PageBanned, "account has been cancelled"},
	{PageBanned, "account has been canceled"},
	{PageBanned, "account has been migrated"},
	{PageBanned, "account has moved"},
	{PageBanned, "account has been closed"},
	{PageDeleted, "已被发布者删除"},
	{PageDeleted, "deleted by the author"},
	{PageDeleted, "deleted by the publisher"},
	{PageDeleted, "content has been deleted"},
	{PageRemoved, "因违规无法查看"},
	{PageRemoved, "被多人投诉"},
	{PageRemoved, "违反相关法律法规"},
	{PageRemoved, "违规"},
	{PageRemoved, "violat"}, // violation, violating, violates
	{PageRemoved, "reported by multiple users"},
	{PageRemoved, "complaints"},
	{PageExpired, "链接已过期"},
	{PageExpired, "link has expired"},
	{PageExpired, "link expired"},
	{PageUnavailable, "暂时无法查看"},
	{PageUnavailable, "暂不可查看"},
	{PageUnavailable, "temporarily unavailable"},
	{PageUnavailable, "cannot be viewed temporarily"},
	{PageUnavailable, "unavailable"},
}

// classifyMessage names the message of a page that holds no post.
func classifyMessage(doc *xhtml.Node) *ArticlePage {
	p := &ArticlePage{Kind: PageUnknown, Message: messageText(doc)}
	text := strings.ToLower(visibleText(doc))
	for _, m := range pageMessages {
		if strings.Contains(text, m.text) {
			p.Kind = m.kind
			break
		}
	}
	return p
}
