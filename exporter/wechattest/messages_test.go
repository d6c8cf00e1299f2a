package wechattest

import (
	"strings"
	"testing"
)

// --- message pages ---

func TestPrefersEnglish(t *testing.T) {
	for header, want := range map[string]bool{
		"":                               false,
		"en":                             true,
		"en-US,en;q=0.9":                 true,
		"zh-CN,zh;q=0.9,en;q=0.8":        false,
		"zh-CN;q=0.5, en-GB;q=0.8":       true,
		"fr-FR, en;q=0.9":                false,
		"EN-us":                          true,
		"english":                        false,
		"zh-CN;q=0.9, en;q=0.9, de;q=1x": false,
	} {
		if got := prefersEnglish(header); got != want {
			t.Errorf("prefersEnglish(%q) = %v", header, got)
		}
	}
}

func TestMessagePages_Languages(t *testing.T) {
	const (
		zh = "zh-CN,zh;q=0.9,en;q=0.8"
		en = "en-US,en;q=0.9"
	)
	s := kindsServer(t, Options{Seed: 36, Articles: 20, Drafts: 2, MassSent: 6})
	mass := s.MassSentArticles()
	draft := s.Articles(SourceDrafts)[0]
	set := func(a Article, st PageState) string {
		t.Helper()
		if err := s.SetPageState(a.URL, st); err != nil {
			t.Fatal(err)
		}
		return ArticleLink(a.URL)
	}
	if err := s.SetRemovalReason(mass[1].URL, "涉嫌过度营销、骚扰用户"); err != nil {
		t.Fatal(err)
	}
	type page struct {
		name, link string
		state      AccountState
		zh, en     string
	}
	pages := []page{
		{"deleted", set(mass[0], PageDeleted), AccountNormal, "该内容已被发布者删除", "The content has been deleted by the author."},
		{"removed", set(mass[1], PageRemoved), AccountNormal, "此内容因违规无法查看", "Unable to view this content because it violates regulation"},
		{"unavailable", set(mass[2], PageUnavailable), AccountNormal, "该内容暂时无法查看", "This content is temporarily unavailable"},
		{"expired", set(mass[3], PageExpired), AccountNormal, "链接已过期", "Link expired"},
		{"draft preview", strings.Replace(strings.TrimSuffix(draft.URL, "#rd"), "http://", "https://", 1), AccountNormal, "链接已过期", "Link expired"},
		{"bad link", "https://mp.weixin.qq.com/s/NoSuchShortLink00000000", AccountNormal, "参数错误", "Invalid parameters"},
		{"banned", ArticleLink(mass[4].URL), AccountBanned, "此帐号已被屏蔽, 内容无法查看", "This account has been blocked. Its content cannot be viewed."},
		{"migrated", ArticleLink(mass[4].URL), AccountMigrated, "该公众号已迁移", "This Official Account has moved"},
		{"deregistered", ArticleLink(mass[4].URL), AccountDeregistered, "此帐号已自主注销，内容无法查看", "This account has been deregistered. Its content cannot be viewed."},
	}
	for _, p := range pages {
		s.SetAccountState(p.state)
		for lang, want := range map[string]string{zh: p.zh, en: p.en, "": p.zh} {
			resp, body := getPageLang(t, s, p.link, lang)
			if got := messageTitle(body); resp.StatusCode != 200 || got != want {
				t.Errorf("%s (%q): %d %q, want %q", p.name, lang, resp.StatusCode, got, want)
			}
			if strings.Contains(body, "js_content") || strings.Contains(body, "cgiDataNew") {
				t.Errorf("%s (%q): message page holds article markup", p.name, lang)
			}
			switch p.name {
			case "removed":
				// The reason: in the text, and in cgiData as WeChat keeps it.
				reason := map[string]string{zh: "涉嫌过度营销、骚扰用户", en: "excessive marketing and harassing users", "": "涉嫌过度营销、骚扰用户"}[lang]
				if !strings.Contains(body, reason) || delReasonRE.FindStringSubmatch(body)[1] != "涉嫌过度营销、骚扰用户" {
					t.Errorf("removed (%q): reason missing", lang)
				}
			case "migrated":
				if m := transferRE.FindStringSubmatch(body); m == nil || !strings.HasPrefix(m[1], "https://mp.weixin.qq.com/") {
					t.Errorf("migrated: no transferTargetLink")
				}
			}
		}
	}
	s.SetAccountState(AccountNormal)

	// Verification stays Chinese in English; only the labels turn.
	_, body := getPageLang(t, s, PathCaptcha, en)
	if messageTitle(body) != "环境异常" || !strings.Contains(body, "当前环境异常，完成验证后即可继续访问。") || a11yLikeRE.FindStringSubmatch(body)[1] != "Like" {
		t.Errorf("English verification page: %q", messageTitle(body))
	}
	_, body = getPageLang(t, s, PathCaptcha, zh)
	if a11yLikeRE.FindStringSubmatch(body)[1] != "赞" {
		t.Error("Chinese verification page has English labels")
	}

	// A per-article override wins over Accept-Language.
	if err := s.SetPageLang(mass[0].URL, PageLangEnglish); err != nil {
		t.Fatal(err)
	}
	if _, body := getPageLang(t, s, ArticleLink(mass[0].URL), zh); messageTitle(body) != "The content has been deleted by the author." {
		t.Errorf("SetPageLang(en) ignored: %q", messageTitle(body))
	}
	// Ordinary pages do not change with the language.
	_, zhPage := getPageLang(t, s, ArticleLink(mass[5].URL), zh)
	_, enPage := getPageLang(t, s, ArticleLink(mass[5].URL), en)
	if zhPage != enPage || !strings.Contains(zhPage, mass[5].Content) {
		t.Error("article page depends on Accept-Language")
	}
}
