package exporter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/internal/lazyregexp"
)

// APIError is an error WeChat reported in the body as {"errcode":N,"errmsg":…}.
// WeChat sends these with HTTP 200, so they are told apart from data only by
// the errcode field.
type APIError struct {
	Code     int    // errcode
	Msg      string // errmsg as WeChat sent it (it ends with a rid for support), secrets removed
	Endpoint string // the cgi path, e.g. /cgi-bin/freepublish/batchget
	// ResetAt is when the daily quota of Endpoint refills (midnight Beijing
	// time). Set only for 45009.
	ResetAt time.Time

	// suppliedToken marks a token error for a token given with
	// WithAccessToken: the client may not renew it, its issuer must.
	suppliedToken bool
	// afterRenewal marks a token error that came back even with a token
	// fetched just before.
	afterRenewal bool
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "wechat %s: errcode %d", e.Endpoint, e.Code)
	if e.Msg != "" {
		fmt.Fprintf(&b, " (%s)", e.Msg)
	}
	if advice := e.advice(); advice != "" {
		b.WriteString(": ")
		b.WriteString(advice)
	}
	return b.String()
}

// Error codes with special handling. The rest appear only in advice.
const (
	codeSystemBusy         = -1
	codeInvalidCredential  = 40001
	codeInvalidAccessToken = 40014
	codeAccessTokenExpired = 42001
	codeDailyQuota         = 45009
	codeMinuteQuota        = 45011
	codeUnauthorized       = 48001
)

var ipInErrmsg = lazyregexp.New(`invalid ip (\S+)`)

const consoleBasicConfig = "微信公众平台 (mp.weixin.qq.com) → 设置与开发 → 基本配置"

// Advice says what the user can do about the error, as Error ends with
// it: "" when there is nothing particular to say.
func (e *APIError) Advice() string { return e.advice() }

// advice says what the user can do about the error. Codes and their meaning
// follow WeChat's global error code table.
func (e *APIError) advice() string {
	tokenCall := isTokenEndpoint(e.Endpoint)
	switch e.Code {
	case codeSystemBusy:
		return "WeChat reports a system error (busy); it usually passes, so try again later"
	case codeInvalidCredential, codeInvalidAccessToken, codeAccessTokenExpired:
		if tokenCall {
			// On the token call itself 40001 means the AppSecret did not match.
			return "WeChat rejected the AppSecret: check it (or reset it) at " + consoleBasicConfig + " → 开发者密码(AppSecret)"
		}
		if e.suppliedToken {
			return "the access token supplied to mparchive expired or was replaced by a newer one; " +
				"get a fresh token from the service that issued it and run again"
		}
		if e.afterRenewal {
			return "WeChat rejected a freshly fetched access token; another program of this account " +
				"may be forcing token refreshes (cgi-bin/token or stable_token with force_refresh), try again later"
		}
		return "the access token is invalid or no longer the latest"
	case 40013:
		return "the AppID is wrong: copy it from " + consoleBasicConfig + " → 开发者ID(AppID)"
	case 40125:
		return "the AppSecret is wrong: check it (or reset it) at " + consoleBasicConfig + " → 开发者密码(AppSecret)"
	case 40243:
		return "the AppSecret is frozen: an administrator must unfreeze or reset it at " + consoleBasicConfig
	case 40164:
		ip := "this machine's public IP"
		if m := ipInErrmsg.FindStringSubmatch(e.Msg); m != nil {
			ip = strings.TrimSuffix(m[1], ",")
		}
		return fmt.Sprintf("WeChat saw this request come from IP %s, which is not in the account's IP whitelist; "+
			"add %s at %s → IP白名单. It must be the public IP the internet sees, not a LAN address", ip, ip, consoleBasicConfig)
	case 40002, 41001, 43002, 43003, 44002, 47001:
		return "WeChat rejected a request mparchive built; this is a bug in mparchive, please report it"
	case 40007:
		return "invalid media_id: the material was deleted or the id is wrong; skip it"
	case 53600:
		return "invalid article_id: the article was deleted or the id is wrong; skip it"
	case codeDailyQuota:
		return fmt.Sprintf("the daily call quota of %s is used up; it resets at %s (midnight Beijing time). "+
			"Run again after that and mparchive resumes where this run stopped "+
			"(an administrator can also reset quotas with clear_quota, at most 10 times a month)",
			e.Endpoint, e.ResetAt.Format("2006-01-02 15:04 -07:00"))
	case codeMinuteQuota:
		return "the per-minute call limit was reached; wait a minute and try again"
	case 45103, 45106:
		return "WeChat has taken this API offline"
	case codeUnauthorized:
		what := endpointPermission(e.Endpoint)
		if strings.HasPrefix(e.Endpoint, "/cgi-bin/freepublish/") {
			// The official 发布能力 guide: 「2025年7月起，个人主体账号、企业主体未认证账号及不支持认证的账号将被回收以上接口的调用权限」
			// (docs/wechat-api.md §12).
			return fmt.Sprintf("this account has no permission for %s (%s): since July 2025 WeChat lets only verified "+
				"accounts (微信认证) call freepublish/*, reading included; personal and unverified accounts get 48001. "+
				"The published articles can still be backed up from their public pages: the urls source (--urls FILE)",
				e.Endpoint, what)
		}
		return fmt.Sprintf("this account has no permission for %s (%s): permissions depend on the account type and "+
			"verification (微信认证); see 设置与开发 → 接口权限 in the console", e.Endpoint, what)
	case 48004:
		return "WeChat has banned this API for this account for violations (违规); the notice in the console says more"
	case 48006:
		return "clear_quota has been used its 10 times this month; wait for the daily reset"
	case 50001:
		return "the account is not authorized for this API"
	case 50002:
		return "the account is limited (banned or restricted); check the notices at mp.weixin.qq.com"
	case 76003:
		return "the cgi_path is not a valid API path (it must start with /cgi-bin/ and name no host)"
	case 89503:
		return "WeChat asks an administrator to confirm calls from this IP: confirm the template message sent to the " +
			"administrator in WeChat, then run again (a refusal blocks this IP for an hour)"
	}
	return ""
}

// endpointPermission names the API permission an endpoint needs, in the
// words the console uses.
func endpointPermission(endpoint string) string {
	switch {
	case strings.HasPrefix(endpoint, "/cgi-bin/freepublish/"):
		return "发布能力, listing published articles"
	case strings.HasPrefix(endpoint, "/cgi-bin/draft/"):
		return "草稿箱, reading the draft box"
	case strings.HasPrefix(endpoint, "/cgi-bin/material/"):
		return "素材管理, reading permanent materials"
	case endpoint == pathQuotaGet:
		return "接口调用次数查询, querying API quotas"
	case isTokenEndpoint(endpoint):
		return "fetching an access token"
	}
	return "this API"
}

func isTokenEndpoint(endpoint string) bool {
	return endpoint == pathStableToken || endpoint == pathToken
}

// nextBeijingMidnight is when WeChat's daily quotas refill.
func nextBeijingMidnight(now time.Time) time.Time {
	y, m, d := now.In(archive.ChinaTime).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, archive.ChinaTime)
}

// ResponseError is a response that is not a WeChat answer at all: an HTTP
// error status, an HTML page from a proxy, an empty, cut-off or malformed
// body.
type ResponseError struct {
	Endpoint    string
	StatusCode  int
	ContentType string
	Problem     string // what is wrong with the response
	Excerpt     string // the start of the body, quoted, secrets removed
	retryable   bool
	// gone marks an answer that shows the thing asked for cannot be had
	// (a file over its size limit, JSON where a file belongs), rather
	// than a server or proxy failing (goneForGood).
	gone bool
}

func (e *ResponseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "wechat %s: HTTP %d", e.Endpoint, e.StatusCode)
	if e.ContentType != "" {
		fmt.Fprintf(&b, " (%s)", e.ContentType)
	}
	fmt.Fprintf(&b, ": %s", e.Problem)
	if e.Excerpt != "" {
		fmt.Fprintf(&b, "; the body starts with %s", e.Excerpt)
	} else {
		b.WriteString("; the body is empty")
	}
	return b.String()
}

// transportError is a failure below HTTP: no connection, a reset, a timeout,
// a body cut off in transit. Its message is redacted when it is made.
type transportError struct {
	endpoint  string
	msg       string
	err       error
	retryable bool
}

func (e *transportError) Error() string { return "wechat " + e.endpoint + ": " + e.msg }
func (e *transportError) Unwrap() error { return e.err }

// checkResponse classifies every response in one place: HTTP status first,
// then the body, which must be JSON unless the request was for a binary
// material. A JSON body with a non-zero errcode becomes an *APIError.
func checkResponse(req *request, resp *http.Response, body []byte, now time.Time, scrub func(string) string) error {
	contentType := resp.Header.Get("Content-Type")
	fail := func(problem string, retryable bool) error {
		return &ResponseError{
			Endpoint:    req.endpoint,
			StatusCode:  resp.StatusCode,
			ContentType: contentType,
			Problem:     problem,
			Excerpt:     excerpt(scrub(string(body))),
			retryable:   retryable,
		}
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// WeChat itself answers 200; another status means a gateway, proxy or
		// load balancer spoke. Server-side trouble tends to pass.
		retryable := resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests ||
			resp.StatusCode == http.StatusRequestTimeout
		status := http.StatusText(resp.StatusCode)
		if status == "" {
			status = "an unexpected status"
		}
		return fail("the server answered "+status+" instead of a WeChat response "+
			"(a proxy or gateway between here and WeChat failed?)", retryable)
	}

	if req.binary && !looksLikeJSON(trimmed, contentType) {
		switch {
		case len(body) == 0:
			return fail("the material came back empty", true)
		case strings.HasPrefix(contentType, "text/html") || looksLikeHTML(trimmed):
			return fail("an HTML page arrived instead of the material (a proxy or captive portal answered?)", false)
		}
		return nil
	}

	switch {
	case len(trimmed) == 0:
		return fail("the body is empty", true)
	case trimmed[0] == '<':
		return fail("an HTML page arrived instead of JSON: a proxy, firewall or captive portal answered "+
			"instead of WeChat (check the API base URL and the network)", false)
	case trimmed[0] != '{':
		return fail("the body is not JSON", false)
	}
	var envelope struct {
		ErrCode archive.FlexInt `json:"errcode"`
		ErrMsg  string          `json:"errmsg"`
	}
	// A Decoder, unlike Unmarshal, tells a body that ends too early
	// (io.ErrUnexpectedEOF, worth another try) from one that is wrong.
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(&envelope); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return fail("the JSON body is cut off (truncated in transit)", true)
		}
		return fail("the JSON body is malformed: "+err.Error(), false)
	}
	if rest := bytes.TrimSpace(trimmed[dec.InputOffset():]); len(rest) > 0 {
		return fail("the JSON body is malformed: data after the end of the object", false)
	}
	if envelope.ErrCode == 0 {
		return nil
	}
	apiErr := &APIError{Code: int(envelope.ErrCode), Msg: scrub(envelope.ErrMsg), Endpoint: req.endpoint}
	if apiErr.Code == codeDailyQuota {
		apiErr.ResetAt = nextBeijingMidnight(now)
	}
	return apiErr
}

// looksLikeJSON decides whether a get_material answer is JSON (an error, or
// a news or video material) rather than a file. WeChat has served its error
// JSON as text/plain, so the body decides, not the Content-Type.
func looksLikeJSON(trimmed []byte, contentType string) bool {
	for _, binary := range []string{"image/", "audio/", "video/", "application/octet-stream"} {
		if strings.HasPrefix(contentType, binary) {
			return false
		}
	}
	return len(trimmed) > 0 && trimmed[0] == '{'
}

func looksLikeHTML(trimmed []byte) bool {
	head := strings.ToLower(string(trimmed[:min(len(trimmed), 16)]))
	return strings.HasPrefix(head, "<!doctype") || strings.HasPrefix(head, "<html")
}

// excerptBytes is how much of a body an error quotes: enough to recognise a
// proxy's error page, short enough for a terminal line.
const excerptBytes = 200

// excerpt quotes the start of a body (already scrubbed) for an error message.
func excerpt(s string) string {
	if s == "" {
		return ""
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	cut := len(s) > excerptBytes
	if cut {
		n := excerptBytes
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n]
	}
	q := strconv.Quote(s)
	if cut {
		q += "…"
	}
	return q
}

// sensitiveParams are the query parameters blanked in URLs. appid is not a
// secret, but together with a leaked secret it is the whole credential.
var sensitiveParams = []string{"access_token", "secret", "appsecret"}

// redactURL blanks the values of sensitiveParams in a URL string. It is the
// only place request URLs are turned into text.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		// An unparsable URL is still text that may carry a secret.
		return secretPattern.ReplaceAllString(raw, "${1}${2}REDACTED")
	}
	q := u.Query()
	changed := false
	for _, key := range sensitiveParams {
		for k := range q {
			if strings.EqualFold(k, key) {
				q[k] = []string{"REDACTED"}
				changed = true
			}
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// secretPattern finds secrets by name in free text: query strings
// (access_token=…) and JSON (“"access_token":"…"”), also when cut off.
var secretPattern = lazyregexp.New(`(?i)("?(?:access_token|appsecret|secret)"?)(\s*[=:]\s*"?)[^&"\s,}]*`)

// redactor removes the AppSecret and every access token this client has
// seen from text that may leave the package: error messages, body excerpts,
// errmsg.
type redactor struct {
	mu     sync.RWMutex
	values []string
}

// maxRedactedValues bounds the list; a token lives two hours, so this covers
// days of running.
const maxRedactedValues = 32

func (r *redactor) add(v string) {
	if v == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, have := range r.values {
		if have == v {
			return
		}
	}
	if len(r.values) >= maxRedactedValues {
		// Keep the first value: it is the AppSecret or the supplied token.
		r.values = append(r.values[:1], r.values[2:]...)
	}
	r.values = append(r.values, v)
}

func (r *redactor) scrub(s string) string {
	r.mu.RLock()
	for _, v := range r.values {
		s = replaceToken(s, v, "REDACTED")
	}
	r.mu.RUnlock()
	return secretPattern.ReplaceAllString(s, "${1}${2}REDACTED")
}

// replaceToken replaces the whole-token occurrences of v in s: those not
// run into letters, digits, '_' or '-' on either side. A secret is a token
// of its own wherever it appears (a query value, a JSON string), and a
// short one must not rewrite parts of ordinary words ("b" in "Post").
func replaceToken(s, v, with string) string {
	if v == "" || !strings.Contains(s, v) {
		return s
	}
	var b strings.Builder
	done := 0 // s[:done] is written
	for from := 0; ; {
		i := strings.Index(s[from:], v)
		if i < 0 {
			break
		}
		start, end := from+i, from+i+len(v)
		if (start == 0 || !isTokenByte(s[start-1])) && (end == len(s) || !isTokenByte(s[end])) {
			b.WriteString(s[done:start])
			b.WriteString(with)
			done, from = end, end
			continue
		}
		from = start + 1
	}
	b.WriteString(s[done:])
	return b.String()
}

func isTokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// IsRetryable reports whether err may go away by itself: WeChat busy (-1),
// the per-minute limit (45011), a 5xx from a gateway, a reset or timed-out
// connection, a body cut off in transit (see classify). The client has
// already retried these; the answer tells a caller whether a later run may
// succeed.
func IsRetryable(err error) bool { return classify(err) == classTransient }

// IsQuotaExhausted reports whether err is WeChat's 45009: the endpoint's
// daily quota is used up. The *APIError's ResetAt says when it refills.
func IsQuotaExhausted(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Code == codeDailyQuota
}

// IsTokenInvalid reports whether an API call was refused because of its
// access token (40001, 40014, 42001). The client renews its own token once
// before giving up; with WithAccessToken the issuer has to renew it. On the
// token call itself these codes mean wrong credentials and are not counted.
func IsTokenInvalid(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) || isTokenEndpoint(apiErr.Endpoint) {
		return false
	}
	switch apiErr.Code {
	case codeInvalidCredential, codeInvalidAccessToken, codeAccessTokenExpired:
		return true
	}
	return false
}
