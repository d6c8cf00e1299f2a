package exporter

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter/wechattest"
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

func TestInnerHTML_Unbalanced(t *testing.T) {
	// The article's own </div> is missing: the parser's tree is used.
	page := `<html><body><div id="js_content"><p>a<div>b</p></body></html>`
	got, err := ParseArticlePage("https://mp.weixin.qq.com/s/x", []byte(page))
	if err != nil {
		t.Fatal(err)
	}
	if got.Body != `<p>a</p><div>b<p></p></div>` {
		t.Errorf("Body = %q", got.Body)
	}
}

func TestJSVar(t *testing.T) {
	scripts := `var msg_title_x = "wrong"; var msg_title = 'a\x26amp;b \u4e2d\'q\''.html(false);
	window.var nick = "no"; var nickname = htmlDecode("N&quot;1");
	var ct = "1700000000" * 1; var ct = "2";
	var biz = ""||""; var empty = "";
	var broken = "no end`
	tests := map[string]string{
		"msg_title": "a&b 中'q'",
		"nickname":  `N"1`,
		"ct":        "1700000000",
		"biz":       "",
		"missing":   "",
		"broken":    "",
	}
	for name, want := range tests {
		if got := jsVar(scripts, name); got != want {
			t.Errorf("jsVar(%s) = %q, want %q", name, got, want)
		}
	}
}

func TestNormalizeArticleURL(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"http://mp.weixin.qq.com/s?__biz=MzA5MDE3MTE1NA==&mid=2247490230&idx=2&sn=ab12&chksm=ff&scene=21#wechat_redirect",
			"https://mp.weixin.qq.com/s?__biz=MzA5MDE3MTE1NA%3D%3D&mid=2247490230&idx=2&sn=ab12", ""},
		{"https://mp.weixin.qq.com/s?__biz=MzA5&amp;mid=1&amp;idx=1&amp;sn=s", "https://mp.weixin.qq.com/s?__biz=MzA5&mid=1&idx=1&sn=s", ""},
		{"  https://mp.weixin.qq.com/s/Xk3b9QeW0a?from=timeline ", "https://mp.weixin.qq.com/s/Xk3b9QeW0a", ""},
		{"http://mp.weixin.qq.com/mp/appmsg/show?__biz=MjM5&appmsgid=10000012&itemidx=1&sign=x", "https://mp.weixin.qq.com/s?__biz=MjM5&mid=10000012&idx=1", ""},
		{"https://mp.weixin.qq.com/s?__biz=MzA5&mid=1", "https://mp.weixin.qq.com/s?__biz=MzA5&mid=1&idx=1", ""},
		{"https://example.com/s/abc", "", "not on mp.weixin.qq.com"},
		{"mp.weixin.qq.com/s/abc", "", "not a web link"},
		{"https://mp.weixin.qq.com/cgi-bin/home", "", "not an article link"},
		{"https://mp.weixin.qq.com/s?mid=1", "", "lacks __biz"},
		{"https://mp.weixin.qq.com/s/", "", "not an article link"},
	}
	for _, tt := range tests {
		got, err := NormalizeArticleURL(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestReadURLList(t *testing.T) {
	in := "\ufeff# articles mass-sent in 2023\n\n" +
		"https://mp.weixin.qq.com/s?__biz=MzA5&mid=1&idx=1&sn=s\n" +
		"http://mp.weixin.qq.com/s?__biz=MzA5&mid=1&idx=1&sn=s&chksm=x#rd\n" + // the same article again
		"https://mp.weixin.qq.com/s/short1\n"
	got, err := ReadURLList(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://mp.weixin.qq.com/s?__biz=MzA5&mid=1&idx=1&sn=s", "https://mp.weixin.qq.com/s/short1"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %q, want %q", got, want)
	}
	_, err = ReadURLList(strings.NewReader("https://mp.weixin.qq.com/s/ok\nhttps://example.com/x\nnot a url\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2:") || !strings.Contains(err.Error(), "line 3:") {
		t.Errorf("bad lines not all named: %v", err)
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

// urlRun is one FetchURLs run against the fake with instant, counted pauses
// and a cookie jar the fetcher must ignore.
type urlRun struct {
	srv    *wechattest.Server
	arch   *archive.Archive
	mu     sync.Mutex
	pauses int
	arts   []archive.Article
}

func newURLRun(t *testing.T, opts wechattest.Options) *urlRun {
	t.Helper()
	srv, err := wechattest.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	arch, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &urlRun{srv: srv, arch: arch}
}

func (r *urlRun) fetch(t *testing.T, urls []string, refetch bool) (*URLSummary, error) {
	return r.run(t, urls, URLOptions{Refetch: refetch})
}

// fetchFollowing fetches with FollowShares.
func (r *urlRun) fetchFollowing(t *testing.T, urls []string) (*URLSummary, error) {
	return r.run(t, urls, URLOptions{FollowShares: true})
}

func (r *urlRun) run(t *testing.T, urls []string, opts URLOptions) (*URLSummary, error) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	dl := testDownloader(http.DefaultClient, nil, r.srv.URL(), 2, func(ctx context.Context, _ time.Duration) error { return ctx.Err() })
	return FetchURLs(t.Context(), &http.Client{Jar: jar}, r.arch, urls, URLOptions{
		BaseURL:      r.srv.URL(),
		Refetch:      opts.Refetch,
		FollowShares: opts.FollowShares,
		Sleep: func(ctx context.Context, d time.Duration) error {
			r.mu.Lock()
			r.pauses++
			r.mu.Unlock()
			return ctx.Err()
		},
		Stored: func(ctx context.Context, arts []archive.Article, _, _ bool) {
			for i := range arts {
				for _, k := range mediaKeys(&arts[i]) {
					if _, err := dl.fetchMedia(ctx, r.arch, k); err != nil {
						t.Errorf("image %s of %s: %v", k, arts[i].URL, err)
					}
				}
			}
			r.arts = append(r.arts, arts...)
		},
	})
}

func TestFetchURLs_EndToEnd(t *testing.T) {
	r := newURLRun(t, wechattest.Options{Articles: 12, Seed: 21, MassSent: 4})
	mass := r.srv.MassSentArticles()
	pub := r.srv.Articles(wechattest.SourcePublished)
	gone, removed := pub[0], pub[1]
	if err := r.srv.DeletePublished(gone.ID, gone.Index); err != nil {
		t.Fatal(err)
	}
	if err := r.srv.SetPageState(removed.URL, wechattest.PageRemoved); err != nil {
		t.Fatal(err)
	}
	urls := []string{
		wechattest.ArticleLink(mass[0].URL),
		mass[1].URL, // as the API spells it: http, chksm, #rd
		wechattest.ShortLink(mass[2].URL),
		wechattest.ArticleLink(mass[3].URL),
		wechattest.ArticleLink(gone.URL),
		wechattest.ArticleLink(removed.URL),
		"https://mp.weixin.qq.com/s/NoSuchShortLink00000000",
	}
	// A 503 on the first page is retried after a pause.
	r.srv.InjectFault(wechattest.PagesStatsPath, wechattest.FaultHTTP503, 1)
	sum, err := r.fetch(t, urls, false)
	if err != nil {
		t.Fatal(err)
	}
	if sum.New != 4 || sum.Items != 4 || !sum.Complete || len(sum.Failed) != 3 {
		t.Fatalf("summary %+v, failed %v", sum, sum.Failed)
	}
	for i, kind := range []PageKind{PageDeleted, PageRemoved, PageUnknown} {
		if sum.Failed[i].Kind != kind {
			t.Errorf("failure %d: %v, want %v", i, sum.Failed[i], kind)
		}
	}

	// Every stored article is the fake's article, field by field.
	var got []archive.Article
	if err := r.arch.Walk(func(a *archive.Article) error { got = append(got, *a); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("%d articles in the archive", len(got))
	}
	byURL := map[string]archive.Article{}
	for _, a := range got {
		byURL[a.URL] = a
	}
	for _, want := range mass {
		a, ok := byURL[wechattest.ArticleLink(want.URL)]
		if !ok {
			t.Errorf("%s not stored (have %v)", want.URL, byURL)
			continue
		}
		if a.Source != archive.URLs || a.Title != want.Title || a.Author != want.Author || a.Digest != want.Digest ||
			a.Content != want.Content || a.ContentSourceURL != want.ContentSourceURL || a.ThumbURL != want.ThumbURL ||
			!a.CreateTime.Equal(want.CreateTime) {
			t.Errorf("stored\n%+v\nwant\n%+v", a, want)
		}
		pl, _ := archive.ParsePermalink(a.URL)
		if a.ItemID != URLItemID(pl) {
			t.Errorf("item id %s, want %s", a.ItemID, URLItemID(pl))
		}
		// The page itself is kept, and the article's images are in.
		if e, ok := r.arch.Media(PageMediaKey(a.URL)); !ok || e.Type != "text/html; charset=utf-8" {
			t.Errorf("page of %s not kept: %+v", a.URL, e)
		}
		for _, k := range contentImages(a.Content) {
			if _, ok := r.arch.Media(k); !ok {
				t.Errorf("image %s not stored", k)
			}
		}
	}

	// Politeness: a pause before every request but the first, the retry
	// included, and a backoff before the retry; browser headers; no
	// Referer and no cookies although the fake sets some and the client
	// has a jar.
	reqs := r.srv.PageRequests()
	if len(reqs) != len(urls)+1 || r.pauses != len(reqs) {
		t.Errorf("%d requests, %d pauses", len(reqs), r.pauses)
	}
	for _, q := range reqs {
		if q.UserAgent != browserUA || !strings.HasPrefix(q.AcceptLanguage, "zh-CN") || q.Referer != "" || q.Cookie != "" {
			t.Errorf("request %+v", q)
		}
	}

	// A second run skips what is stored and asks only for the failures.
	sum, err = r.fetch(t, urls, false)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Skipped != 4 || sum.New != 0 || len(r.srv.PageRequests()) != len(reqs)+3 {
		t.Errorf("re-run: %+v after %d requests", sum, len(r.srv.PageRequests())-len(reqs))
	}

	// Refetching a page that is now deleted keeps the copy and marks it.
	if err := r.srv.SetPageState(mass[0].URL, wechattest.PageDeleted); err != nil {
		t.Fatal(err)
	}
	if _, err := r.fetch(t, urls[:1], true); err != nil {
		t.Fatal(err)
	}
	r.arch.Walk(func(a *archive.Article) error {
		if a.URL == wechattest.ArticleLink(mass[0].URL) && (!a.Deleted || a.Content != mass[0].Content) {
			t.Errorf("deleted article: Deleted=%v, content kept=%v", a.Deleted, a.Content == mass[0].Content)
		}
		return nil
	})
}

func TestFetchURLs_VerificationStopsAndResumes(t *testing.T) {
	r := newURLRun(t, wechattest.Options{Articles: 4, Seed: 22, MassSent: 5})
	var urls []string
	for _, a := range r.srv.MassSentArticles() {
		urls = append(urls, wechattest.ArticleLink(a.URL))
	}
	r.srv.RequireVerification(2)
	sum, err := r.fetch(t, urls, false)
	if !errors.Is(err, ErrVerification) || !strings.Contains(err.Error(), "run the same command again") {
		t.Fatalf("err = %v", err)
	}
	if sum.New != 2 || sum.Remaining != 3 || sum.Complete {
		t.Errorf("summary %+v", sum)
	}
	asked := len(r.srv.PageRequests())
	if asked != 3 {
		t.Errorf("%d requests; the run must stop at the first verification page", asked)
	}

	r.srv.PassVerification()
	sum, err = r.fetch(t, urls, false)
	if err != nil {
		t.Fatal(err)
	}
	if sum.New != 3 || sum.Skipped != 2 || len(r.srv.PageRequests()) != asked+3 {
		t.Errorf("resumed run: %+v", sum)
	}
}

func TestFetchURLs_TooFastMeetsVerification(t *testing.T) {
	// The fake sends a visitor to verification when two pages come within
	// 20 ms of its clock; the fetcher's own pauses (50–150 ms here) keep it
	// clear. The clock moves only when the fetcher pauses, so how fast the
	// machine is plays no part.
	r := newURLRun(t, wechattest.Options{Articles: 4, Seed: 23, MassSent: 3, PageMinInterval: 20 * time.Millisecond})
	r.srv.SetNow(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	pause := func(ctx context.Context, d time.Duration) error {
		r.srv.Advance(d)
		return ctx.Err()
	}
	var urls []string
	for _, a := range r.srv.MassSentArticles() {
		urls = append(urls, wechattest.ArticleLink(a.URL))
	}
	sum, err := FetchURLs(t.Context(), nil, r.arch, urls, URLOptions{BaseURL: r.srv.URL(), Interval: 100 * time.Millisecond, Sleep: pause})
	if err != nil || sum.New != 3 {
		t.Fatalf("polite run: %+v, %v", sum, err)
	}
	_, err = FetchURLs(t.Context(), nil, r.arch, urls, URLOptions{BaseURL: r.srv.URL(), Interval: -1, Refetch: true, Sleep: pause})
	if !errors.Is(err, ErrVerification) {
		t.Fatalf("a run without pauses got through: %v", err)
	}
}

func TestFetchURLs_StoredItemShape(t *testing.T) {
	p, err := ParseArticlePage("https://mp.weixin.qq.com/s/Xk3b9QeW0aLimmaShort2", readFixture(t, "a2-limma-short.html"))
	if err != nil {
		t.Fatal(err)
	}
	raw, id := p.item("https://mp.weixin.qq.com/s/Xk3b9QeW0aLimmaShort2")
	if id != "MzkyNTIzMzYyMA==_2247492301_2" {
		t.Errorf("id %s", id)
	}
	arts, err := archive.DecodeItem(archive.URLs, raw)
	if err != nil || len(arts) != 1 {
		t.Fatal(err)
	}
	a := arts[0]
	if a.URL != "https://mp.weixin.qq.com/s?__biz=MzkyNTIzMzYyMA%3D%3D&mid=2247492301&idx=2&sn=0b3c5e7a9d1f2e4c6a8b0d2f4e6a8c0e" ||
		a.Title != p.Title || a.ThumbURL != p.Cover || !a.CreateTime.Equal(p.PublishTime) || a.ItemID != id ||
		a.AccountName != "生信益站" || a.AccountID != "MzkyNTIzMzYyMA==" {
		t.Errorf("decoded %+v", a)
	}
	var extra struct {
		Page urlPage `json:"page"`
	}
	json.Unmarshal(raw, &extra)
	if extra.Page.FetchedFrom != "https://mp.weixin.qq.com/s/Xk3b9QeW0aLimmaShort2" ||
		extra.Page.ContentSHA256 != p.ContentHash() || extra.Page.PageKey != PageMediaKey(a.URL) {
		t.Errorf("page record %+v", extra.Page)
	}
	// Stored twice, byte-identical: nothing in it depends on when it ran.
	raw2, _ := p.item("https://mp.weixin.qq.com/s/Xk3b9QeW0aLimmaShort2")
	if string(raw) != string(raw2) {
		t.Error("the item is not deterministic")
	}
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

// TestFetch_URLArticlesAreListedAsChanges: articles stored from their
// pages are in the run's Added list like listed ones, so --git commits
// count them, and a refetch that changes nothing lists nothing.
func TestFetch_URLArticlesAreListedAsChanges(t *testing.T) {
	srv, err := wechattest.NewServer(wechattest.Options{Articles: 2, Seed: 41, MassSent: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var urls []string
	want := map[string]bool{}
	for _, a := range srv.MassSentArticles() {
		urls = append(urls, wechattest.ArticleLink(a.URL))
		want[a.Title] = true
	}
	arch, _ := archive.Open(t.TempDir())
	noSleep := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	opts := FetchOptions{Sources: []archive.Source{archive.URLs}, URLs: urls, PageBaseURL: srv.URL(), VoiceBaseURL: srv.URL(),
		PageInterval: -1, PageSleep: noSleep, Sleep: noSleep}
	sum, err := Fetch(t.Context(), nil, arch, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Added) != len(want) || len(sum.Changed) != 0 {
		t.Fatalf("added %v, changed %v; want the %d articles added", sum.Added, sum.Changed, len(want))
	}
	for _, c := range sum.Added {
		if !want[c.Title] || !strings.HasPrefix(c.Key, string(archive.URLs)+"/") {
			t.Errorf("added %+v", c)
		}
	}
	opts.RefetchURLs = true
	sum, err = Fetch(t.Context(), nil, arch, opts)
	if err != nil || len(sum.Added)+len(sum.Changed) != 0 {
		t.Errorf("refetch of unchanged pages: added %v, changed %v, %v", sum.Added, sum.Changed, err)
	}
}

// TestMarkGone_HashedID: an item stored under a hashed file name (its id
// is no safe file name) is marked deleted like any other.
func TestMarkGone_HashedID(t *testing.T) {
	arch, _ := archive.Open(t.TempDir())
	for _, id := range []string{"MzA5_2247_1", "an id/that is not a file name?"} {
		var it urlItem
		it.ArticleID = id
		it.Content.NewsItem = []archive.NewsItem{{Title: "t"}}
		raw, _ := encodeJSON(it)
		if _, err := arch.PutItem(archive.URLs, raw); err != nil {
			t.Fatal(err)
		}
		if err := markGone(arch, id, PageRemoved); err != nil {
			t.Fatal(err)
		}
		got, err := arch.RawItem(archive.URLs, id)
		if err != nil {
			t.Fatal(err)
		}
		var back urlItem
		json.Unmarshal(got, &back)
		if back.Page.Status != "removed" || !back.Content.NewsItem[0].IsDeleted {
			t.Errorf("%q: not marked: %s", id, got)
		}
	}
	if err := markGone(arch, "never stored", PageDeleted); err != nil {
		t.Errorf("an item not in the archive: %v", err)
	}
}
