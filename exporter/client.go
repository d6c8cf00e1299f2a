// Package exporter talks to the WeChat Official Account (公众号) API: it keeps
// an access token, pages through the article lists, downloads materials and
// retries what WeChat asks to be retried. It never prints: retries are
// reported through a callback, and the AppSecret and access_token never
// appear in an error.
package exporter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Defaults used when no option overrides them.
const (
	DefaultBaseURL        = "https://api.weixin.qq.com"
	DefaultRequestTimeout = 30 * time.Second
	DefaultUserAgent      = "mparchive (+https://github.com/mparchive/mparchive)"
)

// The endpoints the client calls, as WeChat names them: with a leading slash
// and no host, which is also the form openapi/quota/get wants as cgi_path.
const (
	pathToken               = "/cgi-bin/token"
	pathStableToken         = "/cgi-bin/stable_token"
	pathMaterialCount       = "/cgi-bin/material/get_materialcount"
	pathBatchGetMaterial    = "/cgi-bin/material/batchget_material"
	pathGetMaterial         = "/cgi-bin/material/get_material"
	pathFreePublishBatchGet = "/cgi-bin/freepublish/batchget"
	pathDraftBatchGet       = "/cgi-bin/draft/batchget"
	pathDraftCount          = "/cgi-bin/draft/count"
	pathQuotaGet            = "/cgi-bin/openapi/quota/get"
)

// TokenMode selects how the client gets its access token.
type TokenMode int

const (
	// TokenStable uses POST cgi-bin/stable_token with force_refresh false. It
	// returns the token that is already valid instead of replacing it, so the
	// account's own servers keep working while a backup runs.
	TokenStable TokenMode = iota
	// TokenClassic uses GET cgi-bin/token. Every call invalidates the token
	// other programs of the account hold (after a 5-minute overlap); use it only
	// when stable_token is unavailable.
	TokenClassic
)

func (m TokenMode) String() string {
	switch m {
	case TokenStable:
		return "stable"
	case TokenClassic:
		return "classic"
	}
	return fmt.Sprintf("TokenMode(%d)", int(m))
}

var errNoCredentials = errors.New("no WeChat credentials: give the AppID and AppSecret, " +
	"or an access token from the account's token service")

// Client calls the WeChat Official Account API. It is safe for concurrent
// use; one Client holds one cached access token.
type Client struct {
	clock   func() time.Time
	secrets *redactor
	tokens  *tokenSource
	// api sends every API call: retries around token renewal around HTTP.
	api sender
	// base is the API's address (WithBaseURL).
	base *url.URL
}

// NewClient checks the options and builds a Client. It makes no request: the
// first token is fetched by the first call.
func NewClient(opts ...Option) (*Client, error) {
	defaultBase, _ := parseBaseURL(DefaultBaseURL)
	cfg := config{
		baseURL:     defaultBase,
		tokenMode:   TokenStable,
		timeout:     DefaultRequestTimeout,
		maxAttempts: DefaultMaxAttempts,
		report:      func(string, error, time.Duration) {},
		sleep:       sleepContext,
		clock:       time.Now,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, fmt.Errorf("exporter: %w", err)
		}
	}
	switch {
	case cfg.token != "" && cfg.appID != "":
		return nil, errors.New("exporter: give either the AppID and AppSecret or an access token, not both")
	case cfg.token == "" && cfg.appID == "":
		return nil, fmt.Errorf("exporter: %w", errNoCredentials)
	}
	hc := &http.Client{Transport: sharedTransport()}
	if cfg.httpClient != nil {
		copied := *cfg.httpClient
		hc = &copied
	}
	// No API call follows a redirect (httpSender.redirected says why).
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	cfg.httpClient = hc

	secrets := &redactor{}
	secrets.add(cfg.secret)
	secrets.add(cfg.token)
	transport := &httpSender{
		base:      cfg.baseURL,
		client:    cfg.httpClient,
		timeout:   cfg.timeout,
		userAgent: DefaultUserAgent,
		clock:     cfg.clock,
		secrets:   secrets,
	}
	tokens := newTokenSource(cfg, transport, secrets)
	c := &Client{
		clock:   cfg.clock,
		secrets: secrets,
		tokens:  tokens,
		api: &retrying{
			next: &tokenRenewing{next: transport, tokens: tokens},
			retrier: &retrier{
				attempts: cfg.maxAttempts,
				sleep:    cfg.sleep,
				clock:    cfg.clock,
				report:   cfg.report,
				jitter:   randomJitter,
			},
			deadline: cfg.timeout,
		},
		base: cfg.baseURL,
	}
	return c, nil
}

// sharedTransport is one connection pool for every default Client: the
// exporter calls a single host many times, and the standard default of two
// idle connections per host would reopen TLS connections as soon as a few
// downloads run side by side.
var sharedTransport = sync.OnceValue(func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 64
	t.MaxIdleConnsPerHost = 16
	t.IdleConnTimeout = 90 * time.Second
	return t
})

// sleepContext waits d or until ctx ends, whichever comes first.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// encodeJSON encodes a request body. HTML escaping is off so that text such
// as "<p>" travels as written, as WeChat's own samples send it.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// call sends one API request with an optional JSON body and returns the
// classified response.
func (c *Client) call(ctx context.Context, method, endpoint string, body any, binary bool) (*response, error) {
	req := &request{method: method, endpoint: endpoint, binary: binary}
	if body != nil {
		data, err := encodeJSON(body)
		if err != nil {
			return nil, fmt.Errorf("wechat %s: encoding the request: %w", endpoint, err)
		}
		req.body = data
	}
	return c.api.send(ctx, req)
}

// callJSON is call for endpoints that answer with JSON, decoded into out.
func (c *Client) callJSON(ctx context.Context, method, endpoint string, body, out any) error {
	resp, err := c.call(ctx, method, endpoint, body, false)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(resp.body, out); err != nil {
		return &ResponseError{
			Endpoint:    endpoint,
			StatusCode:  http.StatusOK,
			ContentType: resp.contentType,
			Problem:     "the JSON does not have the expected shape: " + err.Error(),
			Excerpt:     excerpt(c.secrets.scrub(string(resp.body))),
		}
	}
	return nil
}
