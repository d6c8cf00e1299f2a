// Package exporter talks to the WeChat Official Account (公众号) API: it keeps
// an access token, pages through the article lists, downloads materials and
// retries what WeChat asks to be retried. It never prints: retries are
// reported through a callback, and the AppSecret and access_token never
// appear in an error.
package exporter

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
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

// Option configures a Client. Each option checks its own argument, so a bad
// flag value fails in NewClient rather than at the first request.
type Option func(*config) error

type config struct {
	baseURL     *url.URL
	httpClient  *http.Client
	appID       string
	secret      string
	token       string
	tokenMode   TokenMode
	timeout     time.Duration
	maxAttempts int
	report      func(msg string, err error, wait time.Duration)
	sleep       func(ctx context.Context, d time.Duration) error
	clock       func() time.Time
}

// WithBaseURL sends requests to base instead of https://api.weixin.qq.com:
// a fake server in tests, a backup host such as https://api2.weixin.qq.com,
// or a reverse proxy. A path prefix is kept (https://proxy/wechat/ sends
// https://proxy/wechat/cgi-bin/...).
func WithBaseURL(base string) Option {
	return func(c *config) error {
		u, err := parseBaseURL(base)
		if err != nil {
			return err
		}
		c.baseURL = u
		return nil
	}
}

func parseBaseURL(base string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil {
		return nil, fmt.Errorf("API base URL %q: %v", base, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("API base URL %q: scheme must be http or https", base)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("API base URL %q has no host", base)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		// The query is where the access_token goes; anything else there would
		// be silently dropped or, worse, sent along with it.
		return nil, fmt.Errorf("API base URL %q must not have a query, fragment or user info", base)
	}
	// Without the trailing slash ResolveReference would replace the last
	// path segment instead of appending to it.
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// WithHTTPClient sends requests through hc. The default client shares one
// transport between all Clients so connections to WeChat are reused.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("HTTP client must not be nil")
		}
		c.httpClient = hc
		return nil
	}
}

// WithCredentials makes the client fetch its own access token with the
// account's AppID and AppSecret (微信公众平台 → 设置与开发 → 基本配置).
func WithCredentials(appID, secret string) Option {
	return func(c *config) error {
		if appID == "" {
			return errors.New("AppID is empty")
		}
		if secret == "" {
			return errors.New("AppSecret is empty")
		}
		// The values themselves stay out of these messages: one is a secret.
		if strings.ContainsAny(appID, " \t\r\n") {
			return errors.New("AppID contains white space (a copy-and-paste slip?)")
		}
		if strings.ContainsAny(secret, " \t\r\n") {
			return errors.New("AppSecret contains white space (a copy-and-paste slip?)")
		}
		c.appID, c.secret = appID, secret
		return nil
	}
}

// WithAccessToken uses a token handed out by the account's central token
// service. The client then never fetches a token itself (that would take it
// away from the service's other users) and reports a rejected token as one to
// renew.
func WithAccessToken(token string) Option {
	return func(c *config) error {
		if strings.TrimSpace(token) == "" {
			return errors.New("access token is empty")
		}
		if strings.ContainsAny(token, " \t\r\n") {
			return errors.New("access token contains white space (a copy-and-paste slip?)")
		}
		c.token = token
		return nil
	}
}

// WithTokenMode chooses stable_token (the default) or the classic token call.
func WithTokenMode(mode TokenMode) Option {
	return func(c *config) error {
		if mode != TokenStable && mode != TokenClassic {
			return fmt.Errorf("unknown token mode %v", mode)
		}
		c.tokenMode = mode
		return nil
	}
}

// WithRequestTimeout bounds each call, body included, its attempts
// together: a response that stalls halfway is abandoned, and a server that
// stalls every time costs this long, not this long per attempt. Failures
// that come fast (a 5xx, a refused connection) get every attempt.
func WithRequestTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("request timeout must be positive, not %v", d)
		}
		c.timeout = d
		return nil
	}
}

// WithMaxAttempts bounds how often one request is tried, the first attempt
// included. 1 turns retries off.
func WithMaxAttempts(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 100 {
			return fmt.Errorf("max attempts must be between 1 and 100, not %d", n)
		}
		c.maxAttempts = n
		return nil
	}
}

// WithRetryReport receives every retry before the client waits: what failed,
// why, and how long it will wait. The client itself never prints.
func WithRetryReport(report func(msg string, err error, wait time.Duration)) Option {
	return func(c *config) error {
		if report == nil {
			return errors.New("retry report func must not be nil")
		}
		c.report = report
		return nil
	}
}

// WithSleep replaces how the client waits between attempts. It must return
// early with ctx.Err() when ctx ends. Tests use it to make retries instant.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *config) error {
		if sleep == nil {
			return errors.New("sleep func must not be nil")
		}
		c.sleep = sleep
		return nil
	}
}

// WithClock replaces time.Now for token expiry, the next-minute wait after
// 45011 and the quota reset time after 45009.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("clock func must not be nil")
		}
		c.clock = now
		return nil
	}
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

// request is one API call kept as data, not as an *http.Request, so that
// every attempt builds a fresh request: a POST body is re-sent intact and the
// access_token is whatever is current at that moment.
type request struct {
	method   string
	endpoint string     // one of the path constants
	query    url.Values // parameters besides access_token
	body     []byte     // JSON, nil for GET
	token    string     // set by tokenRenewing, sent as access_token
	// binary marks get_material, whose success body may be a file rather
	// than JSON.
	binary bool
	// sink, when set, receives a file answer as it arrives instead of the
	// answer being read into memory; fileLimit bounds it. It is called
	// afresh by every attempt, and must start over each time.
	sink      func(body io.Reader, contentType string) error
	fileLimit int64
}

func (r *request) withToken(token string) *request {
	c := *r
	c.token = token
	return &c
}

type response struct {
	body        []byte
	contentType string
	// streamed is true when the body went to the request's sink.
	streamed bool
}

// sender sends one request. The layers (retrying, tokenRenewing, httpSender)
// each implement it and wrap the next, as restic's retry backend wraps a
// backend.
type sender interface {
	send(ctx context.Context, req *request) (*response, error)
}

// httpSender makes exactly one HTTP exchange and classifies its outcome.
type httpSender struct {
	base      *url.URL
	client    *http.Client
	timeout   time.Duration
	userAgent string
	clock     func() time.Time
	secrets   *redactor
}

var _ sender = (*httpSender)(nil)

func (h *httpSender) send(ctx context.Context, req *request) (*response, error) {
	u := h.base.ResolveReference(&url.URL{Path: strings.TrimPrefix(req.endpoint, "/")})
	q := url.Values{}
	for k, v := range req.query {
		q[k] = v
	}
	if req.token != "" {
		q.Set("access_token", req.token)
	}
	u.RawQuery = q.Encode()

	// The deadline covers reading the body too: a server that sends headers
	// and then stalls must not hang the run. The retrier sets it for the
	// whole call (call.deadline); a request sent outside it gets one here.
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithValue(ctx, deadlineKey{}, h.timeout), h.timeout)
		defer cancel()
	}
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.method, u.String(), body)
	if err != nil {
		return nil, h.transportError(req.endpoint, "building the request", err)
	}
	hreq.Header.Set("User-Agent", h.userAgent)
	if req.body != nil {
		hreq.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	if !req.binary {
		hreq.Header.Set("Accept", "application/json")
	}

	resp, err := h.client.Do(hreq)
	if err != nil {
		return nil, h.transportError(req.endpoint, timedOut(ctx), err)
	}
	// Reading the body to the end (and closing it) lets the transport put the
	// connection back into the pool.
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return nil, h.redirected(req, resp)
	}
	contentType := resp.Header.Get("Content-Type")
	limit := limitFor(req)
	var respBody io.Reader = resp.Body
	if req.sink != nil && resp.StatusCode == http.StatusOK {
		// A file streams to the sink; WeChat's JSON (an error, a video's
		// down_url) and HTML from a proxy are read like any answer. The
		// first bytes tell which.
		br := bufio.NewReaderSize(resp.Body, 512)
		head, _ := br.Peek(512)
		trimmed := bytes.TrimLeft(head, " \t\r\n")
		if len(head) > 0 && !looksLikeJSON(trimmed, contentType) && !strings.HasPrefix(contentType, "text/html") && !looksLikeHTML(trimmed) {
			return h.stream(ctx, req, resp, br)
		}
		respBody = br
	}
	if resp.ContentLength > limit {
		return nil, h.tooLarge(req, resp, limit)
	}
	counted := &trackReader{r: respBody}
	data, tooLarge, err := readCapped(counted, resp.ContentLength, limit)
	if err != nil {
		doing := fmt.Sprintf("reading the response body (cut off after %d bytes)", counted.n)
		if t := timedOut(ctx); t != "" {
			doing = t + ", " + doing
		}
		return nil, h.transportError(req.endpoint, doing, err)
	}
	if tooLarge {
		return nil, h.tooLarge(req, resp, limit)
	}
	if err := checkResponse(req, resp, data, h.clock(), h.secrets.scrub); err != nil {
		return nil, err
	}
	return &response{body: data, contentType: contentType}, nil
}

// stream hands a file answer of get_material to the request's sink, within
// the file size limit and the attempt's deadline.
func (h *httpSender) stream(ctx context.Context, req *request, resp *http.Response, body io.Reader) (*response, error) {
	limit := req.fileLimit
	if resp.ContentLength > limit {
		return nil, h.tooLarge(req, resp, limit)
	}
	tr := &trackReader{r: io.LimitReader(body, limit+1)}
	contentType := resp.Header.Get("Content-Type")
	sinkErr := req.sink(tr, contentType)
	switch {
	case tr.err != nil:
		doing := fmt.Sprintf("reading the material (cut off after %d bytes)", tr.n)
		if t := timedOut(ctx); t != "" {
			doing = t + ", " + doing
		}
		return nil, h.transportError(req.endpoint, doing, tr.err)
	case tr.n > limit:
		return nil, h.tooLarge(req, resp, limit)
	case sinkErr != nil:
		return nil, sinkErr
	}
	return &response{contentType: contentType, streamed: true}, nil
}

// tooLarge refuses an answer over its size limit: a fault no retry fixes.
func (h *httpSender) tooLarge(req *request, resp *http.Response, limit int64) error {
	return &ResponseError{
		Endpoint:    req.endpoint,
		StatusCode:  resp.StatusCode,
		ContentType: resp.Header.Get("Content-Type"),
		Problem:     fmt.Sprintf("the response is larger than %s, more than any WeChat answer of this kind; refused", sizeText(limit)),
		gone:        true,
	}
}

// redirected refuses a redirect. WeChat's API never redirects, and every
// call carries the AppSecret or an access_token: following a 307 from
// stable_token would re-POST the AppID and AppSecret to wherever it
// points. So a 3xx is an error naming the place, never a request.
func (h *httpSender) redirected(req *request, resp *http.Response) error {
	where := "elsewhere"
	if loc := resp.Header.Get("Location"); loc != "" {
		if u, err := url.Parse(redactURL(loc)); err == nil {
			u.RawQuery, u.Fragment = "", ""
			where = "to " + u.String()
		}
	}
	return &ResponseError{
		Endpoint:   req.endpoint,
		StatusCode: resp.StatusCode,
		Problem: fmt.Sprintf("the server redirected the call %s; API calls carry the AppSecret or the access token "+
			"and are never redirected (point --api-base at the API itself)", h.secrets.scrub(where)),
	}
}

// sizeText writes a byte count the way limits are spoken of.
func sizeText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// transportError wraps a failure below HTTP (connection refused, reset,
// timeout, cut-off body). Go's *url.Error prints the full request URL, and
// ours carries access_token (or, for the classic token call, the AppSecret)
// in the query, so this is the one place where that URL is redacted before
// the error can escape.
func (h *httpSender) transportError(endpoint, doing string, err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = &url.Error{Op: uerr.Op, URL: redactURL(uerr.URL), Err: uerr.Err}
	}
	msg := err.Error()
	if doing != "" {
		msg = doing + ": " + msg
	}
	return &transportError{
		endpoint:  endpoint,
		msg:       h.secrets.scrub(msg),
		err:       err,
		retryable: transientTransport(err),
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
