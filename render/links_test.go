package render

import (
	"strings"
	"testing"
)

func TestLinks(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"article link byte for byte", `<p><a href="https://mp.weixin.qq.com/s?__biz=MzA5MA==&amp;mid=22&amp;idx=1&amp;sn=ab&amp;scene=21#wechat_redirect" tab="innerlink" data-linktype="2">上一篇</a></p>`,
			"[上一篇](https://mp.weixin.qq.com/s?__biz=MzA5MA==&mid=22&idx=1&sn=ab&scene=21#wechat_redirect)\n"},
		{"space and parentheses", `<a href="https://e.com/a b(1)">x</a>`, "[x](<https://e.com/a b(1)>)\n"},
		{"title kept and escaped", `<a href="https://e.com/" title='say "hi"'>x</a>`, "[x](https://e.com/ \"say \\\"hi\\\"\")\n"},
		{"spaces stay outside", `<p>甲<a href="https://e.com/"> 乙 </a>丙</p>`, "甲 [乙](https://e.com/) 丙\n"},
		{"block content joined", `<a href="https://e.com/"><section><p>一</p><p>二</p></section></a>`, "[一 二](https://e.com/)\n"},
		{"image link", `<a href="https://e.com/"><img data-src="https://m/i.png"></a>`, "[![](https://m/i.png)](https://e.com/)\n"},
		{"hashtag without href is text", `<a topic-id="1">#话题</a>`, "#话题\n"},
		{"empty link dropped", `<p>a<a href="https://e.com/"> </a>b</p>`, "a b\n"},
		{"mini program text link", `<a class="weapp_text_link" data-miniprogram-appid="wx12" data-miniprogram-path="pages/a?x=1" data-miniprogram-type="text">打开小程序</a>`,
			"[打开小程序](# \"mparchive:miniprogram wx12 data-miniprogram-path=pages/a?x=1\")\n"},
	})
}

func TestLinkURLMapping(t *testing.T) {
	var seen []string
	opts := Options{LinkURL: func(href string) string {
		seen = append(seen, href)
		if strings.Contains(href, "mid=22") {
			return "../2020-01-01-title/"
		}
		return ""
	}}
	in := `<p><a href="https://mp.weixin.qq.com/s?__biz=QQ==&amp;mid=22&amp;idx=1">本地</a>` +
		`<a href="https://e.com/x?a=1&amp;b=2">外部</a><a href="javascript:void(0)">脚本</a></p>`
	got, err := New().Convert(in, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := "[本地](../2020-01-01-title/)[外部](https://e.com/x?a=1&b=2)脚本\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	wantSeen := []string{"https://mp.weixin.qq.com/s?__biz=QQ==&mid=22&idx=1", "https://e.com/x?a=1&b=2"}
	if strings.Join(seen, " ") != strings.Join(wantSeen, " ") {
		t.Errorf("LinkURL saw %q, want %q", seen, wantSeen)
	}
}
