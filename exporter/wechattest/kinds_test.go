package wechattest

import (
	"bytes"
	"encoding/json"
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

// --- a test-only reader of cgiDataNew ---

// readCgiData parses the object literal assigned to window.cgiDataNew in a
// page, in either dialect, into maps, slices, strings, float64 numbers and
// bools. It knows only what WeChat's template writes: members one per
// line, '…' literals (bare or in JsDecode), '123' * 1 numbers, true and
// false. It exists so these tests do not depend on the real parser in
// exporter/.
func readCgiData(t *testing.T, page string) map[string]any {
	t.Helper()
	const marker = "window.cgiDataNew = {"
	i := strings.Index(page, marker)
	if i < 0 {
		t.Fatalf("page has no cgiDataNew")
	}
	r := &jsReader{s: page[i+len(marker)-1:]}
	v, err := r.value()
	if err != nil {
		t.Fatalf("cgiDataNew: %v at %.80q", err, r.s[r.i:])
	}
	return v.(map[string]any)
}

type jsReader struct {
	s string
	i int
}

func (r *jsReader) skip() {
	for r.i < len(r.s) && strings.ContainsRune(" \t\r\n", rune(r.s[r.i])) {
		r.i++
	}
}

func (r *jsReader) value() (any, error) {
	r.skip()
	rest := r.s[r.i:]
	switch {
	case strings.HasPrefix(rest, "{"):
		r.i++
		out := map[string]any{}
		for {
			r.skip()
			if r.s[r.i] == '}' {
				r.i++
				return out, nil
			}
			j := strings.IndexByte(r.s[r.i:], ':')
			if j < 0 {
				return nil, fmt.Errorf("no colon")
			}
			key := strings.TrimSpace(r.s[r.i : r.i+j])
			if !regexp.MustCompile(`^[a-z_0-9A-Z]+$`).MatchString(key) {
				return nil, fmt.Errorf("bad key %q", key)
			}
			if _, dup := out[key]; dup {
				return nil, fmt.Errorf("duplicate key %q", key)
			}
			r.i += j + 1
			v, err := r.value()
			if err != nil {
				return nil, err
			}
			out[key] = v
			if err := r.comma(); err != nil {
				return nil, err
			}
		}
	case strings.HasPrefix(rest, "["):
		r.i++
		out := []any{}
		for {
			r.skip()
			if r.s[r.i] == ']' {
				r.i++
				return out, nil
			}
			v, err := r.value()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			if err := r.comma(); err != nil {
				return nil, err
			}
		}
	case strings.HasPrefix(rest, "true"):
		r.i += 4
		return true, nil
	case strings.HasPrefix(rest, "false"):
		r.i += 5
		return false, nil
	case strings.HasPrefix(rest, "JsDecode("):
		r.i += len("JsDecode(")
		s, err := r.str()
		if err != nil {
			return nil, err
		}
		if r.s[r.i] != ')' {
			return nil, fmt.Errorf("JsDecode not closed")
		}
		r.i++
		return s, nil
	case strings.HasPrefix(rest, "'"):
		s, err := r.str()
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(r.s[r.i:], " * 1") {
			r.i += 4
			return strconv.ParseFloat(s, 64)
		}
		return s, nil
	}
	return nil, fmt.Errorf("unexpected value")
}

// comma takes the trailing comma WeChat writes after every member.
func (r *jsReader) comma() error {
	r.skip()
	if r.i >= len(r.s) || r.s[r.i] != ',' {
		return fmt.Errorf("want a trailing comma")
	}
	r.i++
	return nil
}

// str reads a '…' literal, decoding its escapes as JavaScript does.
func (r *jsReader) str() (string, error) {
	r.i++ // opening quote
	var b strings.Builder
	for r.i < len(r.s) {
		c := r.s[r.i]
		switch c {
		case '\'':
			r.i++
			return b.String(), nil
		case '\n':
			return "", fmt.Errorf("raw newline in a string")
		case '\\':
			e := r.s[r.i+1]
			switch e {
			case 'x':
				n, err := strconv.ParseUint(r.s[r.i+2:r.i+4], 16, 8)
				if err != nil {
					return "", err
				}
				b.WriteByte(byte(n))
				r.i += 4
				continue
			case 'n':
				b.WriteByte('\n')
			default:
				b.WriteByte(e)
			}
			r.i += 2
			continue
		}
		b.WriteByte(c)
		r.i++
	}
	return "", fmt.Errorf("string not closed")
}

// get walks a path of keys and indexes in a parsed cgiDataNew.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func str(v any) string { s, _ := v.(string); return s }

func number(v any) int64 { f, _ := v.(float64); return int64(f) }

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

// --- newspic items through the API ---

func TestNewspicItems(t *testing.T) {
	s := kindsServer(t, Options{Seed: 37, Articles: 10, Drafts: 2, Newspic: 4})
	tok := s.IssueToken()
	type newsItem struct {
		ArticleType  string `json:"article_type"`
		Title        string `json:"title"`
		Content      string `json:"content"`
		ThumbMediaID string `json:"thumb_media_id"`
		ThumbURL     string `json:"thumb_url"`
		URL          string `json:"url"`
		ImageInfo    *struct {
			ImageList []struct {
				ImageMediaID string `json:"image_media_id"`
			} `json:"image_list"`
		} `json:"image_info"`
	}
	var lists struct {
		Item []struct {
			Content struct {
				NewsItem []newsItem `json:"news_item"`
			} `json:"content"`
		} `json:"item"`
	}
	found := map[Source]int{}
	for _, src := range []Source{SourcePublished, SourceDrafts} {
		path := map[Source]string{SourcePublished: PathFreePublishList, SourceDrafts: PathDraftList}[src]
		if err := json.Unmarshal(post(t, s, path, tok, `{"offset":0,"count":20}`), &lists); err != nil {
			t.Fatal(err)
		}
		for _, it := range lists.Item {
			for _, n := range it.Content.NewsItem {
				if n.ArticleType != "newspic" {
					// Ordinary items: "news" on drafts, nothing on published ones.
					if want := map[Source]string{SourceDrafts: "news"}[src]; n.ArticleType != want || n.ImageInfo != nil {
						t.Errorf("%s %q: article_type %q", src, n.Title, n.ArticleType)
					}
					continue
				}
				found[src]++
				if n.ImageInfo == nil || len(n.ImageInfo.ImageList) == 0 || strings.ContainsAny(n.Content, "<>") || n.Content == "" {
					t.Fatalf("%s newspic %q: image_info %v, content %q", src, n.Title, n.ImageInfo, n.Content)
				}
				if n.ThumbMediaID != n.ImageInfo.ImageList[0].ImageMediaID {
					t.Errorf("%s newspic: thumb_media_id is not the first picture", src)
				}
				var pageDims [][2]int64
				if src == SourcePublished {
					// Its page is a picture post of the same pictures.
					_, page := getPage(t, s, ArticleLink(n.URL))
					cgi := readCgiData(t, page)
					if number(cgi["item_show_type"]) != 8 || str(cgi["content_noencode"]) != n.Content {
						t.Errorf("published newspic page is not a picture post")
					}
					for i := range n.ImageInfo.ImageList {
						p := get(cgi, "picture_page_info_list", i)
						pageDims = append(pageDims, [2]int64{number(get(p, "width")), number(get(p, "height"))})
					}
				}
				for i, img := range n.ImageInfo.ImageList {
					resp, raw := do(t, s, "POST", PathGetMaterial, tok, map[string]string{"media_id": img.ImageMediaID})
					if resp.Header.Get("Content-Type") != "image/jpeg" {
						t.Fatalf("get_material %s: %s %.100s", img.ImageMediaID, resp.Header.Get("Content-Type"), raw)
					}
					cfg, _, err := image.DecodeConfig(bytes.NewReader(raw))
					if err != nil {
						t.Fatal(err)
					}
					if pageDims != nil && (int64(cfg.Width) != pageDims[i][0] || int64(cfg.Height) != pageDims[i][1]) {
						t.Errorf("picture %d: material %dx%d, page %v", i, cfg.Width, cfg.Height, pageDims[i])
					}
				}
			}
		}
	}
	if found[SourcePublished] != 2 || found[SourceDrafts] != 2 {
		t.Errorf("newspic items: %v, want 2 published and 2 drafts", found)
	}
	// Their pictures are image materials, listed with the covers.
	_, images := call(t, s, "POST", PathBatchGetMaterial, tok, map[string]any{"type": "image", "offset": 0, "count": 20})
	names := fmt.Sprint(images["item"])
	if !strings.Contains(names, "newspic_001_1.jpg") {
		t.Errorf("newspic pictures not among image materials: %.300s", names)
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
