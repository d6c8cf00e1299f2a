package exporter

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/mparchive/mparchive/archive"
)

// Deadlines of one download, body included, its attempts together (see
// call.deadline): a server that sends headers and then stalls costs at
// most this.
const (
	DefaultPageTimeout  = 30 * time.Second
	DefaultMediaTimeout = 2 * time.Minute
	// defaultVideoTimeout leaves a video of maxVideoBytes at 1 MB/s.
	defaultVideoTimeout = 20 * time.Minute
)

// getter makes the requests outside the API: images, voices, videos and
// article pages. Every one goes through the package's retrier, and a host
// that never answered any attempt is not asked again in the same run: a
// network that is down costs one request's attempts, not every image's.
type getter struct {
	client *http.Client
	retry  *retrier

	mu   sync.Mutex
	down map[string]error // host → the failure that showed it unreachable
}

func newGetter(client *http.Client, retry *retrier) *getter {
	return &getter{client: client, retry: retry, down: map[string]error{}}
}

// getSpec says what to download and within which bounds.
type getSpec struct {
	what    string // image, voice, video, page: named in errors
	url     string
	limit   int64
	timeout time.Duration // the request's deadline (call.deadline)
	header  map[string]string
	// before, when set, runs before every attempt (the pause between
	// article pages).
	before func(ctx context.Context) error
}

// get downloads spec.url, handing each attempt's body to sink (which must
// start over each time, and read the body to its end). Errors are
// *DownloadError (or the context's), classified for retries.
func (g *getter) get(ctx context.Context, spec getSpec, sink func(body io.Reader, resp *http.Response) error) error {
	if strings.HasPrefix(spec.url, "//") {
		spec.url = "https:" + spec.url
	}
	host := hostOf(spec.url)
	g.mu.Lock()
	downErr := g.down[host]
	g.mu.Unlock()
	if downErr != nil {
		return &DownloadError{What: spec.what, transient: true, err: downErr,
			Problem: fmt.Sprintf("not tried: %s did not answer earlier in this run (%v)", host, downErr)}
	}
	err := g.retry.do(ctx, call{what: spec.what + " " + redactURL(spec.url), deadline: spec.timeout, before: spec.before},
		func(ctx context.Context) error { return g.once(ctx, spec, sink) })
	if err != nil && ctx.Err() == nil && unreachable(err) {
		g.mu.Lock()
		g.down[host] = err
		g.mu.Unlock()
	}
	return err
}

// once makes one attempt.
func (g *getter) once(ctx context.Context, spec getSpec, sink func(io.Reader, *http.Response) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, spec.url, nil)
	if err != nil {
		return downloadFailed(spec.what, false, "bad %s URL: %s", spec.what, redactError(err))
	}
	for k, v := range spec.header {
		req.Header.Set(k, v)
	}
	timedOut := func() string {
		if t := timedOut(ctx); t != "" {
			return t + ": "
		}
		return ""
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return &DownloadError{What: spec.what, Problem: timedOut() + redactError(err), transient: transientTransport(err), err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return &DownloadError{What: spec.what, Status: resp.StatusCode, Problem: "HTTP " + resp.Status,
			transient: transientStatus(resp.StatusCode)}
	}
	if resp.ContentLength > spec.limit {
		return &DownloadError{What: spec.what, Status: resp.StatusCode,
			Problem: fmt.Sprintf("the %s is larger than %s (Content-Length %d); refused", spec.what, sizeText(spec.limit), resp.ContentLength)}
	}
	tr := &trackReader{r: io.LimitReader(resp.Body, spec.limit+1)}
	sinkErr := sink(tr, resp)
	switch {
	case tr.err != nil:
		return &DownloadError{What: spec.what, Status: resp.StatusCode, transient: true, err: tr.err,
			Problem: fmt.Sprintf("%sreading the %s (cut off after %d bytes): %s", timedOut(), spec.what, tr.n, redactError(tr.err))}
	case tr.n > spec.limit:
		return &DownloadError{What: spec.what, Status: resp.StatusCode,
			Problem: fmt.Sprintf("the %s is larger than %s; refused", spec.what, sizeText(spec.limit))}
	case sinkErr != nil:
		return sinkErr
	case resp.ContentLength >= 0 && tr.n != resp.ContentLength:
		return &DownloadError{What: spec.what, Status: resp.StatusCode, transient: true,
			Problem: fmt.Sprintf("the %s was cut short: %d of %d bytes", spec.what, tr.n, resp.ContentLength)}
	}
	return nil
}

// stager is the sink of a media download: each attempt writes a fresh
// file into the archive (MediaWriter), and the last complete one is kept
// for the caller to commit or discard.
type stager struct {
	arch  *archive.Archive
	w     *archive.MediaWriter
	ctype string
}

func (s *stager) sink(body io.Reader, contentType string) error {
	s.discard()
	w, err := s.arch.NewMediaWriter()
	if err != nil {
		return err
	}
	s.w, s.ctype = w, contentType
	buf := copyBuffers.Get().(*[]byte)
	_, err = io.CopyBuffer(w, body, *buf)
	copyBuffers.Put(buf)
	return err
}

// copyBuffers keeps the buffers media files are copied through: io.Copy
// would allocate one per file, and an account's files, tens of thousands,
// made that most of what a fetch allocated.
var copyBuffers = sync.Pool{New: func() any {
	b := make([]byte, 32<<10)
	return &b
}}

func (s *stager) discard() {
	if s.w != nil {
		s.w.Discard()
		s.w = nil
	}
}

// readSink is the sink of a page: its bytes in memory, within the bound
// the getter enforces.
type readSink struct {
	data     []byte
	finalURL string
}

func (s *readSink) sink(body io.Reader, resp *http.Response) error {
	data, _, err := readCapped(body, resp.ContentLength, maxPageBytes)
	s.data, s.finalURL = data, resp.Request.URL.String()
	return err
}

// hostOf is the host (and port) of a URL, lower-cased.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}
