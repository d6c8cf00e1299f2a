package wechattest

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Article pages. Besides the API the fake serves the articles' web pages on
// mp.weixin.qq.com's paths, /s?__biz=…&mid=…&idx=…&sn=… and the short
// /s/<id>, in the layout WeChat's pages have (docs/wechat-api.md §8: metadata in
// og: tags and script variables, the body in #js_content hidden by an
// inline style until scripts run), and WeChat's message pages instead of
// the article when it is deleted, removed, the account banned, or the
// visitor asked too fast. Point a page client at URL() in place of
// https://mp.weixin.qq.com, or dial the server with Client().
//
// Options.MassSent adds articles that only have pages: the mass-sent
// articles no list API returns (§0.2), which is what a URL source is for;
// kindposts.go adds page-only posts of the newer kinds, messages.go the
// message pages.

//go:embed pages/*.html
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
	// PageRemoved shows 此内容因违规无法查看 with a reason (SetRemovalReason).
	PageRemoved
	// PageUnavailable shows 该内容暂时无法查看.
	PageUnavailable
	// PageExpired shows 链接已过期, as a draft's temporary link does.
	PageExpired
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
	langs     map[string]PageLang  // message page language by permalink key
	reasons   map[string]string    // removal reason by permalink key
	account   AccountState
	// verifyLeft counts article pages still served before verification
	// starts, while verifyArmed.
	verifyArmed bool
	verifyLeft  int
	verifying   bool
	last        time.Time
	requests    []PageRequest
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
	return setForArticle(s, &s.pages.overrides, articleURL, state)
}

// setForArticle sets what one article's page shows, in the map m points
// to (one of s.pages'), made on first use.
func setForArticle[V any](s *Server, m *map[string]V, articleURL string, v V) error {
	key := permalinkKey(articleURL)
	if key == "" {
		return fmt.Errorf("wechattest: %q is not an article link", articleURL)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if *m == nil {
		*m = map[string]V{}
	}
	(*m)[key] = v
	return nil
}

// BanAccount makes every page show the blocked-account message (or the
// articles again, with false); SetAccountState covers the other states.
func (s *Server) BanAccount(banned bool) {
	st := AccountNormal
	if banned {
		st = AccountBanned
	}
	s.SetAccountState(st)
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
		s.writeMessage(w, r, msgVerify, "")
	})
}

// servePage answers one article page request: politeness checks first (a
// visitor being verified gets nothing else), then faults, then the page.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	s.mu.Lock()
	// The server's clock, so that a test can make "too fast" a matter of
	// the pauses the client took rather than of how fast the machine is.
	now := s.now()
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
	fault := s.countFault(PagesStatsPath, r.Method+" "+r.URL.String(), true)
	s.mu.Unlock()
	w, faulted := s.answerFault(w, r, PagesStatsPath, fault, []byte(strings.Repeat("<!DOCTYPE html><html><head>", 8)), "text/html; charset=utf-8")
	if faulted {
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
	var page []byte
	var pageErr error
	state := PageNormal
	key := ""
	account := s.pages.account
	if it != nil {
		key = permalinkKey(it.url)
		state = s.pages.overrides[key]
		if it.deleted && state == PageNormal {
			state = PageDeleted
		}
		if m.source == SourceDrafts && state == PageNormal {
			state = PageExpired
		}
		if state == PageNormal {
			page, pageErr = s.renderPage(m, i, it, r.Host)
		}
	}
	if it == nil || !snOK {
		s.stat(PagesStatsPath).Errors++
	}
	s.mu.Unlock()

	if msg, hidden := account.message(); hidden && it != nil && it.nickname == "" {
		s.writeMessage(w, r, msg, key)
		return
	}
	switch {
	case it == nil || !snOK:
		s.writeMessage(w, r, msgParamError, "")
	case state == PageDeleted:
		s.writeMessage(w, r, msgDeleted, key)
	case state == PageRemoved:
		s.writeMessage(w, r, msgRemoved, key)
	case state == PageUnavailable:
		s.writeMessage(w, r, msgUnavailable, key)
	case state == PageExpired:
		s.writeMessage(w, r, msgExpired, key)
	case pageErr != nil:
		http.Error(w, pageErr.Error(), http.StatusInternalServerError)
	default:
		writePage(w, page)
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
	} else if tempkey := u.Query().Get("tempkey"); tempkey != "" {
		// A draft's preview link: its page is a message (链接已过期).
		match = func(it *item) bool {
			iu, err := url.Parse(it.url)
			return err == nil && iu.Query().Get("tempkey") == tempkey
		}
	} else {
		q := u.Query()
		key := q.Get("__biz") + "|" + q.Get("mid") + "|" + q.Get("idx")
		sn = q.Get("sn")
		match = func(it *item) bool { return permalinkKey(it.url) == key }
	}
	for _, list := range [][]*message{s.acct.news, s.acct.published, s.pages.massSent, s.acct.pagePosts, s.acct.originals, s.acct.drafts} {
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

func writePage(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("Cache-Control", "no-cache, must-revalidate")
	// WeChat sets cookies on its pages; a backup must not need them.
	http.SetCookie(w, &http.Cookie{Name: "rewardsn", Value: "", Path: "/"})
	http.SetCookie(w, &http.Cookie{Name: "wxtokenkey", Value: "777", Path: "/"})
	_, _ = w.Write(body)
}
