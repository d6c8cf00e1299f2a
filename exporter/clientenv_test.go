package exporter

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Credentials used by every test. The token prefix is what leak checks look
// for: every token the fake issues starts with it.
const (
	testAppID       = "wx0123456789abcdef"
	testSecret      = "S3CRET0f9e8d7c6b5a4938271605f4e3"
	testTokenPrefix = "ACCESSTOKEN_q7Zr9xW2"
	suppliedToken   = testTokenPrefix + "-supplied-by-central-service"
)

// basePrefix is the path the fake API lives under. Requests that ignore the
// base URL's path (an absolute "/cgi-bin/…") get a 404 and fail the test.
const basePrefix = "/wechat-proxy"

// The reference's real error bodies, rid included.
const (
	errmsgInvalidCredential = "invalid credential, access_token is invalid or not latest, could get access_token by " +
		"getStableAccessToken, more details at https://mmbizurl.cn/s/JtxxFh33r rid: 6645a6c2-0b1d2e3f-12345678"
	errmsgWhitelist = "invalid ip 101.45.43.1 ipv6 ::ffff:101.45.43.1, not in whitelist hint: [jotvMa01143580]"
)

// fakeClock is a settable clock whose sleep only moves time forward, so
// retries and token expiry run instantly.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	// 2026-03-01 15:30:45 in Beijing.
	return &fakeClock{now: time.Date(2026, 3, 1, 7, 30, 45, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// tokenIssuer plays WeChat's token endpoints. Like stable_token it hands out
// the same token until rotate is called (someone force-refreshed it).
type tokenIssuer struct {
	mu        sync.Mutex
	gen       int
	expiresIn int
	calls     int
	requests  []recordedRequest
	// fail, when set, answers instead of issuing a token.
	fail func(w http.ResponseWriter, r *http.Request) bool
}

type recordedRequest struct {
	method      string
	query       string
	contentType string
	body        string
}

func (ti *tokenIssuer) current() string {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	return fmt.Sprintf("%s-%d", testTokenPrefix, ti.gen)
}

// set changes the issuer's behaviour while its server runs.
func (ti *tokenIssuer) set(change func(*tokenIssuer)) {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	change(ti)
}

func (ti *tokenIssuer) rotate() {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	ti.gen++
}

func (ti *tokenIssuer) Calls() int {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	return ti.calls
}

func (ti *tokenIssuer) Requests() []recordedRequest {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	return append([]recordedRequest(nil), ti.requests...)
}

func (ti *tokenIssuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ti.mu.Lock()
	ti.calls++
	ti.requests = append(ti.requests, recordedRequest{r.Method, r.URL.RawQuery, r.Header.Get("Content-Type"), string(body)})
	fail := ti.fail
	ti.mu.Unlock()
	if fail != nil && fail(w, r) {
		return
	}
	ti.mu.Lock()
	token, expiresIn := fmt.Sprintf("%s-%d", testTokenPrefix, ti.gen), ti.expiresIn
	ti.mu.Unlock()
	writeJSON(w, fmt.Sprintf(`{"access_token":%q,"expires_in":%d}`, token, expiresIn))
}

// env is one test's fake WeChat and the client pointed at it.
type env struct {
	t       *testing.T
	client  *Client
	mux     *http.ServeMux
	server  *httptest.Server
	clock   *fakeClock
	issuer  *tokenIssuer
	conns   atomic.Int32
	reports *reportLog
}

type reportLog struct {
	mu   sync.Mutex
	msgs []string
}

func (l *reportLog) add(msg string, err error, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, fmt.Sprintf("%s: %v (wait %v)", msg, err, wait))
}

func (l *reportLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.msgs...)
}

// setup starts a fake WeChat under basePrefix and a client with credentials,
// the fake clock and instant sleeps. opts come last and override those.
func setup(t *testing.T, opts ...Option) *env {
	t.Helper()
	e := &env{
		t:       t,
		mux:     http.NewServeMux(),
		clock:   newFakeClock(),
		issuer:  &tokenIssuer{gen: 1, expiresIn: 7200},
		reports: &reportLog{},
	}
	e.mux.Handle("/cgi-bin/stable_token", e.issuer)
	e.mux.Handle("/cgi-bin/token", e.issuer)
	outer := http.NewServeMux()
	// The answers are dated by the fake clock, as WeChat's are by its
	// own: the client takes the quota's reset day from them.
	dated := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", e.clock.Now().UTC().Format(http.TimeFormat))
		e.mux.ServeHTTP(w, r)
	})
	outer.Handle(basePrefix+"/", http.StripPrefix(basePrefix, dated))
	e.server = httptest.NewUnstartedServer(outer)
	e.server.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			e.conns.Add(1)
		}
	}
	e.server.Start()
	t.Cleanup(e.server.Close)

	e.client = e.newClient(t, WithCredentials(testAppID, testSecret), opts...)
	return e
}

// newClient is a client of the env's server on its fake clock, reporting
// retries to it, authenticated by auth.
func (e *env) newClient(t *testing.T, auth Option, opts ...Option) *Client {
	t.Helper()
	all := append([]Option{
		WithBaseURL(e.server.URL + basePrefix),
		auth,
		withClock(e.clock.Now),
		WithSleep(e.clock.Sleep),
		WithRetryReport(e.reports.add),
	}, opts...)
	client, err := NewClient(all...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return client
}

// setupSupplied is setup with a token from a central service instead of
// credentials.
func setupSupplied(t *testing.T, opts ...Option) *env {
	t.Helper()
	e := setup(t)
	e.client = e.newClient(t, WithAccessToken(suppliedToken), opts...)
	return e
}

// handle registers an API handler that checks the method and that the
// request carries the issuer's current token, answering 40001 otherwise as
// WeChat does for a replaced token.
func (e *env) handle(path, method string, h http.HandlerFunc) {
	e.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method {
			e.t.Errorf("%s: method %s, want %s", path, r.Method, method)
		}
		if got := r.URL.Query().Get("access_token"); got != e.issuer.current() && got != suppliedToken {
			writeErrcode(w, 40001, errmsgInvalidCredential)
			return
		}
		h(w, r)
	})
}

func writeJSON(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	io.WriteString(w, body)
}

func writeErrcode(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, fmt.Sprintf(`{"errcode":%d,"errmsg":%q}`, code, msg))
}

// stall answers nothing until the client gives up. It reads the body first:
// only then does the server notice the client hanging up.
func stall(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second): // a guard so a broken client cannot hang the test run
	}
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "api", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func serveFixture(t *testing.T, name string) http.HandlerFunc {
	data := fixture(t, name)
	return func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, string(data))
	}
}

// assertNoSecrets fails when text holds the AppSecret or any access token.
func assertNoSecrets(t *testing.T, what, text string) {
	t.Helper()
	for _, secret := range []string{testSecret, testTokenPrefix, suppliedToken} {
		if strings.Contains(text, secret) {
			t.Errorf("%s leaks a secret (%s…): %s", what, secret[:8], text)
		}
	}
}

// record collects what handlers saw; handlers run on server goroutines.
type record struct {
	mu    sync.Mutex
	items []string
}

func (r *record) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.items = append(r.items, s)
}

func (r *record) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.items...)
}

func (r *record) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.items)
}

func readBody(t *testing.T, r *http.Request) string {
	t.Helper()
	data, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("reading request body: %v", err)
	}
	return string(data)
}
