package exporter

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter/wechattest"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name string
		err  error
		want failureClass
	}{
		{"nil", nil, classNone},
		{"cancelled", fmt.Errorf("wechat x: %w", context.Canceled), classCancelled},
		{"errcode -1", &APIError{Code: -1}, classTransient},
		{"errcode 45011", &APIError{Code: 45011}, classTransient},
		{"errcode 40007 (no such media)", &APIError{Code: 40007}, classPermanent},
		{"errcode 48001 (no permission)", &APIError{Code: 48001}, classPermanent},
		{"gateway 502", &ResponseError{StatusCode: 502, retryable: true}, classTransient},
		{"refused connection", &transportError{err: refused, retryable: transientTransport(refused)}, classTransient},
		{"name not found", &transportError{err: &net.DNSError{IsNotFound: true}, retryable: transientTransport(&net.DNSError{IsNotFound: true})}, classTransient},
		{"untrusted certificate", &transportError{err: x509.UnknownAuthorityError{}, retryable: transientTransport(x509.UnknownAuthorityError{})}, classPermanent},
		{"image 404", &DownloadError{Status: 404, transient: transientStatus(404)}, classPermanent},
		{"image 410", &DownloadError{Status: 410, transient: transientStatus(410)}, classPermanent},
		{"image 503", &DownloadError{Status: 503, transient: transientStatus(503)}, classTransient},
		{"image 429", &DownloadError{Status: 429, transient: transientStatus(429)}, classTransient},
		{"private address", &DownloadError{err: ErrPrivateAddress, transient: transientTransport(fmt.Errorf("dial: %w", ErrPrivateAddress))}, classPermanent},
		{"placeholder", ErrPlaceholder, classPermanent},
		{"after every attempt", &gaveUp{err: &DownloadError{transient: true}, attempts: 8}, classTransient},
		{"plain error", errors.New("disk full"), classNone},
	}
	for _, tt := range tests {
		if got := classify(tt.err); got != tt.want {
			t.Errorf("%s: classify = %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestGoneForGood: only failures that are the file's own mark it
// unavailable; the account's, the network's and a proxy's do not.
func TestGoneForGood(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"image 404", &DownloadError{Status: 404}, true},
		{"not an image", downloadFailed("image", false, "not an image"), true},
		{"placeholder", ErrPlaceholder, true},
		{"no such media_id", &APIError{Code: 40007, Endpoint: pathGetMaterial}, true},
		{"over the size limit", &ResponseError{Endpoint: pathGetMaterial, gone: true}, true},
		{"daily quota", &APIError{Code: 45009, Endpoint: pathGetMaterial}, false},
		{"token refused", &APIError{Code: 40001, Endpoint: pathGetMaterial}, false},
		{"IP not whitelisted", &APIError{Code: 40164, Endpoint: pathGetMaterial}, false},
		{"a proxy's HTML page", &ResponseError{Endpoint: pathGetMaterial}, false},
		{"image 503", &DownloadError{Status: 503, transient: true}, false},
		{"cancelled", context.Canceled, false},
	}
	for _, tt := range tests {
		if got := goneForGood(tt.err); got != tt.want {
			t.Errorf("%s: goneForGood = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestGetter_SameAttemptsAsTheAPI: a download is tried as often as an API
// call, with the same backoff, and a 404 only once.
func TestGetter_SameAttemptsAsTheAPI(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path == "/gone" {
			http.NotFound(w, r)
			return
		}
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	var waits []time.Duration
	r := newRetrier(0, func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return ctx.Err() })
	g := newGetter(srv.Client(), r)
	discard := func(body io.Reader, _ *http.Response) error { _, err := io.Copy(io.Discard, body); return err }
	spec := getSpec{what: "image", url: srv.URL + "/busy", limit: 1 << 10, timeout: time.Second}
	err := g.get(t.Context(), spec, discard)
	if !IsRetryable(err) || int(calls.Load()) != DefaultMaxAttempts || len(waits) != DefaultMaxAttempts-1 {
		t.Errorf("503: %v after %d attempts and waits %v, want %d attempts", err, calls.Load(), waits, DefaultMaxAttempts)
	}
	for i, d := range waits {
		base := min(firstBackoff<<i, maxBackoff)
		if d < base/2 || d >= base*3/2 {
			t.Errorf("wait %d = %v, want %v ±50%%", i+1, d, base)
		}
	}
	calls.Store(0)
	spec.url = srv.URL + "/gone"
	if err := g.get(t.Context(), spec, discard); !isPermanent(err) || calls.Load() != 1 || !strings.Contains(err.Error(), "404") {
		t.Errorf("404: %v after %d attempts, want a permanent failure after one", err, calls.Load())
	}
}

// TestGetter_HostDownIsAskedOnce: after a host answered no attempt, the
// run's other downloads from it fail at once instead of spending their
// own attempts.
func TestGetter_HostDownIsAskedOnce(t *testing.T) {
	t.Parallel()
	var dials atomic.Int32
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "img.example", IsNotFound: true}}
	}}}
	g := newGetter(hc, newRetrier(0, func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
	discard := func(body io.Reader, _ *http.Response) error { return nil }
	for i := range 5 {
		err := g.get(t.Context(), getSpec{what: "image", url: fmt.Sprintf("https://img.example/%d.png", i), limit: 1 << 10, timeout: time.Second}, discard)
		if !IsRetryable(err) || !unreachable(err) {
			t.Errorf("image %d: %v, want a transient failure of an unreachable host", i, err)
		}
	}
	if got := int(dials.Load()); got != DefaultMaxAttempts {
		t.Errorf("%d dials for 5 images, want the %d attempts of the first", got, DefaultMaxAttempts)
	}
}

// TestFetch_UnreachableAPIEndsTheRun: a name that does not resolve, a
// refused connection: the first call spends its attempts and the run ends
// with that error, which no source or plan step retries again.
func TestFetch_UnreachableAPIEndsTheRun(t *testing.T) {
	t.Parallel()
	for _, cause := range []error{&net.DNSError{Err: "no such host", Name: "api.example", IsNotFound: true}, syscall.ECONNREFUSED} {
		var dials atomic.Int32
		hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return nil, &net.OpError{Op: "dial", Net: network, Err: cause}
		}}}
		c, err := NewClient(WithBaseURL("https://api.example"), WithCredentials("wx1", "s"), WithHTTPClient(hc),
			WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
		if err != nil {
			t.Fatal(err)
		}
		arch, _ := archive.Open(t.TempDir())
		_, err = Fetch(t.Context(), c, arch, FetchOptions{Sources: []archive.Source{archive.News, archive.Published, archive.Drafts}})
		if err == nil || !isFatal(err) || !errors.Is(err, cause) {
			t.Errorf("%v: Fetch = %v, want the fatal dial error", cause, err)
		}
		if got := int(dials.Load()); got != DefaultMaxAttempts {
			t.Errorf("%v: %d dials, want one call's %d attempts", cause, got, DefaultMaxAttempts)
		}
	}
}

func TestAddressGuard(t *testing.T) {
	t.Parallel()
	g := newAddressGuard(false, "http://127.0.0.1:8099/", "http://localhost:7000", "https://api.weixin.qq.com")
	tests := []struct {
		addr string
		ok   bool
	}{
		{"140.207.54.50:443", true},
		{"[2408:8000::1]:443", true},
		{"127.0.0.1:8099", true},           // the API base on loopback
		{"127.0.0.1:8100", false},          // another port of this machine
		{"127.0.0.2:8099", false},          // another loopback address
		{"127.0.0.1:7000", true},           // localhost names both loopbacks
		{"[::1]:7000", true},               //
		{"[::1]:8099", false},              //
		{"10.0.0.1:80", false},             // private
		{"192.168.1.1:80", false},          //
		{"172.16.5.4:80", false},           //
		{"169.254.169.254:80", false},      // link-local: cloud metadata
		{"[fe80::1]:80", false},            //
		{"[fc00::1]:80", false},            // unique local
		{"100.64.0.1:80", false},           // shared address space
		{"0.0.0.0:80", false},              //
		{"[::ffff:127.0.0.1]:8100", false}, // mapped loopback
		{"[::ffff:10.0.0.1]:80", false},    // mapped private
		{"224.0.0.1:80", false},            // multicast
	}
	for _, tt := range tests {
		err := g.control("tcp", tt.addr, nil)
		if (err == nil) != tt.ok {
			t.Errorf("%s: %v, want allowed %v", tt.addr, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrPrivateAddress) {
			t.Errorf("%s: %v does not wrap ErrPrivateAddress", tt.addr, err)
		}
	}
	open := newAddressGuard(true)
	if err := open.control("tcp", "10.0.0.1:80", nil); err != nil {
		t.Errorf("allowPrivate still refuses: %v", err)
	}
	if !LoopbackBase("http://[::1]:9/") || LoopbackBase("https://api.weixin.qq.com") || LoopbackBase("ftp://127.0.0.1/") {
		t.Error("LoopbackBase")
	}
}

// TestDownloadClient_RefusesPrivateAddresses: the check runs on the dialled
// address, so a redirect to a private address and a name that resolves to
// loopback are refused alike, and the refusal is no failure to retry.
func TestDownloadClient_RefusesPrivateAddresses(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	private := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("secret admin page"))
	}))
	defer private.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, private.URL+"/admin", http.StatusFound)
	}))
	defer redirector.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(private.URL, "http://"))

	// The redirector is the page base: it is reachable, the private
	// server it points to is not.
	hc := NewDownloadClient(false, redirector.URL)
	g := newGetter(hc, newRetrier(0, func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
	discard := func(body io.Reader, _ *http.Response) error { _, err := io.Copy(io.Discard, body); return err }
	for _, u := range []string{
		redirector.URL + "/s/abc",             // redirected to loopback
		private.URL + "/x.png",                // loopback directly
		"http://localhost:" + port + "/x.png", // a name for loopback
	} {
		err := g.get(t.Context(), getSpec{what: "image", url: u, limit: 1 << 10, timeout: time.Second}, discard)
		if !errors.Is(err, ErrPrivateAddress) || !isPermanent(err) {
			t.Errorf("%s: %v, want a permanent refusal", u, err)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("the private server was reached %d times", hits.Load())
	}
	allowed := newGetter(NewDownloadClient(true), newRetrier(1, nil))
	if err := allowed.get(t.Context(), getSpec{what: "image", url: private.URL + "/x.png", limit: 1 << 10, timeout: time.Second}, discard); err != nil {
		t.Errorf("with allowPrivate: %v", err)
	}
}

// TestClient_NeverFollowsRedirects: a 307 from stable_token would make a
// client that follows it POST the AppID and AppSecret to the place it
// names; the client refuses every redirect of an API call and says where
// it pointed, without the secret.
func TestClient_NeverFollowsRedirects(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int32
	thief := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
	}))
	defer thief.Close()
	srv, err := wechattest.NewServer(wechattest.Options{Articles: 2, Hostile: wechattest.Hostile{RedirectToken: thief.URL + "/collect"}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	const secret = "the-app-secret-value"
	c, err := NewClient(WithBaseURL(srv.URL()), WithCredentials("wx1", secret),
		WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.MaterialCount(t.Context())
	if err == nil || !strings.Contains(err.Error(), "redirected the call to "+thief.URL+"/collect") || strings.Contains(err.Error(), secret) {
		t.Errorf("err = %v, want the redirect refused and named", err)
	}
	if !isPermanent(err) || !isFatal(err) {
		t.Errorf("a redirect of the token call dooms the run: permanent %v, fatal %v", isPermanent(err), isFatal(err))
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the redirect target got %d requests", n)
	}
	if n := srv.Calls(wechattest.PathStableToken); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
}

// TestResponseLimits: an answer over its kind's limit is refused, before
// a byte of it is read when it declares its length (the server then
// stalls, and the refusal must not wait for the deadline), and at the
// limit while reading when it does not.
func TestResponseLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path string
		size       int64
		want       string
	}{
		{"token", "/cgi-bin/stable_token", maxTokenBytes + 1, "larger than 64 KiB"},
		{"count", "/cgi-bin/material/get_materialcount", maxSmallJSONBytes + 1, "larger than 1 MiB"},
		{"list page", "/cgi-bin/freepublish/batchget", maxListBytes + 1, "larger than 48 MiB"},
	}
	for _, tt := range tests {
		for _, declare := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s declared %v", tt.name, declare), func(t *testing.T) {
				t.Parallel()
				var stalled atomic.Bool
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path != tt.path {
						writeJSON(w, `{"access_token":"tok-1","expires_in":7200}`)
						return
					}
					w.Header().Set("Content-Type", "application/json")
					if declare {
						w.Header().Set("Content-Length", fmt.Sprint(tt.size))
						io.WriteString(w, `{"item":[`)
						// Set before the flush: once the headers are out
						// the client may refuse and the test end before
						// this goroutine runs again.
						stalled.Store(true)
						w.(http.Flusher).Flush()
						<-r.Context().Done()
						return
					}
					io.WriteString(w, `{"x":"`)
					io.Copy(w, io.LimitReader(zeros{}, tt.size))
				}))
				defer srv.Close()
				c, err := NewClient(WithBaseURL(srv.URL), WithCredentials("wx1", "s"), WithRequestTimeout(time.Hour),
					WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
				if err != nil {
					t.Fatal(err)
				}
				switch tt.path {
				case "/cgi-bin/freepublish/batchget":
					_, err = c.ListPage(t.Context(), archive.Published, 0, 20)
				default:
					_, err = c.MaterialCount(t.Context())
				}
				if err == nil || !strings.Contains(err.Error(), tt.want) || !isPermanent(err) {
					t.Errorf("err = %v, want a permanent %q", err, tt.want)
				}
				if declare && !stalled.Load() {
					t.Error("the server never got to stall")
				}
			})
		}
	}
}

// zeros reads as endless '0's.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = '0'
	}
	return len(p), nil
}

// isPermanent reports a failure that will very likely come back on every
// try until someone changes something: wrong credentials, a missing
// permission, a spent quota, a proxy page, an image that is gone.
func isPermanent(err error) bool { return classify(err) == classPermanent }
