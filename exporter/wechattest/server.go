package wechattest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Server is a fake WeChat Official Account API with one account behind it.
// It answers on the real paths (/cgi-bin/…) and also hosts the account's
// images (/mmbiz_png/…), so a client pointed at URL() needs nothing else.
//
// All state (account, tokens, quotas, clock, counters) is in memory under
// one mutex; every method is safe for concurrent use.
type Server struct {
	opts   Options
	quotas map[string]int

	mu   sync.Mutex
	acct *account
	// clock
	fixedNow    time.Time
	clockOffset time.Duration
	// tokens
	tokens        map[string]*token
	classicLatest string
	stableLatest  string
	stableForced  int // force_refresh calls today
	stableForceAt time.Time
	tokenRand     *rand.Rand
	// quotas: calls used today per path, and the China-time day they belong to
	quotaDay string
	used     map[string]int
	// faults
	faultRate float64
	seen      map[string]uint64 // per request key, how many times it was made
	injected  map[string][]Fault
	// counters
	stats map[string]*PathStats
	rid   uint32

	base     string
	replacer *strings.Replacer
	images   imageCache
	pages    pageState      // article pages (pages.go)
	media    mediaMaterials // voice and video materials (materials.go)

	closing   chan struct{}
	closeOnce sync.Once
	listener  net.Listener
	httpSrv   *http.Server
	handler   http.Handler
}

// token is one issued access_token and why it may stop working.
type token struct {
	stable    bool
	expires   time.Time
	revokedAt time.Time // zero while not replaced; usable until then
}

// PathStats counts what one path (or "images" for the image host) received.
type PathStats struct {
	Calls  int // every request, faulted or not
	Faults int // requests answered with an injected fault
	Errors int // requests answered with a non-zero errcode or a 404 image
}

// New builds a server that does not listen: serve Handler() yourself and
// tell it its address with SetBaseURL (until then it uses each request's
// Host). NewServer is the one-call version for tests.
func New(opts Options) (*Server, error) {
	if opts.FaultRate < 0 || opts.FaultRate > 1 {
		return nil, fmt.Errorf("wechattest: FaultRate %v is outside 0..1", opts.FaultRate)
	}
	if opts.Articles < 0 {
		return nil, fmt.Errorf("wechattest: Articles %d is negative", opts.Articles)
	}
	s := &Server{
		opts:      opts,
		quotas:    make(map[string]int),
		tokens:    make(map[string]*token),
		used:      make(map[string]int),
		seen:      make(map[string]uint64),
		injected:  make(map[string][]Fault),
		stats:     make(map[string]*PathStats),
		faultRate: opts.FaultRate,
		tokenRand: rand.New(rand.NewPCG(uint64(opts.Seed), 0x746f6b656e)),
		closing:   make(chan struct{}),
	}
	if s.opts.SlowBody <= 0 {
		s.opts.SlowBody = defaultSlowBody
	}
	if len(s.opts.Faults) == 0 {
		s.opts.Faults = AllFaults
	}
	for p, n := range DefaultQuotas {
		s.quotas[p] = n
	}
	for p, n := range opts.Quotas {
		s.quotas[p] = n
	}
	if opts.Demo {
		s.images.scale = 10
		acct, err := demoAccount()
		if err != nil {
			return nil, err
		}
		s.acct = acct
	} else {
		s.acct = generate(opts)
	}
	s.pages.massSent = generateMassSent(s.acct, opts)
	s.media = generateMediaMaterials(s.acct, opts)
	generatePagePosts(s.acct, opts)
	generateNewspic(s.acct, opts)
	s.registerPageMedia()
	s.markOriginals()
	s.handler = s.routes()
	return s, nil
}

// NewServer starts a server on a loopback port, like httptest.NewServer.
// Close it when done.
func NewServer(opts Options) (*Server, error) {
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("wechattest: listen: %w", err)
	}
	s.listener = ln
	if opts.Host != "" {
		s.SetBaseURL("http://" + opts.Host)
	} else {
		s.SetBaseURL("http://" + ln.Addr().String())
	}
	s.httpSrv = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.httpSrv.Serve(ln) }()
	return s, nil
}

// Client returns an HTTP client that sends every request to this server,
// whatever host its URL names, like httptest.Server.Client. It is how a
// server started with Options.Host is reached.
func (s *Server) Client() *http.Client {
	addr := ""
	if s.listener != nil {
		addr = s.listener.Addr().String()
	}
	var d net.Dialer
	var rt http.RoundTripper = &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			if addr == "" {
				return nil, errors.New("wechattest: Client needs a server started with NewServer")
			}
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost: 16,
	}
	if s.opts.RealImageHosts {
		rt = plainHTTP{rt}
	}
	return &http.Client{Transport: rt}
}

// plainHTTP sends https requests in plain HTTP: the server speaks no TLS,
// and with RealImageHosts content names its images over https.
type plainHTTP struct{ next http.RoundTripper }

func (p plainHTTP) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme == "https" {
		r = r.Clone(r.Context())
		r.URL.Scheme = "http"
	}
	return p.next.RoundTrip(r)
}

// Handler serves the API and the image host.
func (s *Server) Handler() http.Handler { return s.handler }

// SetBaseURL tells the server the address clients reach it at, e.g.
// "http://127.0.0.1:8080". Image URLs in content and thumb_url point there.
func (s *Server) SetBaseURL(base string) {
	base = strings.TrimRight(base, "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.base = base
	s.replacer = s.imageReplacer(base)
}

// imageReplacer points the CDN's image URLs at base, unless the server
// keeps them (RealImageHosts).
func (s *Server) imageReplacer(base string) *strings.Replacer {
	if s.opts.RealImageHosts {
		return strings.NewReplacer()
	}
	return hostReplacer(base)
}

func hostReplacer(base string) *strings.Replacer {
	var pairs []string
	for _, host := range []string{mmbizHost, "mmbiz.qlogo.cn"} {
		for _, scheme := range []string{"https://", "http://"} {
			pairs = append(pairs, scheme+host, base, url.QueryEscape(scheme+host), url.QueryEscape(base))
		}
	}
	return strings.NewReplacer(pairs...)
}

// rewriteHost swaps the placeholder image host for the server's; s.mu held.
func (s *Server) rewriteHost(content string) string {
	if s.replacer == nil {
		return content
	}
	return s.replacer.Replace(content)
}

// URL is the server's base URL, to pass to the client as --api-base.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.base
}

// Close stops the server, cutting stalled slow-body responses short.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		if s.httpSrv != nil {
			_ = s.httpSrv.Close()
		}
	})
}

// now is the server's clock: Options.Now (or time.Now), replaced by SetNow,
// shifted by Advance.
func (s *Server) now() time.Time {
	var t time.Time
	switch {
	case !s.fixedNow.IsZero():
		t = s.fixedNow
	case s.opts.Now != nil:
		t = s.opts.Now()
	default:
		t = time.Now()
	}
	return t.Add(s.clockOffset)
}

// Now returns the server's current time.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

// SetNow freezes the server's clock at t (until the next SetNow; Advance
// still moves it).
func (s *Server) SetNow(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fixedNow, s.clockOffset = t, 0
}

// Advance moves the server's clock forward by d.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clockOffset += d
}

// AdvanceDay moves the clock to the next midnight in Asia/Shanghai (plus one
// second), where WeChat resets daily quotas.
func (s *Server) AdvanceDay() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().In(chinaZone)
	next := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 1, 0, chinaZone)
	s.clockOffset += next.Sub(now)
}

// rollDay resets quota counters when the China-time day changed.
func (s *Server) rollDay() {
	day := s.now().In(chinaZone).Format(time.DateOnly)
	if day != s.quotaDay {
		s.quotaDay = day
		clear(s.used)
		s.stableForced = 0
	}
}

// ResetQuota clears today's usage of every path, as clear_quota does (§7).
func (s *Server) ResetQuota() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.used)
}

// Quota reports a path's daily limit (0 = unlimited) and today's usage.
func (s *Server) Quota(path string) (limit, used int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rollDay()
	return s.quotas[path], s.used[path]
}

// spendQuota counts one call against path's daily limit; false means the
// limit was already reached and the call must answer 45009 without counting.
func (s *Server) spendQuota(path string) bool {
	s.rollDay()
	limit := s.quotas[path]
	if limit > 0 && s.used[path] >= limit {
		return false
	}
	s.used[path]++
	return true
}

// Calls reports how many requests a path received ("images" for the image
// host), faulted ones included.
func (s *Server) Calls(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.stats[path]; st != nil {
		return st.Calls
	}
	return 0
}

// Stats returns a copy of the per-path counters.
func (s *Server) Stats() map[string]PathStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]PathStats, len(s.stats))
	for p, st := range s.stats {
		out[p] = *st
	}
	return out
}

func (s *Server) stat(path string) *PathStats {
	st := s.stats[path]
	if st == nil {
		st = &PathStats{}
		s.stats[path] = st
	}
	return st
}

// newRID imitates WeChat's request ids: the first part is the Unix time in
// hex (as in real rids such as 5fa26c60-…), the rest scrambled counters. It
// draws nothing from tokenRand, so errors do not change which tokens a
// seed issues.
func (s *Server) newRID() string {
	s.rid++
	return fmt.Sprintf("%08x-%08x-%08x", uint32(s.now().Unix()), s.rid*2654435761, (s.rid^uint32(s.opts.Seed))*0x9e3779b1)
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}

// apiError is a WeChat error answer.
type apiError struct {
	code int
	msg  string
}

func (e *apiError) Error() string { return fmt.Sprintf("errcode %d: %s", e.code, e.msg) }

func errf(code int, msg string) *apiError { return &apiError{code: code, msg: msg} }

// writeError answers HTTP 200 with {"errcode","errmsg"}: WeChat reports
// every API error in the body, never in the status (§6). The rid suffix is
// how real messages end.
func (s *Server) writeError(w http.ResponseWriter, path string, e *apiError, contentType string) {
	s.mu.Lock()
	msg := e.msg
	if e.code != 0 {
		msg += " rid: " + s.newRID()
		s.stat(path).Errors++
	}
	s.mu.Unlock()
	body, _ := json.Marshal(struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}{e.code, msg})
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(body)
}

// jsonContentType is what WeChat's API sends, odd parameter included.
const jsonContentType = "application/json; encoding=utf-8"

// encodeJSON encodes like WeChat: non-ASCII and <>& literal, "/" escaped as
// "\/" (as in the real samples), image host swapped for the server's URL.
func (s *Server) encodeJSON(v any, host string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	s.mu.Lock()
	rep := s.replacer
	if s.base == "" {
		// Served through Handler() without SetBaseURL: the Host the client
		// used is the best guess of where it can reach the images.
		rep = s.imageReplacer("http://" + host)
	}
	s.mu.Unlock()
	body = []byte(rep.Replace(string(body)))
	return bytes.ReplaceAll(body, []byte("/"), []byte(`\/`))
}

// redactQuery hides credentials in a logged URL.
func redactQuery(u *url.URL) string {
	q := u.Query()
	for _, k := range []string{"access_token", "secret", "appsecret"} {
		if q.Has(k) {
			q.Set(k, "REDACTED")
		}
	}
	if len(q) == 0 {
		return u.Path
	}
	return u.Path + "?" + q.Encode()
}

// sleep waits d unless the request or the server ends first.
func (s *Server) sleep(r *http.Request, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-r.Context().Done():
		return r.Context().Err()
	case <-s.closing:
		return errors.New("server closed")
	}
}
