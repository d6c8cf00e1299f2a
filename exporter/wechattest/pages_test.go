package wechattest

import (
	"bytes"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"
)

// page fetches an mp.weixin.qq.com link from the fake by its path.
func getPage(t *testing.T, s *Server, link string) (*http.Response, string) {
	t.Helper()
	path := strings.TrimPrefix(strings.TrimPrefix(link, "https://mp.weixin.qq.com"), "http://mp.weixin.qq.com")
	resp, raw := do(t, s, "GET", path, "", nil)
	return resp, string(raw)
}

func TestPages_Article(t *testing.T) {
	s := start(t, Options{Articles: 30, Seed: 5})
	for _, src := range []Source{SourcePublished, SourceNews} {
		a := s.Articles(src)[0]
		resp, body := getPage(t, s, ArticleLink(a.URL))
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %s", src, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		for _, want := range []string{
			`<meta property="og:title" content="` + html.EscapeString(a.Title) + `" />`,
			`id="js_content" style="visibility: hidden; opacity: 0; ">` + "\n" + a.Content + "\n",
			`var ct = "`,
			`<meta property="og:image" content="` + html.EscapeString(a.ThumbURL) + `" />`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("%s page lacks %.120q", src, want)
			}
		}
		// Content images point at the fake, so a client can download them.
		if strings.Contains(body, "mmbiz.qpic.cn") {
			t.Errorf("%s page still names the real image host", src)
		}
		// The short link serves the same page.
		if _, short := getPage(t, s, ShortLink(a.URL)); short != body {
			t.Errorf("%s: short link %s serves another page", src, ShortLink(a.URL))
		}
	}
}

func TestPages_MessagePages(t *testing.T) {
	s := start(t, Options{Articles: 30, Seed: 6})
	pub := s.Articles(SourcePublished)
	a, b := pub[0], pub[1]
	want := func(link, text string) {
		t.Helper()
		resp, body := getPage(t, s, link)
		if got := messageTitle(body); resp.StatusCode != 200 || got != text || strings.Contains(body, "js_content") {
			t.Errorf("%s: want %q, got %d %q", link, text, resp.StatusCode, got)
		}
	}
	wrongSn := strings.Replace(ArticleLink(a.URL), "&sn=", "&sn=0", 1)
	want(wrongSn, "参数错误")
	want("https://mp.weixin.qq.com/s/NoSuchShortLink00000000", "参数错误")

	if err := s.DeletePublished(a.ID, a.Index); err != nil {
		t.Fatal(err)
	}
	want(ArticleLink(a.URL), "该内容已被发布者删除")
	if err := s.SetPageState(b.URL, PageRemoved); err != nil {
		t.Fatal(err)
	}
	want(ArticleLink(b.URL), "此内容因违规无法查看")
	want(ShortLink(b.URL), "此内容因违规无法查看")

	s.BanAccount(true)
	want(ArticleLink(pub[2].URL), "此帐号已被屏蔽, 内容无法查看")
	s.BanAccount(false)
	if _, body := getPage(t, s, ArticleLink(pub[2].URL)); !strings.Contains(body, "js_content") {
		t.Error("unbanned account still banned")
	}
}

func TestPages_Verification(t *testing.T) {
	s := start(t, Options{Articles: 10, Seed: 7})
	link := ArticleLink(s.Articles(SourcePublished)[0].URL)
	s.RequireVerification(1)
	if _, body := getPage(t, s, link); !strings.Contains(body, "js_content") {
		t.Fatal("first page after RequireVerification(1) is not the article")
	}
	for range 2 {
		resp, body := getPage(t, s, link)
		if resp.Request.URL.Path != PathCaptcha || !strings.Contains(body, "环境异常") || !strings.Contains(body, "完成验证后即可继续访问") {
			t.Fatalf("want the verification page, got %s %.200s", resp.Request.URL, body)
		}
	}
	s.PassVerification()
	if _, body := getPage(t, s, link); !strings.Contains(body, "js_content") {
		t.Fatal("PassVerification did not end it")
	}

	fast := start(t, Options{Articles: 10, Seed: 7, PageMinInterval: time.Hour})
	getPage(t, fast, link)
	if _, body := getPage(t, fast, link); !strings.Contains(body, "环境异常") {
		t.Error("two requests within PageMinInterval were not sent to verification")
	}
	// The captcha page is not an article page request.
	reqs := fast.PageRequests()
	if len(reqs) != 2 || reqs[1].Path != strings.TrimPrefix(link, "https://mp.weixin.qq.com") || !strings.HasPrefix(reqs[1].UserAgent, "Go-http-client") {
		t.Errorf("requests: %+v", reqs)
	}
}

func TestPages_MassSent(t *testing.T) {
	s := start(t, Options{Articles: 20, Seed: 8, MassSent: 7})
	mass := s.MassSentArticles()
	if len(mass) != 7 {
		t.Fatalf("%d mass-sent articles, want 7", len(mass))
	}
	for _, a := range mass {
		for _, src := range []Source{SourceNews, SourcePublished, SourceDrafts} {
			for _, b := range s.Articles(src) {
				if b.URL == a.URL {
					t.Fatalf("mass-sent %s is listed in %s", a.URL, src)
				}
			}
		}
		if _, body := getPage(t, s, ArticleLink(a.URL)); !strings.Contains(body, a.Content) {
			t.Errorf("%s: page lacks the content", a.URL)
		}
	}
	// The lists do not depend on MassSent: the page-only articles draw
	// from their own random stream.
	plain := start(t, Options{Articles: 20, Seed: 8, Host: "wechattest.invalid"})
	s = start(t, Options{Articles: 20, Seed: 8, MassSent: 7, Host: "wechattest.invalid"})
	for _, path := range []string{PathFreePublishList, PathBatchGetMaterial} {
		tok := plain.IssueToken()
		b := post(t, plain, path, tok, `{"type":"news","offset":0,"count":20}`)
		c := post(t, s, path, s.IssueToken(), `{"type":"news","offset":0,"count":20}`)
		if !bytes.Contains(b, []byte(`"item_count":`)) || bytes.Contains(b, []byte(`"item_count":0`)) {
			t.Fatalf("%s: %.200s", path, b)
		}
		if !bytes.Equal(b, c) {
			t.Errorf("%s differs with MassSent", path)
		}
	}
}

// post calls the API through Client(), which a server with Options.Host needs.
func post(t *testing.T, s *Server, path, token, body string) []byte {
	t.Helper()
	resp, err := s.Client().Post(s.URL()+path+"?access_token="+token, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
