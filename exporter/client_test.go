package exporter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
	outer.Handle(basePrefix+"/", http.StripPrefix(basePrefix, e.mux))
	e.server = httptest.NewUnstartedServer(outer)
	e.server.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			e.conns.Add(1)
		}
	}
	e.server.Start()
	t.Cleanup(e.server.Close)

	all := append([]Option{
		WithBaseURL(e.server.URL + basePrefix),
		WithCredentials(testAppID, testSecret),
		WithClock(e.clock.Now),
		WithSleep(e.clock.Sleep),
		WithRetryReport(e.reports.add),
	}, opts...)
	client, err := NewClient(all...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	e.client = client
	return e
}

// setupSupplied is setup with a token from a central service instead of
// credentials.
func setupSupplied(t *testing.T, opts ...Option) *env {
	t.Helper()
	e := setup(t)
	all := append([]Option{
		WithBaseURL(e.server.URL + basePrefix),
		WithAccessToken(suppliedToken),
		WithClock(e.clock.Now),
		WithSleep(e.clock.Sleep),
		WithRetryReport(e.reports.add),
	}, opts...)
	client, err := NewClient(all...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	e.client = client
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

func TestNewClient_Options(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []Option
		want string // phrase the error must contain; "" means success
	}{
		{"credentials", []Option{WithCredentials("wx1", "s")}, ""},
		{"supplied token", []Option{WithAccessToken("tok")}, ""},
		{"nothing", nil, "no WeChat credentials"},
		{"both", []Option{WithCredentials("wx1", "s"), WithAccessToken("tok")}, "not both"},
		{"empty appid", []Option{WithCredentials("", "s")}, "AppID is empty"},
		{"empty secret", []Option{WithCredentials("wx1", "")}, "AppSecret is empty"},
		{"secret with newline", []Option{WithCredentials("wx1", testSecret+"\n")}, "white space"},
		{"empty token", []Option{WithAccessToken(" ")}, "access token is empty"},
		{"base without scheme", []Option{WithCredentials("wx1", "s"), WithBaseURL("api.weixin.qq.com")}, "scheme"},
		{"base with query", []Option{WithCredentials("wx1", "s"), WithBaseURL("https://h/?access_token=x")}, "query"},
		{"base with ftp", []Option{WithCredentials("wx1", "s"), WithBaseURL("ftp://h/")}, "scheme"},
		{"nil http client", []Option{WithCredentials("wx1", "s"), WithHTTPClient(nil)}, "nil"},
		{"zero timeout", []Option{WithCredentials("wx1", "s"), WithRequestTimeout(0)}, "positive"},
		{"zero attempts", []Option{WithCredentials("wx1", "s"), WithMaxAttempts(0)}, "between 1 and 100"},
		{"bad token mode", []Option{WithCredentials("wx1", "s"), WithTokenMode(TokenMode(7))}, "token mode"},
		{"nil sleep", []Option{WithCredentials("wx1", "s"), WithSleep(nil)}, "nil"},
		{"nil clock", []Option{WithCredentials("wx1", "s"), WithClock(nil)}, "nil"},
		{"nil report", []Option{WithCredentials("wx1", "s"), WithRetryReport(nil)}, "nil"},
		{"classic mode", []Option{WithCredentials("wx1", "s"), WithTokenMode(TokenClassic)}, ""},
		{"base with path", []Option{WithCredentials("wx1", "s"), WithBaseURL("https://proxy.example/wechat")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.opts...)
			if tt.want == "" {
				if err != nil || c == nil {
					t.Fatalf("NewClient: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("NewClient succeeded, want error with %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			assertNoSecrets(t, "option error", err.Error())
		})
	}
}

func TestClient_BaseURLPrefixAndUserAgent(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.handle("/cgi-bin/draft/count", http.MethodGet, func(w http.ResponseWriter, r *http.Request) {
		if ua := r.Header.Get("User-Agent"); ua != DefaultUserAgent {
			t.Errorf("User-Agent = %q", ua)
		}
		serveFixture(t, "draft_count.json")(w, r)
	})
	n, err := e.client.DraftCount(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n != 7 {
		t.Errorf("DraftCount = %d, want 7", n)
	}
}

func TestClient_MaterialCount(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.handle("/cgi-bin/material/get_materialcount", http.MethodGet, serveFixture(t, "get_materialcount.json"))
	got, err := e.client.MaterialCount(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := MaterialCount{VoiceCount: 2, VideoCount: 1, ImageCount: 137, NewsCount: 42}
	if got != want {
		t.Errorf("MaterialCount = %+v, want %+v", got, want)
	}
}

func TestClient_Quota(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var bodies record
	e.handle("/cgi-bin/openapi/quota/get", http.MethodPost, func(w http.ResponseWriter, r *http.Request) {
		bodies.add(readBody(t, r))
		serveFixture(t, "quota_get.json")(w, r)
	})
	for _, path := range []string{ListEndpoint("published"), "cgi-bin/freepublish/batchget"} {
		got, err := e.client.Quota(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		if want := (Quota{DailyLimit: 100, Used: 37, Remain: 63}); got != want {
			t.Errorf("Quota = %+v, want %+v", got, want)
		}
	}
	for _, body := range bodies.all() {
		if want := `{"cgi_path":"/cgi-bin/freepublish/batchget"}`; body != want {
			t.Errorf("quota body = %s, want %s", body, want)
		}
	}
	if _, err := e.client.Quota(t.Context(), "https://api.weixin.qq.com/cgi-bin/draft/count"); err == nil {
		t.Error("Quota accepted a full URL as cgi_path")
	}
}

// TestClient_GetMaterial: a file answer streams to the sink, with the
// Content-Type WeChat sent; JSON (a video material, an error) and HTML are
// read as answers, whatever their Content-Type says.
func TestClient_GetMaterial(t *testing.T) {
	t.Parallel()
	jpeg := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, []byte("JFIF fake image bytes")...)
	tests := []struct {
		name      string
		serve     func(w http.ResponseWriter)
		wantData  []byte
		wantType  string
		streamed  bool   // the file went to the sink
		wantCode  int    // errcode of an expected *APIError
		wantPhase string // phrase of another expected error
	}{
		{
			name:     "image",
			serve:    func(w http.ResponseWriter) { w.Header().Set("Content-Type", "image/jpeg"); w.Write(jpeg) },
			wantData: jpeg, wantType: "image/jpeg", streamed: true,
		},
		{
			name:     "a file without a content type",
			serve:    func(w http.ResponseWriter) { w.Header()["Content-Type"] = nil; w.Write(jpeg) },
			wantData: jpeg, wantType: "", streamed: true,
		},
		{
			name: "video material is JSON",
			serve: func(w http.ResponseWriter) {
				writeJSON(w, `{"title":"T","description":"D","down_url":"http://example.org/v.mp4"}`)
			},
			wantData: []byte(`{"title":"T","description":"D","down_url":"http://example.org/v.mp4"}`),
			wantType: "application/json; encoding=utf-8",
		},
		{
			// WeChat has served its error JSON as text/plain.
			name: "error as text/plain",
			serve: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "text/plain")
				io.WriteString(w, `{"errcode":40007,"errmsg":"invalid media_id rid: 5fa26c60-1a0ebdd5-32fd1cd0"}`)
			},
			wantCode: 40007,
		},
		{
			name: "HTML page",
			serve: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "text/html")
				io.WriteString(w, "<html><body>Portal login</body></html>")
			},
			wantPhase: "HTML page",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.handle("/cgi-bin/material/get_material", http.MethodPost, func(w http.ResponseWriter, r *http.Request) {
				if body := readBody(t, r); body != `{"media_id":"MEDIA_1"}` {
					t.Errorf("body = %s", body)
				}
				tt.serve(w)
			})
			var file bytes.Buffer
			var sinkType string
			resp, err := e.client.getMaterial(t.Context(), "MEDIA_1", 1<<20, func(body io.Reader, ctype string) error {
				sinkType = ctype
				_, err := file.ReadFrom(body)
				return err
			})
			switch {
			case tt.wantCode != 0:
				var apiErr *APIError
				if !errors.As(err, &apiErr) || apiErr.Code != tt.wantCode {
					t.Fatalf("err = %v, want errcode %d", err, tt.wantCode)
				}
			case tt.wantPhase != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantPhase) {
					t.Fatalf("err = %v, want %q", err, tt.wantPhase)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				data, ctype := resp.body, resp.contentType
				if resp.streamed {
					data = file.Bytes()
					if sinkType != ctype {
						t.Errorf("the sink got Content-Type %q, the response says %q", sinkType, ctype)
					}
				}
				if resp.streamed != tt.streamed || string(data) != string(tt.wantData) || ctype != tt.wantType {
					t.Errorf("got %q (%q, streamed %v), want %q (%q, streamed %v)", data, ctype, resp.streamed, tt.wantData, tt.wantType, tt.streamed)
				}
			}
		})
	}
}

// The client must keep one connection alive across calls instead of paying
// a new handshake each time.
func TestClient_ReusesConnections(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.handle("/cgi-bin/draft/count", http.MethodGet, serveFixture(t, "draft_count.json"))
	for range 10 {
		if _, err := e.client.DraftCount(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.conns.Load(); n != 1 {
		t.Errorf("opened %d connections for 11 sequential requests, want 1", n)
	}
}

func TestRequestBodyKeepsHTML(t *testing.T) {
	t.Parallel()
	got, err := encodeJSON(map[string]string{"content": "<p>a & b</p>"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"content":"<p>a & b</p>"}`; string(got) != want {
		t.Errorf("encodeJSON = %s, want %s", got, want)
	}
	var back map[string]string
	if err := json.Unmarshal(got, &back); err != nil || back["content"] != "<p>a & b</p>" {
		t.Errorf("round trip: %v %v", back, err)
	}
}
