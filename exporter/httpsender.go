package exporter

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

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
	if err := checkResponse(req, resp, data, serverTime(resp, h.clock), h.secrets.scrub); err != nil {
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

// serverTime is when the server answered by its own clock, from the Date
// header every HTTP server sends, or by ours when there is none. The
// daily quota refills at midnight by WeChat's clock: a machine whose
// clock is off (a container, a cron box without NTP) would otherwise tell
// the user to come back at the wrong time, or on the wrong day.
func serverTime(resp *http.Response, local func() time.Time) time.Time {
	if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		return t
	}
	return local()
}
