package exporter

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestToken_StableRequest(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.handle("/cgi-bin/draft/count", http.MethodGet, serveFixture(t, "draft_count.json"))
	if _, err := e.client.DraftCount(t.Context()); err != nil {
		t.Fatal(err)
	}
	reqs := e.issuer.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d token requests, want 1", len(reqs))
	}
	got := reqs[0]
	if got.method != http.MethodPost || got.query != "" || !strings.HasPrefix(got.contentType, "application/json") {
		t.Errorf("token request = %s ?%s (%s), want POST with a JSON body and no query", got.method, got.query, got.contentType)
	}
	want := `{"grant_type":"client_credential","appid":"` + testAppID + `","secret":"` + testSecret + `","force_refresh":false}`
	if got.body != want {
		t.Errorf("stable_token body = %s\nwant %s", got.body, want)
	}
}

func TestToken_ClassicRequest(t *testing.T) {
	t.Parallel()
	e := setup(t, WithTokenMode(TokenClassic))
	e.handle("/cgi-bin/draft/count", http.MethodGet, serveFixture(t, "draft_count.json"))
	if _, err := e.client.DraftCount(t.Context()); err != nil {
		t.Fatal(err)
	}
	reqs := e.issuer.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d token requests, want 1", len(reqs))
	}
	got := reqs[0]
	q, _ := url.ParseQuery(got.query)
	if got.method != http.MethodGet || got.body != "" ||
		q.Get("grant_type") != "client_credential" || q.Get("appid") != testAppID || q.Get("secret") != testSecret {
		t.Errorf("token request = %s ?%s body %q, want GET with grant_type, appid and secret", got.method, got.query, got.body)
	}
}

// A token is reused until shortly before it expires: five minutes for the
// usual two hours, a quarter of the lifetime when WeChat hands out less.
func TestToken_CachedAndRenewedAheadOfExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expiresIn   int // seconds, as WeChat sends it (0: field missing)
		stillCached time.Duration
		renewed     time.Duration
	}{
		{7200, 7200*time.Second - 5*time.Minute - time.Second, 7200*time.Second - 5*time.Minute + time.Second},
		{600, 450*time.Second - time.Second, 450*time.Second + time.Second},
		{0, 7200*time.Second - 5*time.Minute - time.Second, 7200*time.Second - 5*time.Minute + time.Second},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.expiresIn), func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.issuer.set(func(ti *tokenIssuer) { ti.expiresIn = tt.expiresIn })
			e.handle("/cgi-bin/draft/count", http.MethodGet, serveFixture(t, "draft_count.json"))
			start := e.clock.Now()
			call := func() {
				t.Helper()
				if _, err := e.client.DraftCount(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			call()
			call()
			e.clock.Set(start.Add(tt.stillCached))
			call()
			if n := e.issuer.Calls(); n != 1 {
				t.Fatalf("after %v: %d token fetches, want 1 (cached)", tt.stillCached, n)
			}
			e.clock.Set(start.Add(tt.renewed))
			call()
			if n := e.issuer.Calls(); n != 2 {
				t.Fatalf("after %v: %d token fetches, want 2 (renewed ahead of expiry)", tt.renewed, n)
			}
		})
	}
}

// When another program replaces the token, WeChat answers 40001, 40014 or
// 42001; the client renews once and the call succeeds with the new token.
func TestToken_RenewedOnceOnInvalidToken(t *testing.T) {
	t.Parallel()
	for _, code := range []int{40001, 40014, 42001} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			var used record
			e.mux.HandleFunc("/cgi-bin/draft/batchget", func(w http.ResponseWriter, r *http.Request) {
				token := r.URL.Query().Get("access_token")
				used.add(token + " " + readBody(t, r))
				if token != e.issuer.current() {
					writeErrcode(w, code, "access_token expired rid: 1-2-3")
					return
				}
				serveFixture(t, "draft_batchget.json")(w, r)
			})
			if _, err := e.client.ListPage(t.Context(), "drafts", 0, 20); err != nil {
				t.Fatal(err)
			}
			e.issuer.rotate() // someone else renewed the token
			if _, err := e.client.ListPage(t.Context(), "drafts", 0, 20); err != nil {
				t.Fatalf("call after the token was replaced: %v", err)
			}
			if n := e.issuer.Calls(); n != 2 {
				t.Errorf("%d token fetches, want 2", n)
			}
			wantBody := ` {"offset":0,"count":20,"no_content":0}`
			want := []string{
				testTokenPrefix + "-1" + wantBody,
				testTokenPrefix + "-1" + wantBody, // refused
				testTokenPrefix + "-2" + wantBody, // the same body again, with the new token
			}
			if got := used.all(); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("requests:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if len(e.reports.all()) != 0 {
				t.Errorf("token renewal was reported as a retry: %v", e.reports.all())
			}
		})
	}
}

// A token refused again right after renewal is not renewed in a loop.
func TestToken_GivesUpAfterOneRenewal(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var hits record
	e.mux.HandleFunc("/cgi-bin/draft/count", func(w http.ResponseWriter, r *http.Request) {
		hits.add(r.URL.Query().Get("access_token"))
		writeErrcode(w, 40001, errmsgInvalidCredential)
	})
	_, err := e.client.DraftCount(t.Context())
	if !IsTokenInvalid(err) || !isPermanent(err) || IsRetryable(err) {
		t.Fatalf("err = %v, want a permanent token error", err)
	}
	if !strings.Contains(err.Error(), "freshly fetched") {
		t.Errorf("message does not explain the renewal failed: %v", err)
	}
	if n := hits.len(); n != 2 {
		t.Errorf("%d API calls, want 2 (one renewal)", n)
	}
	if n := e.issuer.Calls(); n != 2 {
		t.Errorf("%d token fetches, want 2", n)
	}
	assertNoSecrets(t, "error", err.Error())
}

// With a token from a central service the client never fetches one, and
// says clearly that the supplied token must be renewed.
func TestToken_SuppliedTokenIsNeverRenewed(t *testing.T) {
	t.Parallel()
	for _, code := range []int{40001, 40014, 42001} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			t.Parallel()
			e := setupSupplied(t)
			var hits record
			e.mux.HandleFunc("/cgi-bin/draft/count", func(w http.ResponseWriter, r *http.Request) {
				hits.add(r.URL.Query().Get("access_token"))
				if hits.len() == 1 {
					serveFixture(t, "draft_count.json")(w, r)
					return
				}
				writeErrcode(w, code, "access_token expired rid: 1-2-3")
			})
			if _, err := e.client.DraftCount(t.Context()); err != nil {
				t.Fatal(err)
			}
			_, err := e.client.DraftCount(t.Context())
			if !IsTokenInvalid(err) {
				t.Fatalf("err = %v, want a token error", err)
			}
			for _, phrase := range []string{"supplied", "expired or was replaced", "fresh token"} {
				if !strings.Contains(err.Error(), phrase) {
					t.Errorf("message lacks %q: %v", phrase, err)
				}
			}
			assertNoSecrets(t, "error", err.Error())
			if n := e.issuer.Calls(); n != 0 {
				t.Errorf("fetched %d tokens in supplied-token mode", n)
			}
			if got := hits.all(); len(got) != 2 || got[0] != suppliedToken || got[1] != suppliedToken {
				t.Errorf("requests used tokens %q, want the supplied token twice", got)
			}
		})
	}
}

// Many goroutines that find no token share one fetch.
func TestToken_ConcurrentCallersFetchOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.handle("/cgi-bin/draft/count", http.MethodGet, serveFixture(t, "draft_count.json"))
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			_, err := e.client.DraftCount(t.Context())
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := e.issuer.Calls(); n != 1 {
		t.Errorf("%d token fetches, want 1", n)
	}
}

func TestToken_ErrorsFromTheTokenCall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code    int
		errmsg  string
		phrases []string
	}{
		{40164, errmsgWhitelist, []string{"101.45.43.1", "IP白名单", "设置与开发 → 基本配置", "public IP", "mp.weixin.qq.com"}},
		{40001, errmsgInvalidCredential, []string{"/cgi-bin/stable_token", "AppSecret"}},
		{40125, "invalid appsecret rid: 1-2-3", []string{"AppSecret is wrong"}},
		{40013, "invalid appid rid: 1-2-3", []string{"AppID is wrong"}},
		{40243, "AppSecret is frozen rid: 1-2-3", []string{"frozen", "unfreeze or reset"}},
		{89503, "risky ip rid: 1-2-3", []string{"confirm"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.issuer.set(func(ti *tokenIssuer) {
				ti.fail = func(w http.ResponseWriter, r *http.Request) bool {
					writeErrcode(w, tt.code, tt.errmsg)
					return true
				}
			})
			var apiHits record
			e.handle("/cgi-bin/draft/count", http.MethodGet, func(w http.ResponseWriter, r *http.Request) {
				apiHits.add(r.URL.RawQuery)
			})
			_, err := e.client.DraftCount(t.Context())
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Code != tt.code {
				t.Fatalf("err = %v, want errcode %d", err, tt.code)
			}
			if IsTokenInvalid(err) || !isPermanent(err) {
				t.Errorf("a token-call failure must be permanent and not a token-renewal case: %v", err)
			}
			for _, phrase := range tt.phrases {
				if !strings.Contains(err.Error(), phrase) {
					t.Errorf("message lacks %q: %v", phrase, err)
				}
			}
			assertNoSecrets(t, "error", err.Error())
			if n := e.issuer.Calls(); n != 1 {
				t.Errorf("%d token calls, want 1 (no retry of a permanent error)", n)
			}
			if apiHits.len() != 0 {
				t.Error("the API was called without a token")
			}
		})
	}
}
