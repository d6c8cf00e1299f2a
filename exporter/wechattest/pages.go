package wechattest

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"html"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// Article pages. Besides the API the fake serves the articles' web pages on
// mp.weixin.qq.com's paths, /s?__biz=…&mid=…&idx=…&sn=… and the short
// /s/<id>, in the layout WeChat's pages have (wechat-api.md §8: metadata in
// og: tags and script variables, the body in #js_content hidden by an
// inline style until scripts run), and WeChat's message pages instead of
// the article when it is deleted, removed, the account banned, or the
// visitor asked too fast. Point a page client at URL() in place of
// https://mp.weixin.qq.com, or dial the server with Client().
//
// Options.MassSent adds articles that only have pages: the mass-sent
// articles no list API returns (§0.2), which is what a URL source is for.

//go:embed pages/article.html pages/message.html
var pageFiles embed.FS

// PagesStatsPath is the Calls/Stats/InjectFault name of the page host.
const PagesStatsPath = "pages"

// PathCaptcha is where a visitor who must verify is sent.
const PathCaptcha = "/mp/wappoc_appmsgcaptcha"

// PageState overrides what an article's page shows.
type PageState int

const (
	// PageNormal shows the article (or the deleted page when the API marks
	// it is_deleted).
	PageNormal PageState = iota
	// PageDeleted shows 该内容已被发布者删除.
	PageDeleted
	// PageRemoved shows 此内容因违规无法查看.
	PageRemoved
)

// PageRequest is one request the page host received, for tests that check
// a client behaves like a polite browser.
type PageRequest struct {
	Path           string // path and query
	UserAgent      string
	AcceptLanguage string
	Referer        string
	Cookie         string
	At             time.Time // by the wall clock, not the server's
}

// pageState is the page host's share of Server, under Server.mu.
type pageState struct {
	massSent  []*message
	overrides map[string]PageState // by permalink key
	banned    bool
	// verifyLeft counts article pages still served before verification
	// starts, while verifyArmed.
	verifyArmed bool
	verifyLeft  int
	verifying   bool
	last        time.Time
	requests    []PageRequest
}

var pageTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"h":  html.EscapeString,
	"js": jsEscape,
}).ParseFS(pageFiles, "pages/*.html"))

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

// generateMassSent writes opts.MassSent page-only articles with their own
// random stream, so the API's lists stay byte-identical per seed whatever
// MassSent is.
func generateMassSent(acct *account, opts Options) []*message {
	if opts.MassSent <= 0 || opts.Demo {
		return nil
	}
	g := &generator{r: rand.New(rand.NewPCG(uint64(opts.Seed), 0x6d61737373656e74)), acct: acct}
	for range 2 {
		im := g.newImage()
		im.prefix, im.wxFmt, im.extra = "mmbiz_png", "png", ""
		g.shared = append(g.shared, g.register(im))
	}
	var out []*message
	at := publishedEraStart.Add(12 * time.Hour)
	for left := opts.MassSent; left > 0; {
		n := g.messageSize(SourcePublished, left)
		left -= n
		at = at.Add(time.Duration(20+g.r.IntN(200)) * time.Hour)
		m := &message{source: SourcePublished, id: "masssent-" + strconv.Itoa(len(out)+1), created: at.Unix(), updated: at.Unix()}
		mid := acct.nextMid
		acct.nextMid++
		for i := range n {
			it := g.item(SourcePublished, mid, i+1, n, m.updated)
			// Mass-sent articles are not deleted unless a test says so.
			it.deleted = false
			m.items = append(m.items, it)
		}
		out = append(out, m)
	}
	return out
}

// MassSentArticles returns the page-only articles (Options.MassSent), oldest
// first. Their URL is the long link; ShortLink gives the short one.
func (s *Server) MassSentArticles() []Article {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Article
	for _, m := range s.pages.massSent {
		for i, it := range m.items {
			a := s.view(m, i, it)
			a.CreateTime = time.Unix(m.created, 0).In(chinaZone)
			out = append(out, a)
		}
	}
	return out
}

// ShortLink returns the short https://mp.weixin.qq.com/s/<id> form of an
// article link, as WeChat hands out when an article is shared.
func ShortLink(articleURL string) string {
	return "https://mp.weixin.qq.com/s/" + shortID(permalinkKey(articleURL))
}

// ArticleLink returns an article link in the https form a user copies from
// the browser, with chksm and the fragment dropped.
func ArticleLink(articleURL string) string {
	u, err := url.Parse(articleURL)
	if err != nil {
		return articleURL
	}
	q := u.Query()
	return "https://mp.weixin.qq.com/s?__biz=" + url.QueryEscape(q.Get("__biz")) + "&mid=" + q.Get("mid") +
		"&idx=" + q.Get("idx") + "&sn=" + q.Get("sn")
}

func shortID(key string) string {
	sum := sha256.Sum256([]byte("short|" + key))
	return strings.NewReplacer("-", "A", "_", "b").Replace(base64.RawURLEncoding.EncodeToString(sum[:]))[:22]
}

// permalinkKey is "biz|mid|idx" of an article link, "" when it has none.
func permalinkKey(articleURL string) string {
	u, err := url.Parse(articleURL)
	if err != nil {
		return ""
	}
	q := u.Query()
	if q.Get("__biz") == "" || q.Get("mid") == "" || q.Get("idx") == "" {
		return ""
	}
	return q.Get("__biz") + "|" + q.Get("mid") + "|" + q.Get("idx")
}

// SetPageState makes an article's page show state from now on, as when its
// author deletes it (which the API does not report for mass-sent articles)
// or WeChat takes it down.
func (s *Server) SetPageState(articleURL string, state PageState) error {
	key := permalinkKey(articleURL)
	if key == "" {
		return fmt.Errorf("wechattest: %q is not an article link", articleURL)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pages.overrides == nil {
		s.pages.overrides = map[string]PageState{}
	}
	s.pages.overrides[key] = state
	return nil
}

// BanAccount makes every page show the banned-account message (or the
// articles again, with false).
func (s *Server) BanAccount(banned bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages.banned = banned
}

// RequireVerification serves n more article pages, then sends every page
// request to the verification page until PassVerification, as WeChat does
// with a visitor it takes for a robot.
func (s *Server) RequireVerification(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages.verifyArmed, s.pages.verifyLeft, s.pages.verifying = true, max(n, 0), n <= 0
}

// PassVerification ends verification: pages are served again.
func (s *Server) PassVerification() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages.verifyArmed, s.pages.verifying = false, false
}

// PageRequests returns the page requests received so far, in order.
func (s *Server) PageRequests() []PageRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]PageRequest(nil), s.pages.requests...)
}

func (s *Server) pageRoutes(mux *http.ServeMux) {
	mux.HandleFunc("/s", s.servePage)
	mux.HandleFunc("/s/", s.servePage)
	mux.HandleFunc(PathCaptcha, func(w http.ResponseWriter, r *http.Request) {
		s.writeMessagePage(w, "weui-icon-warn", "环境异常", "当前环境异常，完成验证后即可继续访问。", true)
	})
}

// servePage answers one article page request: politeness checks first (a
// visitor being verified gets nothing else), then faults, then the page.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	now := time.Now()
	s.mu.Lock()
	s.stat(PagesStatsPath).Calls++
	s.pages.requests = append(s.pages.requests, PageRequest{
		Path: r.URL.RequestURI(), UserAgent: r.UserAgent(), AcceptLanguage: r.Header.Get("Accept-Language"),
		Referer: r.Referer(), Cookie: r.Header.Get("Cookie"), At: now,
	})
	tooFast := s.opts.PageMinInterval > 0 && !s.pages.last.IsZero() && now.Sub(s.pages.last) < s.opts.PageMinInterval
	s.pages.last = now
	if tooFast {
		s.pages.verifying = true
	}
	s.mu.Unlock()
	if s.sleep(r, s.opts.Latency) != nil {
		return
	}

	s.mu.Lock()
	fault := s.drawFault(PagesStatsPath, r.Method+" "+r.URL.String(), true)
	if fault != 0 {
		s.stat(PagesStatsPath).Faults++
	}
	s.mu.Unlock()
	if fault != 0 {
		s.logf("wechattest: GET %s -> fault %s", r.URL.Path, fault)
		s.writeFault(w, r, PagesStatsPath, fault, []byte(strings.Repeat("<!DOCTYPE html><html><head>", 8)), "text/html; charset=utf-8")
		return
	}

	s.mu.Lock()
	if s.pages.verifyArmed && !s.pages.verifying {
		if s.pages.verifyLeft == 0 {
			s.pages.verifying = true
		} else {
			s.pages.verifyLeft--
		}
	}
	verifying := s.pages.verifying
	s.mu.Unlock()
	if verifying {
		s.logf("wechattest: GET %s -> verification", r.URL.Path)
		target := url.QueryEscape("https://mp.weixin.qq.com" + r.URL.RequestURI())
		http.Redirect(w, r, PathCaptcha+"?poc_token=HFw2XGajTest&target_url="+target, http.StatusFound)
		return
	}

	s.mu.Lock()
	m, i, it, snOK := s.findPage(r.URL)
	var data *pageData
	state := PageNormal
	banned := s.pages.banned
	if it != nil {
		state = s.pages.overrides[permalinkKey(it.url)]
		if it.deleted && state == PageNormal {
			state = PageDeleted
		}
		data = s.pageData(m, i, it, r.Host)
	}
	if it == nil || !snOK {
		s.stat(PagesStatsPath).Errors++
	}
	s.mu.Unlock()

	switch {
	case it == nil || !snOK:
		s.writeMessagePage(w, "weui-icon-warn", "参数错误", "", false)
	case banned:
		s.writeMessagePage(w, "weui-icon-warn", "该公众号已被封禁", "此帐号已被封禁，内容无法查看", false)
	case state == PageDeleted:
		s.writeMessagePage(w, "weui-icon-info", "该内容已被发布者删除", "", false)
	case state == PageRemoved:
		s.writeMessagePage(w, "weui-icon-warn", "此内容因违规无法查看", "", false)
	default:
		var buf bytes.Buffer
		if err := pageTemplates.ExecuteTemplate(&buf, "article.html", data); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writePage(w, buf.Bytes())
	}
}

// findPage resolves a page request to an article: news materials,
// published items and mass-sent articles all have pages. snOK is false
// when the long link's sn does not match, which WeChat answers with 参数错误.
// s.mu held.
func (s *Server) findPage(u *url.URL) (m *message, index int, it *item, snOK bool) {
	var match func(it *item) bool
	sn := ""
	if id, ok := strings.CutPrefix(u.Path, "/s/"); ok {
		match = func(it *item) bool { return shortID(permalinkKey(it.url)) == id }
	} else {
		q := u.Query()
		key := q.Get("__biz") + "|" + q.Get("mid") + "|" + q.Get("idx")
		sn = q.Get("sn")
		match = func(it *item) bool { return permalinkKey(it.url) == key }
	}
	for _, list := range [][]*message{s.acct.news, s.acct.published, s.pages.massSent} {
		for _, m := range list {
			for i, it := range m.items {
				if match(it) {
					itemURL, _ := url.Parse(it.url)
					return m, i, it, sn == "" || itemURL.Query().Get("sn") == sn
				}
			}
		}
	}
	return nil, 0, nil, false
}

type pageData struct {
	Title, Author, Digest, Cover, Content, SourceURL string
	Nickname, Link, Biz, Mid, Idx, Sn, Nonce         string
	CreateTime                                       int64
}

// pageData fills the article template; s.mu held.
func (s *Server) pageData(m *message, i int, it *item, host string) *pageData {
	rep := s.replacer
	if s.base == "" {
		rep = hostReplacer("http://" + host)
	}
	u, _ := url.Parse(it.url)
	q := u.Query()
	created := m.created
	if created == 0 {
		created = m.updated
	}
	h := fnv.New32a()
	h.Write([]byte(it.url))
	return &pageData{
		Title: it.title, Author: it.author, Digest: it.digest,
		Cover: rep.Replace(it.thumbURL), Content: rep.Replace(it.content), SourceURL: it.contentSourceURL,
		Nickname: s.nickname(), Link: it.url,
		Biz: q.Get("__biz"), Mid: q.Get("mid"), Idx: q.Get("idx"), Sn: q.Get("sn"),
		Nonce:      strconv.FormatUint(uint64(h.Sum32()), 10),
		CreateTime: created,
	}
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

func (s *Server) writeMessagePage(w http.ResponseWriter, icon, title, desc string, verify bool) {
	var buf bytes.Buffer
	_ = pageTemplates.ExecuteTemplate(&buf, "message.html", struct {
		Icon, Title, Desc string
		Verify            bool
	}{icon, title, desc, verify})
	// WeChat answers its message pages with 200, like the article.
	writePage(w, buf.Bytes())
}

func writePage(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("Cache-Control", "no-cache, must-revalidate")
	// WeChat sets cookies on its pages; a backup must not need them.
	http.SetCookie(w, &http.Cookie{Name: "rewardsn", Value: "", Path: "/"})
	http.SetCookie(w, &http.Cookie{Name: "wxtokenkey", Value: "777", Path: "/"})
	_, _ = w.Write(body)
}
