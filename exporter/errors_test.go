package exporter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
)

// Every errcode the client explains, answered by an API endpoint, with the
// phrases the user needs to act on it.
func TestAPIError_Messages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code      int
		errmsg    string
		src       archive.Source // list called
		phrases   []string
		retryable bool
		quota     bool
	}{
		{-1, "system error rid: 1-2-3", archive.Drafts, []string{"system error", "try again later", "gave up after 8 attempts"}, true, false},
		{45011, "api minute-quota reach limit must slower retry next minute rid: 1-2-3", archive.Drafts, []string{"per-minute"}, true, false},
		// The clock stands at 2026-03-01 15:30 in Beijing: quotas refill at the next midnight there.
		{45009, "reach max api daily quota limit rid: 663a1f2b-5f0f3c20-1d2a3b4c", archive.Published,
			[]string{"/cgi-bin/freepublish/batchget", "daily call quota", "2026-03-02 00:00 +08:00", "resumes where this run stopped", "clear_quota"}, false, true},
		{48001, "api unauthorized rid: 1-2-3", archive.Published,
			[]string{"/cgi-bin/freepublish/batchget", "发布能力", "since July 2025", "verified", "personal and unverified", "urls source (--urls FILE)"}, false, false},
		{48001, "api unauthorized rid: 1-2-3", archive.News, []string{"/cgi-bin/material/batchget_material", "素材管理", "接口权限"}, false, false},
		{48004, "api forbidden for irregularities rid: 1-2-3", archive.News, []string{"banned", "违规"}, false, false},
		{50001, "user unauthorized rid: 1-2-3", archive.News, []string{"not authorized"}, false, false},
		{50002, "user limited rid: 1-2-3", archive.News, []string{"limited"}, false, false},
		{89503, "risky rid: 1-2-3", archive.News, []string{"administrator", "confirm", "an hour"}, false, false},
		{47001, "data format error rid: 1-2-3", archive.News, []string{"bug in mparchive"}, false, false},
		{45106, "This API has been unsupported rid: 1-2-3", archive.News, []string{"offline"}, false, false},
		{40164, errmsgWhitelist, archive.News, []string{"101.45.43.1", "IP白名单"}, false, false},
		{99999, "something new rid: 1-2-3", archive.News, []string{"errcode 99999", "something new"}, false, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d/%s", tt.code, tt.src), func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			var hits record
			e.handle(ListEndpoint(tt.src), http.MethodPost, func(w http.ResponseWriter, r *http.Request) {
				hits.add(readBody(t, r))
				writeErrcode(w, tt.code, tt.errmsg)
			})
			_, err := e.client.ListPage(t.Context(), tt.src, 0, 20)
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Code != tt.code || apiErr.Endpoint != ListEndpoint(tt.src) {
				t.Fatalf("err = %v, want errcode %d from %s", err, tt.code, ListEndpoint(tt.src))
			}
			msg := err.Error()
			for _, phrase := range append(tt.phrases, tt.errmsg) {
				if !strings.Contains(msg, phrase) {
					t.Errorf("message lacks %q:\n%s", phrase, msg)
				}
			}
			if IsRetryable(err) != tt.retryable || isPermanent(err) == tt.retryable {
				t.Errorf("IsRetryable = %v, IsPermanent = %v, want retryable %v", IsRetryable(err), isPermanent(err), tt.retryable)
			}
			if IsQuotaExhausted(err) != tt.quota {
				t.Errorf("IsQuotaExhausted = %v", IsQuotaExhausted(err))
			}
			if tt.quota {
				want := time.Date(2026, 3, 2, 0, 0, 0, 0, archive.ChinaTime)
				if !apiErr.ResetAt.Equal(want) {
					t.Errorf("ResetAt = %v, want %v", apiErr.ResetAt, want)
				}
			}
			wantHits := 1
			if tt.retryable {
				wantHits = DefaultMaxAttempts
			}
			if n := hits.len(); n != wantHits {
				t.Errorf("%d requests, want %d", n, wantHits)
			}
			assertNoSecrets(t, "error", msg)
		})
	}
}

func TestNextBeijingMidnight(t *testing.T) {
	t.Parallel()
	tests := []struct{ now, want string }{
		{"2026-03-01T07:30:00Z", "2026-03-02T00:00:00+08:00"},
		// 20:00 UTC is already the next day in Beijing.
		{"2026-03-01T20:00:00Z", "2026-03-03T00:00:00+08:00"},
		{"2026-12-31T16:00:00Z", "2027-01-02T00:00:00+08:00"},
		{"2026-12-31T15:59:59Z", "2027-01-01T00:00:00+08:00"},
	}
	for _, tt := range tests {
		now, _ := time.Parse(time.RFC3339, tt.now)
		if got := nextBeijingMidnight(now).Format(time.RFC3339); got != tt.want {
			t.Errorf("nextBeijingMidnight(%s) = %s, want %s", tt.now, got, tt.want)
		}
	}
}

// TestQuotaResetByWeChatsClock checks that the quota's reset time is read
// off the answer's Date header, WeChat's clock, and off ours only when the
// answer has none. The client's clock is at 2026-03-01 15:30 in Beijing.
func TestQuotaResetByWeChatsClock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, date string // date "" sends no Date header
		want       string
	}{
		{"server still on the 1st", "Sun, 01 Mar 2026 15:59:59 GMT", "2026-03-02T00:00:00+08:00"},
		{"server already on the 2nd", "Sun, 01 Mar 2026 16:00:01 GMT", "2026-03-03T00:00:00+08:00"},
		{"server a year behind", "Sat, 01 Mar 2025 07:30:00 GMT", "2025-03-02T00:00:00+08:00"},
		{"no Date header", "", "2026-03-02T00:00:00+08:00"},
		{"unreadable Date header", "yesterday", "2026-03-02T00:00:00+08:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.handle(ListEndpoint(archive.News), http.MethodPost, func(w http.ResponseWriter, r *http.Request) {
				if tt.date == "" {
					w.Header()["Date"] = nil // net/http then sends none
				} else {
					w.Header().Set("Date", tt.date)
				}
				writeErrcode(w, codeDailyQuota, "reach max api daily quota limit rid: 1-2-3")
			})
			_, err := e.client.ListPage(t.Context(), archive.News, 0, 20)
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want an *APIError", err)
			}
			if got := apiErr.ResetAt.Format(time.RFC3339); got != tt.want {
				t.Errorf("ResetAt = %s, want %s", got, tt.want)
			}
		})
	}
}

// Responses that are not WeChat answers: the error names the endpoint, says
// what arrived, and retries what may pass.
func TestResponseError_Bodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		serve     func(w http.ResponseWriter)
		phrases   []string
		retryable bool
	}{
		{
			name: "proxy HTML page with 200",
			serve: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "text/html")
				io.WriteString(w, "<!DOCTYPE html><html><head><title>Access denied</title></head><body>blocked</body></html>")
			},
			phrases: []string{"HTML page", "Access denied", "text/html", "HTTP 200"},
		},
		{
			name: "gateway error",
			serve: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusBadGateway)
				io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
			},
			phrases:   []string{"HTTP 502", "Bad Gateway", "gave up after 8 attempts"},
			retryable: true,
		},
		{
			name:    "forbidden",
			serve:   func(w http.ResponseWriter) { w.WriteHeader(http.StatusForbidden); io.WriteString(w, "denied") },
			phrases: []string{"HTTP 403", "Forbidden", `"denied"`},
		},
		{
			name:    "broken JSON",
			serve:   func(w http.ResponseWriter) { writeJSON(w, `{"total_count":1,"item":[}`) },
			phrases: []string{"malformed", `{\"total_count\":1`},
		},
		{
			name:      "JSON cut off",
			serve:     func(w http.ResponseWriter) { writeJSON(w, `{"total_count":40,"item_count":20,"item":[{"media_id":"a"`) },
			phrases:   []string{"cut off", "gave up after 8 attempts"},
			retryable: true,
		},
		{
			name:      "empty body",
			serve:     func(w http.ResponseWriter) {},
			phrases:   []string{"empty"},
			retryable: true,
		},
		{
			name:    "not JSON",
			serve:   func(w http.ResponseWriter) { io.WriteString(w, "OK") },
			phrases: []string{"not JSON", `"OK"`},
		},
		{
			name:    "wrong shape",
			serve:   func(w http.ResponseWriter) { writeJSON(w, `{"total_count":"many","item":[]}`) },
			phrases: []string{"expected shape"},
		},
		{
			name:    "no total_count",
			serve:   func(w http.ResponseWriter) { writeJSON(w, `{"item":[]}`) },
			phrases: []string{"no total_count"},
		},
		{
			name: "long body is cut in the message",
			serve: func(w http.ResponseWriter) {
				w.WriteHeader(http.StatusServiceUnavailable)
				io.WriteString(w, strings.Repeat("服务不可用 ", 200))
			},
			phrases:   []string{"HTTP 503", "服务不可用", "…"},
			retryable: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.handle("/cgi-bin/draft/batchget", http.MethodPost, func(w http.ResponseWriter, r *http.Request) { tt.serve(w) })
			_, err := e.client.ListPage(t.Context(), archive.Drafts, 0, 20)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, phrase := range append(tt.phrases, "/cgi-bin/draft/batchget") {
				if !strings.Contains(msg, phrase) {
					t.Errorf("message lacks %q:\n%s", phrase, msg)
				}
			}
			if len(msg) > 600 {
				t.Errorf("message is %d bytes long:\n%s", len(msg), msg)
			}
			if IsRetryable(err) != tt.retryable || isPermanent(err) == tt.retryable {
				t.Errorf("IsRetryable = %v, IsPermanent = %v, want retryable %v", IsRetryable(err), isPermanent(err), tt.retryable)
			}
		})
	}
}

// No error, retry report or excerpt may show the AppSecret or an access
// token, whichever path produced it.
func TestSecretsNeverInMessages(t *testing.T) {
	t.Parallel()
	echoURL := func(w http.ResponseWriter, r *http.Request) {
		// Proxies like to echo the request URL, access_token included.
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "<html><body>upstream failed for %s</body></html>", r.URL.String())
	}
	tests := []struct {
		name     string
		supplied bool
		opts     []Option
		// tokenFail replaces the token endpoint's answer; api answers the list call.
		tokenFail func(w http.ResponseWriter, r *http.Request)
		api       http.HandlerFunc
		deadURL   bool // point the client at a closed server
	}{
		{name: "dead server, classic token with secret in the URL", opts: []Option{WithTokenMode(TokenClassic)}, deadURL: true},
		{name: "dead server, supplied token in the URL", supplied: true, deadURL: true},
		{
			name: "timeout, supplied token in the URL", supplied: true,
			opts: []Option{WithRequestTimeout(20 * time.Millisecond), WithMaxAttempts(2)},
			api:  stall,
		},
		{
			name: "timeout on the classic token call", opts: []Option{WithTokenMode(TokenClassic), WithRequestTimeout(20 * time.Millisecond), WithMaxAttempts(2)},
			tokenFail: stall,
		},
		{name: "proxy echoes the URL", supplied: true, api: echoURL},
		{name: "proxy echoes the classic token URL", opts: []Option{WithTokenMode(TokenClassic)}, tokenFail: echoURL},
		{
			name: "token response cut off",
			tokenFail: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, `{"access_token":"`+testTokenPrefix+`-cut`)
			},
		},
		{
			name: "token response of the wrong shape",
			tokenFail: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, `{"access_token":"`+testTokenPrefix+`-odd","expires_in":{"seconds":7200}}`)
			},
		},
		{
			name: "errmsg quoting the token", supplied: true,
			api: func(w http.ResponseWriter, r *http.Request) {
				writeErrcode(w, 48001, "api unauthorized for access_token "+r.URL.Query().Get("access_token")+" rid: 1-2-3")
			},
		},
		{
			name: "errmsg quoting the secret",
			tokenFail: func(w http.ResponseWriter, r *http.Request) {
				writeErrcode(w, 40125, "invalid appsecret "+testSecret+" rid: 1-2-3")
			},
		},
		{
			name: "broken list JSON quoting the token", supplied: true,
			api: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, `{"total_count":1,"debug":"token=`+r.URL.Query().Get("access_token")+`","item":[`)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var e *env
			if tt.supplied {
				e = setupSupplied(t, tt.opts...)
			} else {
				e = setup(t, tt.opts...)
			}
			if tt.tokenFail != nil {
				e.issuer.set(func(ti *tokenIssuer) {
					ti.fail = func(w http.ResponseWriter, r *http.Request) bool { tt.tokenFail(w, r); return true }
				})
			}
			api := tt.api
			if api == nil {
				api = serveFixture(t, "freepublish_batchget.json")
			}
			e.handle("/cgi-bin/freepublish/batchget", http.MethodPost, api)
			client := e.client
			if tt.deadURL {
				dead := httptest.NewServer(http.NotFoundHandler())
				dead.Close()
				base := WithBaseURL(dead.URL + basePrefix)
				var err error
				if tt.supplied {
					client, err = NewClient(append([]Option{WithAccessToken(suppliedToken), WithSleep(e.clock.Sleep), WithRetryReport(e.reports.add), base}, tt.opts...)...)
				} else {
					client, err = NewClient(append([]Option{WithCredentials(testAppID, testSecret), WithSleep(e.clock.Sleep), WithRetryReport(e.reports.add), base}, tt.opts...)...)
				}
				if err != nil {
					t.Fatal(err)
				}
			}

			_, err := client.ListPage(t.Context(), archive.Published, 0, 20)
			if err == nil {
				t.Fatal("no error")
			}
			assertNoSecrets(t, "error", err.Error())
			// %+v and %#v must not reveal more than Error() does.
			assertNoSecrets(t, "error %+v", fmt.Sprintf("%+v", err))
			for unwrapped := errors.Unwrap(err); unwrapped != nil; unwrapped = errors.Unwrap(unwrapped) {
				assertNoSecrets(t, "wrapped error", unwrapped.Error())
			}
			var uerr interface{ Unwrap() error }
			if errors.As(err, &uerr) {
				assertNoSecrets(t, "unwrapped", fmt.Sprint(uerr.Unwrap()))
			}
			for _, report := range e.reports.all() {
				assertNoSecrets(t, "retry report", report)
			}
			t.Logf("%v", err)
		})
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{
			"https://api.weixin.qq.com/cgi-bin/draft/count?access_token=" + testTokenPrefix,
			"https://api.weixin.qq.com/cgi-bin/draft/count?access_token=REDACTED",
		},
		{
			"https://api.weixin.qq.com/cgi-bin/token?appid=wx1&grant_type=client_credential&secret=" + testSecret,
			"https://api.weixin.qq.com/cgi-bin/token?appid=wx1&grant_type=client_credential&secret=REDACTED",
		},
		{"http://h/x?AppSecret=abc&a=1", "http://h/x?AppSecret=REDACTED&a=1"},
		{"http://h/x?a=1", "http://h/x?a=1"},
		{"::not a url?access_token=" + testTokenPrefix, "::not a url?access_token=REDACTED"},
	}
	for _, tt := range tests {
		if got := redactURL(tt.in); got != tt.want {
			t.Errorf("redactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactor_Scrub(t *testing.T) {
	t.Parallel()
	r := &redactor{}
	r.add(testSecret)
	r.add(testTokenPrefix + "-7")
	tests := []string{
		`{"access_token":"` + testTokenPrefix + `-7","expires_in":7200}`,
		`{"access_token": "` + testTokenPrefix + `-unknown`,
		`GET /cgi-bin/token?secret=` + testSecret,
		`the secret is ` + testSecret + ` and the token ` + testTokenPrefix + `-7.`,
		`access_token=` + testTokenPrefix + `-other&x=1`,
	}
	for _, in := range tests {
		assertNoSecrets(t, "scrubbed "+in[:10], r.scrub(in))
	}
}

// A short secret is replaced where it stands as a token of its own, and
// nowhere inside ordinary words: "Post" must not become "PoREDACTEDt".
func TestRedactor_WholeTokens(t *testing.T) {
	t.Parallel()
	tests := []struct{ secret, in, want string }{
		{"s", `Post "http://h/cgi-bin/stable_token": refused`, `Post "http://h/cgi-bin/stable_token": refused`},
		{"b", `Post "http://127.0.0.1:9/cgi-bin/stable_token?x=b": dial tcp`, `Post "http://127.0.0.1:9/cgi-bin/stable_token?x=REDACTED": dial tcp`},
		{"abc", `{"secret":"abc"} abc abcd xabc abc.`, `{"secret":"REDACTED"} REDACTED abcd xabc REDACTED.`},
		{"k-1", `k-1 k-12 ak-1 (k-1)`, `REDACTED k-12 ak-1 (REDACTED)`},
		{"s3cr3t", `s3cr3ts3cr3t`, `s3cr3ts3cr3t`},
	}
	for _, tt := range tests {
		r := &redactor{}
		r.add(tt.secret)
		if got := r.scrub(tt.in); got != tt.want {
			t.Errorf("secret %q: scrub(%q) = %q, want %q", tt.secret, tt.in, got, tt.want)
		}
	}
}

// A parent context that ends while a request is in flight wins over the
// transport error, and the error says cancelled, not a network failure.
func TestTransportError_KeepsCause(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, err := NewClient(WithAccessToken(suppliedToken), WithBaseURL("http://"+addr), WithMaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DraftCount(context.Background())
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Errorf("err = %v, want the *net.OpError kept for errors.As", err)
	}
	if !IsRetryable(err) {
		t.Errorf("connection refused should be retryable: %v", err)
	}
	if !strings.Contains(err.Error(), "/cgi-bin/draft/count") || !strings.Contains(err.Error(), "access_token=REDACTED") {
		t.Errorf("message should name the endpoint and the redacted URL: %v", err)
	}
	assertNoSecrets(t, "error", err.Error())
}
