package exporter

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
)

// The page fixtures in testdata/pages are real article bodies (from the
// converter corpus) wrapped in page shells written for these tests after
// WeChat's layout: a current one reached by its long link (a1, a3, a4) and
// an older one reached by a short /s/… link with fewer meta tags (a2). Each
// *.body.html is the body as it went in, which the parser must give back
// byte for byte.
func TestParseArticlePage_Fixtures(t *testing.T) {
	tests := []struct {
		file, url string
		want      ArticlePage
	}{
		{
			file: "a1-r-expression.html",
			url:  "https://mp.weixin.qq.com/s?__biz=MzU4NjU4ODQ2MQ==&mid=2247484512&idx=1&sn=6a1f0f2c9e6c4b1e8d1e44b0c8a0a001",
			want: ArticlePage{
				Title: "R语言中的表达式expression", Author: "小知", AccountName: "生信小知识",
				Digest:      "字符串如何变成可以求值的表达式：parse、eval 与 substitute 的用法。",
				Cover:       "http://mmbiz.qpic.cn/mmbiz_jpg/CoverRexprFixture0a1/0?wx_fmt=jpeg",
				PublishTime: time.Date(2021, 6, 8, 21, 30, 0, 0, archive.ChinaTime),
				Biz:         "MzU4NjU4ODQ2MQ==", Mid: "2247484512", Idx: "1", Sn: "6a1f0f2c9e6c4b1e8d1e44b0c8a0a001",
				CopyrightStat: archive.CopyrightOriginal,
			},
		},
		{
			// Short link: the permalink comes from the page's variables, the
			// title from #activity-name, the author from var author, the time
			// from create_time in its date form.
			file: "a2-limma-short.html",
			url:  "https://mp.weixin.qq.com/s/Xk3b9QeW0aLimmaShort2",
			want: ArticlePage{
				Title: "limma 包：差异分析的老朋友", Author: "白菜", AccountName: "生信益站",
				Cover:       "https://mmbiz.qpic.cn/sz_mmbiz_jpg/CoverLimmaFixture0a2/0?wx_fmt=jpeg",
				PublishTime: time.Date(2024, 3, 15, 7, 45, 0, 0, archive.ChinaTime),
				Biz:         "MzkyNTIzMzYyMA==", Mid: "2247492301", Idx: "2", Sn: "0b3c5e7a9d1f2e4c6a8b0d2f4e6a8c0e",
			},
		},
		{
			// Entities and JS escapes in the title, a 阅读原文 link.
			file: "a3-xinhua-source.html",
			url:  "https://mp.weixin.qq.com/s?__biz=MzA4NDI3NjcyNA==&mid=2652961234&idx=3&sn=f0e1d2c3b4a5968778695a4b3c2d1e0f",
			want: ArticlePage{
				Title: "“春耕”进行时 & 农机上新：记者<一线>观察", Author: "新华社记者", AccountName: "新华社",
				Digest:      "从南到北，春耕春播有序推进。",
				Cover:       "http://mmbiz.qpic.cn/mmbiz_jpg/CoverXinhuaFixture0a3/0?wx_fmt=jpeg&from=appmsg",
				SourceURL:   "https://www.news.cn/politics/2023-03/20/c_1129446588.htm?a=1&b=2",
				PublishTime: time.Date(2023, 3, 20, 18, 2, 0, 0, archive.ChinaTime),
				Biz:         "MzA4NDI3NjcyNA==", Mid: "2652961234", Idx: "3", Sn: "f0e1d2c3b4a5968778695a4b3c2d1e0f",
				CopyrightStat: archive.CopyrightOriginal,
			},
		},
		{
			file: "a4-medical-video.html",
			url:  "https://mp.weixin.qq.com/s?__biz=MzI1MzQ0NjAxMQ==&mid=2247510007&idx=1&sn=11223344556677889900aabbccddeeff",
			want: ArticlePage{
				Title: "医疗队的一天", AccountName: "市人民医院",
				Cover:       "http://mmbiz.qpic.cn/mmbiz_jpg/CoverMedicalFixture0a4/0?wx_fmt=jpeg",
				PublishTime: time.Date(2020, 2, 11, 12, 0, 0, 0, archive.ChinaTime),
				Biz:         "MzI1MzQ0NjAxMQ==", Mid: "2247510007", Idx: "1", Sn: "11223344556677889900aabbccddeeff",
				CopyrightStat: archive.CopyrightOriginal,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			page := readFixture(t, tt.file)
			body := strings.TrimSpace(string(readFixture(t, strings.TrimSuffix(tt.file, ".html")+".body.html")))
			got, err := ParseArticlePage(tt.url, page)
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != PageArticle {
				t.Fatalf("Kind = %v, want article", got.Kind)
			}
			if got.Body != body {
				t.Errorf("Body differs from the body that went in:\n got %.200q…\nwant %.200q…", got.Body, body)
			}
			want := tt.want
			if !got.PublishTime.Equal(want.PublishTime) {
				t.Errorf("PublishTime = %v, want %v", got.PublishTime, want.PublishTime)
			}
			parsedBody := got.Body
			got.PublishTime, want.PublishTime, got.Body = time.Time{}, time.Time{}, ""
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("parsed\n%+v\nwant\n%+v", *got, want)
			}
			// The images of the body are found for download, lazy ones included.
			if imgs := contentImages(parsedBody); len(imgs) == 0 && strings.Contains(body, "<img") {
				t.Error("BodyMedia finds no image in the parsed body")
			}
		})
	}
}

func TestParseArticlePage_MessagePages(t *testing.T) {
	tests := []struct {
		file, finalURL string
		kind           PageKind
		message        string
	}{
		{"deleted.html", "", PageDeleted, "该内容已被发布者删除"},
		{"removed.html", "", PageRemoved, "此内容因违规无法查看"},
		{"complained.html", "", PageRemoved, "此内容被多人投诉，相关的内容无法进行查看。"},
		{"banned.html", "", PageBanned, "该公众号已被封禁 此帐号已被封禁，内容无法查看"},
		{"verify.html", "", PageVerify, "环境异常 当前环境异常，完成验证后即可继续访问。"},
		// WeChat redirects to its captcha page; the address alone tells.
		{"param-error.html", "https://mp.weixin.qq.com/mp/wappoc_appmsgcaptcha?poc_token=x&target_url=y", PageVerify, "参数错误"},
		{"param-error.html", "", PageUnknown, "参数错误"},
	}
	for _, tt := range tests {
		t.Run(tt.file+tt.finalURL, func(t *testing.T) {
			u := tt.finalURL
			if u == "" {
				u = "https://mp.weixin.qq.com/s/AbCdEf"
			}
			got, err := ParseArticlePage(u, readFixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != tt.kind || got.Message != tt.message {
				t.Errorf("got %v %q, want %v %q", got.Kind, got.Message, tt.kind, tt.message)
			}
			if got.Body != "" || got.Title != "" {
				t.Errorf("a message page gave an article: %+v", got)
			}
		})
	}
}

// TestParseArticlePage_MessageTexts covers the message pages in both
// languages, in the markup of the real deleted page
// (testdata/pages/real/w18-deleted-page.html.gz): a weui-msg title, a
// description for some, no article.
func TestParseArticlePage_MessageTexts(t *testing.T) {
	tests := []struct {
		title, desc string
		kind        PageKind
	}{
		{"该内容已被发布者删除", "", PageDeleted},
		{"The content has been deleted by the author.", "", PageDeleted},
		{"此内容因违规无法查看", "", PageRemoved},
		{"This content cannot be viewed because it violates regulations.", "", PageRemoved},
		{"此内容被多人投诉，相关的内容无法进行查看。", "", PageRemoved},
		{"该内容暂时无法查看", "", PageUnavailable},
		{"This content is temporarily unavailable.", "", PageUnavailable},
		{"链接已过期", "", PageExpired},
		{"The link has expired.", "", PageExpired},
		{"该公众号已被封禁", "此帐号已被封禁，内容无法查看", PageBanned},
		{"This account has been blocked.", "Its content cannot be viewed.", PageBanned},
		{"该公众号已迁移", "", PageBanned},
		{"The account has been migrated.", "", PageBanned},
		{"此帐号已自主注销，内容无法查看", "", PageBanned},
		{"The account has been deregistered.", "", PageBanned},
		{"环境异常", "当前环境异常，完成验证后即可继续访问。", PageVerify},
		{"Environment is abnormal", "Complete the verification to continue.", PageVerify},
		{"参数错误", "", PageUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.title, func(t *testing.T) {
			page := `<!DOCTYPE html><html><head><title></title><script>var x = 1;</script></head><body id="activity-detail">` +
				`<div class="weui-msg"><div class="weui-msg__icon-area"><i class="weui-icon-warn weui-icon_msg-primary"></i></div>` +
				`<div class="weui-msg__text-area"><div class="weui-msg__title warn">` + tt.title + `</div>`
			want := tt.title
			if tt.desc != "" {
				page += `<p class="weui-msg__desc">` + tt.desc + `</p>`
				want += " " + tt.desc
			}
			page += `</div><div class="weui-msg__extra-area"><div class="weui-footer"><p class="weui-footer__links">` +
				`<a class="weui-footer__link" href="https://mp.weixin.qq.com/webpoc/ruleCenter?type=oa">微信公众平台运营中心</a></p></div></div></div></body></html>`
			got, err := ParseArticlePage("https://mp.weixin.qq.com/s/AbCdEf", []byte(page))
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != tt.kind || got.Message != want {
				t.Errorf("got %v %q, want %v %q", got.Kind, got.Message, tt.kind, want)
			}
		})
	}
}

// An article that quotes WeChat's messages is still an article.
func TestParseArticlePage_QuotedMessageIsArticle(t *testing.T) {
	page := `<html><body><h1 id="activity-name">删帖那些事</h1><div id="js_content" style="visibility: hidden;">` +
		`<p>打开链接只看到“该内容已被发布者删除”或者“环境异常”？</p><div><div>x</div></div></div>` +
		`<script>var ct = "1700000000";</script></body></html>`
	got, err := ParseArticlePage("https://mp.weixin.qq.com/s/x", []byte(page))
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != PageArticle || got.Title != "删帖那些事" {
		t.Fatalf("got %v %q", got.Kind, got.Title)
	}
	if want := `<p>打开链接只看到“该内容已被发布者删除”或者“环境异常”？</p><div><div>x</div></div>`; got.Body != want {
		t.Errorf("Body = %q, want %q", got.Body, want)
	}
}

func TestParseArticlePage_NotHTML(t *testing.T) {
	if _, err := ParseArticlePage("https://mp.weixin.qq.com/s/x", []byte{0xff, 0xfe, 0x00, 0x80, 0x81}); err == nil {
		t.Error("binary bytes parsed as a page")
	}
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "pages", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func BenchmarkParseArticlePage(b *testing.B) {
	page, err := os.ReadFile(filepath.Join("testdata", "pages", "a4-medical-video.html"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		if _, err := ParseArticlePage("https://mp.weixin.qq.com/s?__biz=MzI1MzQ0NjAxMQ==&mid=2247510007&idx=1", page); err != nil {
			b.Fatal(err)
		}
	}
}
