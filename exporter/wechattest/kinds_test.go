package wechattest

import (
	"bytes"
	"fmt"
	"html"
	"image"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// --- page helpers ---

func getPageLang(t *testing.T, s *Server, link, acceptLanguage string) (*http.Response, string) {
	t.Helper()
	path := strings.TrimPrefix(strings.TrimPrefix(link, "https://mp.weixin.qq.com"), "http://mp.weixin.qq.com")
	req, _ := http.NewRequest("GET", s.URL()+path, nil)
	if acceptLanguage != "" {
		req.Header.Set("Accept-Language", acceptLanguage)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

var (
	msgTitleRE  = regexp.MustCompile(`(?s)class=['"]weui-msg__title[^'"]*['"]>\s*(.*?)\s*</(?:div|h2)>`)
	msgBlockRE  = regexp.MustCompile(`(?s)class="mesg-block">\s*<p>(.*?)</p>`)
	scriptRE    = regexp.MustCompile(`(?s)<script\b.*?</script>`)
	metaRE      = regexp.MustCompile(`(?s)<meta [^>]*>`)
	allTagsRE   = regexp.MustCompile(`(?s)<[^>]*>`)
	ssrDataRE   = regexp.MustCompile(`window\.__QMTPL_SSR_DATA__=(\{.*?\});\n`)
	jsContentRE = regexp.MustCompile(`(?s)id="js_content"[^>]*>(.*?)</div>\s*<div id="content_bottom_area"`)
	transferRE  = regexp.MustCompile(`var transferTargetLink = '([^']*)';`)
	delReasonRE = regexp.MustCompile(`del_reason: '([^']*)'`)
	a11yLikeRE  = regexp.MustCompile(`id="js_a11y_zan_btn_txt">([^<]*)<`)
)

// messageTitle is the headline of a message page, "" when it is none.
func messageTitle(page string) string {
	if m := msgTitleRE.FindStringSubmatch(page); m != nil {
		return html.UnescapeString(m[1])
	}
	if m := msgBlockRE.FindStringSubmatch(page); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// visibleText is what a browser without scripts shows of a page.
func visibleText(page string) string {
	return html.UnescapeString(allTagsRE.ReplaceAllString(metaRE.ReplaceAllString(scriptRE.ReplaceAllString(page, ""), ""), ""))
}

func kindsServer(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Articles == 0 {
		opts.Articles = 12
	}
	return start(t, opts)
}

// imageDims downloads an image from the fake and reads its size.
func imageDims(t *testing.T, s *Server, u string) (int, int, []byte) {
	t.Helper()
	resp, err := s.Client().Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d", u, resp.StatusCode)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", u, err)
	}
	return cfg.Width, cfg.Height, b
}

// --- picture posts ---

func TestPagePosts_Picture(t *testing.T) {
	s := kindsServer(t, Options{Seed: 31, PicturePosts: 8})
	posts := s.PagePosts()
	if len(posts) != 8 {
		t.Fatalf("%d page posts, want 8", len(posts))
	}
	dialects := map[bool]int{}
	for _, a := range posts {
		if a.Kind != KindPicture || len(a.Pictures) == 0 {
			t.Fatalf("%s: kind %s, %d pictures", a.URL, a.Kind, len(a.Pictures))
		}
		_, page := getPage(t, s, ArticleLink(a.URL))
		// The shape of the real picture pages: no article body, no
		// var msg_title; everything is in cgiDataNew.
		for _, absent := range []string{`id="js_content"`, "var msg_title", "mmbiz.qpic.cn"} {
			if strings.Contains(page, absent) {
				t.Errorf("%s: picture page holds %s", a.URL, absent)
			}
		}
		if strings.Contains(visibleText(page), a.Title) {
			t.Errorf("%s: the title is visible outside scripts and meta tags", a.URL)
		}
		dialects[strings.Contains(page, "JsDecode('")]++
		cgi := readCgiData(t, page)
		u, _ := url.Parse(a.URL)
		q := u.Query()
		for _, c := range []struct {
			field string
			got   any
			want  any
		}{
			{"title", str(cgi["title"]), a.Title},
			{"content_noencode", str(cgi["content_noencode"]), a.Text},
			{"desc", str(cgi["desc"]), wxEscape(a.Text)},
			{"item_show_type", number(cgi["item_show_type"]), int64(8)},
			{"create_time", str(cgi["create_time"]), a.CreateTime.Format("2006-01-02 15:04")},
			{"ori_create_time", number(cgi["ori_create_time"]), a.CreateTime.Unix()},
			{"bizuin", str(cgi["bizuin"]), q.Get("__biz")},
			{"mid", strconv.FormatInt(number(cgi["mid"]), 10), q.Get("mid")},
			{"sn", str(cgi["sn"]), q.Get("sn")},
			{"nick_name", str(cgi["nick_name"]) != "", true},
			{"copyright_stat", number(get(cgi, "copyright_info", "copyright_stat")), int64(0)},
			{"pictures", len(get(cgi, "picture_page_info_list").([]any)), len(a.Pictures)},
		} {
			if c.got != c.want {
				t.Errorf("%s: %s = %v, want %v", a.URL, c.field, c.got, c.want)
			}
		}
		for i, want := range a.Pictures {
			p := get(cgi, "picture_page_info_list", i)
			cdn := str(get(p, "cdn_url"))
			if !strings.Contains(cdn, "&amp;from=appmsg") || html.UnescapeString(cdn) != want {
				t.Errorf("%s: picture %d cdn_url %q, want %q HTML-escaped", a.URL, i, cdn, want)
			}
			w, h, _ := imageDims(t, s, want)
			if number(get(p, "width")) != int64(w) || number(get(p, "height")) != int64(h) {
				t.Errorf("%s: picture %d is %dx%d, the page says %vx%v", a.URL, i, w, h, get(p, "width"), get(p, "height"))
			}
			imageDims(t, s, str(get(p, "watermark_info", "cdn_url")))
		}
		// WeChat pastes the JS-escaped description into the meta tag.
		if strings.Contains(a.Text, "\n") && !strings.Contains(page, `<meta name="description"`+"\n          "+`content="`+cgiEscape(wxEscape(a.Text))+`"`) {
			t.Errorf("%s: meta description is not the JS-escaped text", a.URL)
		}
	}
	if dialects[true] == 0 || dialects[false] == 0 {
		t.Errorf("dialects: %v, want both JsDecode and plain literals", dialects)
	}
}

// TestCgiDataDialect pins the literal syntax itself on a hand-built
// object, both dialects, since the page tests only read it back.
func TestCgiDataDialect(t *testing.T) {
	obj := jsObj{
		{"title", "a'b\"c&d<e>f\\g\nh\ri"},
		{"n", num(8)},
		{"empty", jsArr{}},
		{"list", jsArr{"x", jsObj{{"ok", true}}}},
		{"o", jsObj{}},
	}
	want := `                title: JsDecode('a\x27b\x22c\x26d\x3ce\x3ef\x5cg\x0ah\x0di'),
                n: '8' * 1,
                empty: [
                ],
                list: [
                    JsDecode('x'),
                    {
                        ok: true,
                    },
                ],
                o: {
                },
`
	got := cgiScript(obj, false, "1")
	if !strings.Contains(got, "function JsDecode(str)") || !strings.Contains(got, want+"\n            };\n") {
		t.Errorf("JsDecode dialect:\n%s", got)
	}
	plain := cgiScript(obj, true, "1")
	if strings.Contains(plain, "JsDecode") || !strings.Contains(plain, `title: 'a\x27b\x22c\x26d\x3ce\x3ef\x5cg\x0ah\x0di',`) {
		t.Errorf("plain dialect:\n%s", plain)
	}
	for _, page := range []string{got, plain} {
		cgi := readCgiData(t, page)
		if cgi["title"] != "a'b\"c&d<e>f\\g\nh\ri" || cgi["n"] != 8.0 || get(cgi, "list", 1, "ok") != true {
			t.Errorf("read back %v", cgi)
		}
	}
}

// --- text posts ---

func TestPagePosts_Text(t *testing.T) {
	s := kindsServer(t, Options{Seed: 32, TextPosts: 12})
	variants := map[bool]int{}
	for _, a := range s.PagePosts() {
		_, page := getPage(t, s, ArticleLink(a.URL))
		cgi := readCgiData(t, page)
		userTitle := number(get(cgi, "text_page_info", "is_user_title")) == 1
		variants[userTitle]++
		if got := str(get(cgi, "text_page_info", "content_noencode")); got != a.Text || a.Text == "" {
			t.Errorf("%s: text_page_info.content_noencode %q, want %q", a.URL, got, a.Text)
		}
		if str(get(cgi, "text_page_info", "content")) != a.Text || number(cgi["item_show_type"]) != 10 {
			t.Errorf("%s: text_page_info.content or item_show_type wrong", a.URL)
		}
		// Without a title of its own the text is the title (w10–w12).
		if userTitle == (a.Title == a.Text) || str(cgi["title"]) != a.Title {
			t.Errorf("%s: is_user_title %v but title %q, text %q", a.URL, userTitle, a.Title, a.Text)
		}
		// #js_content is there (mirroring the real pages) without the text.
		if !strings.Contains(page, `<div id="js_content">`) || strings.Contains(page, `id="js_text_title"`) != userTitle {
			t.Errorf("%s: js_content or js_text_title missing", a.URL)
		}
		firstLine := strings.SplitN(a.Text, "\n", 2)[0]
		if strings.Contains(visibleText(page), firstLine) {
			t.Errorf("%s: the text is visible outside scripts", a.URL)
		}
		m := ssrDataRE.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("%s: no __QMTPL_SSR_DATA__", a.URL)
		}
		hasText := strings.Contains(m[1], "title:'"+cgiEscape(a.Text)+"'")
		if hasText == userTitle || !strings.Contains(m[1], "text_page_info:{is_user_title:'"+strconv.FormatInt(b2i(userTitle), 10)+"'}") {
			t.Errorf("%s: SSR data %.200s", a.URL, m[1])
		}
		if !strings.Contains(page, "window.msg_title = '"+jsEscape(a.Title)+"'") {
			t.Errorf("%s: window.msg_title missing", a.URL)
		}
	}
	if variants[true] == 0 || variants[false] == 0 {
		t.Errorf("is_user_title variants %v, want both", variants)
	}
}

// --- shares ---

func TestPagePosts_Share(t *testing.T) {
	s := kindsServer(t, Options{Seed: 33, SharePosts: 6})
	originals := map[string]Article{}
	for _, o := range s.SharedOriginals() {
		originals[o.URL] = o
	}
	notes := 0
	for _, a := range s.PagePosts() {
		o, ok := originals[a.SharedFrom]
		if a.Kind != KindShare || !ok {
			t.Fatalf("%s: kind %s, original %q not listed", a.URL, a.Kind, a.SharedFrom)
		}
		_, page := getPage(t, s, ArticleLink(a.URL))
		cgi := readCgiData(t, page)
		ci := get(cgi, "copyright_info")
		ou, _ := url.Parse(o.URL)
		oq := ou.Query()
		// The share's body is the original's, in an ordinary #js_content.
		if m := jsContentRE.FindStringSubmatch(page); m == nil || strings.TrimSpace(m[1]) != o.Content {
			t.Errorf("%s: #js_content is not the original's body", a.URL)
		}
		platform := str(get(ci, "platform"))
		for _, want := range []string{
			`class="weui-flex original_primary_card appmsg_card_context`,
			"<span>以下文章来源于" + html.EscapeString(platform) + "</span>",
			`<strong class="original_primary_nickname">` + html.EscapeString(platform) + `</strong>`,
			`var copyright_stat = "2" * 1;`,
			`var source_encode_biz = "` + oq.Get("__biz") + `";`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: page lacks %q", a.URL, want)
			}
		}
		note := str(get(ci, "reprint_recommend_content_noencode"))
		if (note != "") != strings.Contains(page, `<div class="original_primary_tips">`) {
			t.Errorf("%s: note %q and 编者荐语 block disagree", a.URL, note)
		}
		if note != "" {
			notes++
		}
		if number(get(ci, "copyright_stat")) != 2 || str(get(ci, "source_encode_biz")) != oq.Get("__biz") ||
			strconv.FormatInt(number(get(ci, "source_mid")), 10) != oq.Get("mid") || number(get(ci, "source_idx")) != 1 {
			t.Errorf("%s: copyright_info %v does not name %s", a.URL, ci, o.URL)
		}
		reprint := str(get(ci, "reprint_url"))
		if !strings.Contains(reprint, "%3D%3D&amp;mid=") {
			t.Errorf("%s: reprint_url %q is not written as WeChat writes it", a.URL, reprint)
		}
		// The original is served at reprint_url's path, as its own
		// account's ordinary article (for --follow-shares).
		_, opage := getPage(t, s, html.UnescapeString(reprint))
		ocgi := readCgiData(t, opage)
		if str(ocgi["title"]) != a.Title || str(ocgi["nick_name"]) != platform || number(get(ocgi, "copyright_info", "copyright_stat")) != 1 ||
			!strings.Contains(opage, o.Content) {
			t.Errorf("%s: original page: title %q account %q", a.URL, ocgi["title"], ocgi["nick_name"])
		}
		imageDims(t, s, str(get(ci, "source_headimg")))
	}
	if notes == 0 || notes == 6 {
		t.Errorf("%d of 6 shares have a note; want some with and some without", notes)
	}
}

// --- video posts ---

func TestPagePosts_Video(t *testing.T) {
	s := kindsServer(t, Options{Seed: 34, VideoPosts: 2})
	for _, a := range s.PagePosts() {
		_, page := getPage(t, s, ArticleLink(a.URL))
		cgi := readCgiData(t, page)
		vid := str(get(cgi, "video_ids", 0))
		if a.Kind != KindVideo || number(cgi["item_show_type"]) != 5 || !strings.HasPrefix(vid, "wxv_") ||
			str(get(cgi, "video_page_info", "video_id")) != vid || str(cgi["title"]) != a.Title || str(cgi["content_noencode"]) != a.Text {
			t.Errorf("%s: video post cgiDataNew %v", a.URL, cgi["video_page_info"])
		}
		file := html.UnescapeString(str(get(cgi, "video_page_info", "mp_video_trans_info", 0, "url")))
		resp, err := s.Client().Get(file)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Contains(b[:16], []byte("ftyp")) {
			t.Errorf("%s: video %s: %d", a.URL, file, resp.StatusCode)
		}
		imageDims(t, s, str(cgi["cdn_url"]))
	}
}

// TestArticlePageCgiData checks ordinary article pages carry cgiDataNew
// too, as real ones do, agreeing with the page's variables, and that some
// are marked 原创.
func TestArticlePageCgiData(t *testing.T) {
	s := kindsServer(t, Options{Seed: 35})
	originals := 0
	for _, a := range s.Articles(SourcePublished) {
		_, page := getPage(t, s, ArticleLink(a.URL))
		if a.Deleted {
			continue
		}
		cgi := readCgiData(t, page)
		stat := number(get(cgi, "copyright_info", "copyright_stat"))
		if str(cgi["title"]) != a.Title || str(cgi["content_noencode"]) != a.Content || number(cgi["item_show_type"]) != 0 ||
			!strings.Contains(page, `var item_show_type = "0";`) || !strings.Contains(page, `var copyright_stat = "`+strconv.FormatInt(stat, 10)+`" * 1;`) {
			t.Errorf("article cgiDataNew: title %q item_show_type %v", cgi["title"], cgi["item_show_type"])
		}
		if (stat == 1) != a.Original || a.Original != strings.Contains(page, `id="copyright_logo"`) {
			t.Errorf("%s: copyright_stat %d, Original %v", a.URL, stat, a.Original)
		}
		if a.Original {
			originals++
		}
	}
	if originals == 0 || originals == len(s.Articles(SourcePublished)) {
		t.Errorf("%d articles marked original, want some", originals)
	}
}

// --- determinism and independence ---

func TestPagePostsDeterministic(t *testing.T) {
	opts := Options{Articles: 10, Seed: 38, PicturePosts: 3, TextPosts: 3, SharePosts: 2, VideoPosts: 1, Newspic: 2, MassSent: 2, Host: "wechattest.invalid"}
	pages := func(o Options) []string {
		s := start(t, o)
		var out []string
		for _, link := range s.PageLinks() {
			_, body := getPageLang(t, s, link, "")
			out = append(out, link, body)
		}
		for _, a := range s.SharedOriginals() {
			_, body := getPageLang(t, s, ArticleLink(a.URL), "")
			out = append(out, body)
		}
		tok := s.IssueToken()
		out = append(out, string(post(t, s, PathFreePublishList, tok, `{"offset":0,"count":20}`)))
		return out
	}
	a, b := pages(opts), pages(opts)
	if len(a) != 2*(3+3+2+1+2)+2+1 {
		t.Fatalf("%d pages", len(a))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("page %d differs between two servers of the same seed", i)
		}
	}
	other := opts
	other.Seed++
	if c := pages(other); c[1] == a[1] {
		t.Error("another seed gave the same first page")
	}

	// Page-only posts come from their own stream: the API lists and the
	// mass-sent articles do not change with them.
	plain := start(t, Options{Articles: 10, Seed: 38, MassSent: 2, Host: "wechattest.invalid"})
	kinds := start(t, Options{Articles: 10, Seed: 38, MassSent: 2, PicturePosts: 3, TextPosts: 3, SharePosts: 2, VideoPosts: 1, Host: "wechattest.invalid"})
	for _, path := range []string{PathFreePublishList, PathBatchGetMaterial, PathDraftList} {
		body := `{"type":"news","offset":0,"count":20}`
		if !bytes.Equal(post(t, plain, path, plain.IssueToken(), body), post(t, kinds, path, kinds.IssueToken(), body)) {
			t.Errorf("%s changes with page-only posts", path)
		}
	}
	if fmt.Sprint(plain.MassSentArticles()) != fmt.Sprint(kinds.MassSentArticles()) {
		t.Error("mass-sent articles change with page-only posts")
	}
	links := kinds.PageLinks()
	if len(links) != 2+9 {
		t.Errorf("%d page links, want 11", len(links))
	}
	var last time.Time
	for _, l := range links {
		for _, a := range append(kinds.MassSentArticles(), kinds.PagePosts()...) {
			if ArticleLink(a.URL) == l {
				if a.CreateTime.Before(last) {
					t.Errorf("PageLinks not oldest first at %s", l)
				}
				last = a.CreateTime
			}
		}
	}
}

// TestDemoPosts checks the demo account has one post of each newer kind,
// reachable by PageLinks, and a newspic item in its published list.
func TestDemoPosts(t *testing.T) {
	s := start(t, Options{Demo: true})
	kinds := map[PostKind]Article{}
	for _, a := range s.PagePosts() {
		kinds[a.Kind] = a
		_, page := getPage(t, s, ArticleLink(a.URL))
		cgi := readCgiData(t, page)
		if str(cgi["nick_name"]) != "慢读技术" || str(cgi["title"]) != a.Title {
			t.Errorf("%s: nick_name %q title %q", a.Kind, cgi["nick_name"], cgi["title"])
		}
		if strings.Contains(a.Text, "{{") {
			t.Errorf("%s: placeholder left in %q", a.Kind, a.Text)
		}
	}
	if len(kinds) != 4 || kinds[KindPicture].Title == "" || kinds[KindText].Text == "" || kinds[KindShare].SharedFrom == "" || kinds[KindVideo].Title == "" {
		t.Fatalf("demo page posts: %v", kinds)
	}
	pic := kinds[KindPicture]
	if !strings.Contains(pic.Text, `<a class="wx_img_refer_link" data-seq="3" data-refer="图3" style="">图3</a>`) ||
		!strings.Contains(pic.Text, `class="normal_text_link mp_article_text_link"`) || len(pic.Pictures) != 4 {
		t.Errorf("demo picture post: %d pictures, text %q", len(pic.Pictures), pic.Text)
	}
	for _, p := range pic.Pictures {
		if w, _, _ := imageDims(t, s, p); w < 80 {
			t.Errorf("demo picture %s is %d px wide; demo images are scaled up", p, w)
		}
	}
	if len(s.PageLinks()) != 4 || len(s.SharedOriginals()) != 1 {
		t.Errorf("%d page links, %d originals", len(s.PageLinks()), len(s.SharedOriginals()))
	}
	newspic := 0
	for _, a := range s.Articles(SourcePublished) {
		if a.Kind == KindPicture {
			newspic++
			if len(a.Pictures) != 3 || a.Content != a.Text || strings.Contains(a.Content, "<") {
				t.Errorf("demo newspic: %d pictures, content %q", len(a.Pictures), a.Content)
			}
		}
	}
	if newspic != 1 {
		t.Errorf("%d newspic items in the demo, want 1", newspic)
	}
}
