package exporter

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/mparchive/mparchive/archive"
)

// tokenSource keeps the access token in memory and renews it shortly before
// it expires. With a supplied token (WithAccessToken) it only hands that out.
type tokenSource struct {
	clock    func() time.Time
	secrets  *redactor
	supplied bool
	// fetch asks WeChat for a token; nil with a supplied token.
	fetch func(ctx context.Context) (token string, ttl time.Duration, err error)

	// renewing lets one caller fetch at a time. It is a channel rather than a
	// mutex so that a caller waiting for another's fetch can give up when its
	// context ends.
	renewing chan struct{}

	mu      sync.Mutex
	token   string
	renewAt time.Time
}

func newTokenSource(cfg config, h *httpSender, secrets *redactor) *tokenSource {
	s := &tokenSource{
		clock:    cfg.clock,
		secrets:  secrets,
		renewing: make(chan struct{}, 1),
	}
	if cfg.token != "" {
		s.supplied = true
		s.token = cfg.token
		return s
	}
	appID, secret := cfg.appID, cfg.secret
	switch cfg.tokenMode {
	case TokenClassic:
		s.fetch = func(ctx context.Context) (string, time.Duration, error) {
			return fetchClassicToken(ctx, h, appID, secret)
		}
	default:
		s.fetch = func(ctx context.Context) (string, time.Duration, error) {
			return fetchStableToken(ctx, h, appID, secret)
		}
	}
	return s
}

// current returns the cached token while it is fresh.
func (s *tokenSource) current() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && (s.supplied || s.clock().Before(s.renewAt)) {
		return s.token, true
	}
	return "", false
}

// get returns a fresh token, fetching one when the cached token is missing
// or due for renewal.
func (s *tokenSource) get(ctx context.Context) (string, error) {
	if token, ok := s.current(); ok {
		return token, nil
	}
	select {
	case s.renewing <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-s.renewing }()
	// Another caller may have renewed the token while this one waited.
	if token, ok := s.current(); ok {
		return token, nil
	}
	requested := s.clock()
	token, ttl, err := s.fetch(ctx)
	if err != nil {
		return "", err
	}
	s.secrets.add(token)
	s.mu.Lock()
	s.token = token
	s.renewAt = requested.Add(ttl - renewalMargin(ttl))
	s.mu.Unlock()
	return token, nil
}

// invalidate drops the cached token after WeChat refused it, unless another
// caller has replaced it already.
func (s *tokenSource) invalidate(stale string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.supplied && s.token == stale {
		s.token = ""
	}
}

// renewalMargin is how long before expiry a token is renewed. stable_token
// hands out a new token only in the last five minutes of the old one
// (earlier calls return the same token), so five minutes is both the
// earliest useful moment and enough slack for a slow request. Short
// lifetimes get a proportional margin.
func renewalMargin(ttl time.Duration) time.Duration {
	const margin = 5 * time.Minute
	if ttl >= 4*margin {
		return margin
	}
	return ttl / 4
}

// defaultTokenTTL is the documented lifetime, used when expires_in is
// missing; a token that dies earlier is renewed on 42001 anyway.
const defaultTokenTTL = 7200 * time.Second

// fetchStableToken calls POST cgi-bin/stable_token in normal mode. It never
// sets force_refresh: that would invalidate the token the account's own
// servers use, and WeChat allows it only 20 times a day.
// https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/getStableAccessToken.html
func fetchStableToken(ctx context.Context, h *httpSender, appID, secret string) (string, time.Duration, error) {
	body, err := encodeJSON(struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}{"client_credential", appID, secret, false})
	if err != nil {
		return "", 0, err
	}
	resp, err := h.send(ctx, &request{method: http.MethodPost, endpoint: pathStableToken, body: body})
	if err != nil {
		return "", 0, err
	}
	return decodeToken(h, pathStableToken, resp)
}

// fetchClassicToken calls GET cgi-bin/token, which invalidates older tokens.
// https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Get_access_token.html
func fetchClassicToken(ctx context.Context, h *httpSender, appID, secret string) (string, time.Duration, error) {
	query := url.Values{"grant_type": {"client_credential"}, "appid": {appID}, "secret": {secret}}
	resp, err := h.send(ctx, &request{method: http.MethodGet, endpoint: pathToken, query: query})
	if err != nil {
		return "", 0, err
	}
	return decodeToken(h, pathToken, resp)
}

func decodeToken(h *httpSender, endpoint string, resp *response) (string, time.Duration, error) {
	var answer struct {
		AccessToken string          `json:"access_token"`
		ExpiresIn   archive.FlexInt `json:"expires_in"`
	}
	problem := ""
	if err := json.Unmarshal(resp.body, &answer); err != nil {
		problem = "the token response does not have the expected shape: " + err.Error()
	} else if answer.AccessToken == "" {
		problem = "the token response has no access_token"
	}
	if problem != "" {
		// The excerpt goes through the redactor, which blanks any
		// access_token value the body may hold.
		return "", 0, &ResponseError{
			Endpoint:    endpoint,
			StatusCode:  http.StatusOK,
			ContentType: resp.contentType,
			Problem:     problem,
			Excerpt:     excerpt(h.secrets.scrub(string(resp.body))),
		}
	}
	ttl := time.Duration(answer.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = defaultTokenTTL
	}
	return answer.AccessToken, ttl, nil
}

// tokenRenewing attaches the access token to each request. When WeChat says
// the token is invalid or expired (someone else fetched a new one, or the
// lifetime was shorter than announced), it renews the token once and sends
// the request once more.
type tokenRenewing struct {
	next   sender
	tokens *tokenSource
}

var _ sender = (*tokenRenewing)(nil)

func (t *tokenRenewing) send(ctx context.Context, req *request) (*response, error) {
	token, err := t.tokens.get(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := t.next.send(ctx, req.withToken(token))
	if !IsTokenInvalid(err) {
		return resp, err
	}
	var apiErr *APIError
	errors.As(err, &apiErr)
	if t.tokens.supplied {
		apiErr.suppliedToken = true
		return nil, err
	}
	t.tokens.invalidate(token)
	token, err = t.tokens.get(ctx)
	if err != nil {
		return nil, err
	}
	resp, err = t.next.send(ctx, req.withToken(token))
	if IsTokenInvalid(err) && errors.As(err, &apiErr) {
		apiErr.afterRenewal = true
	}
	return resp, err
}
