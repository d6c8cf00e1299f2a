package exporter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

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
