package exporter

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
)

// failure answers one attempt badly, the way networks and WeChat do.
type failure func(t *testing.T, w http.ResponseWriter, r *http.Request)

var (
	systemBusy failure = func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		writeErrcode(w, -1, "system error rid: 1-2-3")
	}
	badGateway failure = func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html><body>502 Bad Gateway</body></html>")
	}
	truncatedJSON failure = func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		writeJSON(w, `{"total_count":1,"item_count":1,"item":[{"article_id":"zj`)
	}
	// shortBody promises more bytes than it sends, then hangs up.
	shortBody failure = func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5000")
		writeJSON(w, `{"total_count":1,`)
	}
	// connectionReset drops the connection before answering.
	connectionReset failure = func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		if tcp, ok := conn.(*net.TCPConn); ok {
			tcp.SetLinger(0) // close with RST rather than FIN
		}
		conn.Close()
	}
	// stalledBody sends headers and half a body, then nothing.
	stalledBody failure = func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"total_count":1,`)
		http.NewResponseController(w).Flush()
		stall(w, r)
	}
)

// flaky serves the published fixture after failing the first n attempts,
// and records every request body.
func flaky(t *testing.T, e *env, n int, fail failure) *record {
	bodies := &record{}
	e.handle("/cgi-bin/freepublish/batchget", http.MethodPost, func(w http.ResponseWriter, r *http.Request) {
		body := readBody(t, r)
		bodies.add(body)
		if bodies.len() <= n {
			fail(t, w, r)
			return
		}
		serveFixture(t, "freepublish_batchget.json")(w, r)
	})
	return bodies
}

func TestRetry_RecoversFromPassingFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fail failure
		opts []Option
	}{
		{"errcode -1", systemBusy, nil},
		{"HTTP 502", badGateway, nil},
		{"truncated JSON", truncatedJSON, nil},
		{"short body", shortBody, nil},
		{"connection reset", connectionReset, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, tt.opts...)
			bodies := flaky(t, e, 2, tt.fail)
			page, err := e.client.ListPage(t.Context(), archive.Published, 40, 20)
			if err != nil {
				t.Fatalf("ListPage: %v", err)
			}
			if page.ItemCount != 1 || len(page.Items) != 1 {
				t.Errorf("page = %+v", page)
			}
			// Every attempt re-sends the whole body.
			want := `{"offset":40,"count":20,"no_content":0}`
			if got := bodies.all(); len(got) != 3 || got[0] != want || got[1] != want || got[2] != want {
				t.Errorf("request bodies = %q, want %s three times", got, want)
			}
			reports := e.reports.all()
			if len(reports) != 2 {
				t.Fatalf("%d retry reports, want 2: %q", len(reports), reports)
			}
			if !strings.Contains(reports[0], "POST /cgi-bin/freepublish/batchget: attempt 1 of 8 failed") {
				t.Errorf("report = %s", reports[0])
			}
			for _, r := range reports {
				assertNoSecrets(t, "report", r)
			}
			sleeps := e.clock.Sleeps()
			if len(sleeps) != 2 {
				t.Fatalf("slept %v, want twice", sleeps)
			}
			for i, d := range sleeps {
				base := firstBackoff << i
				if d < base/2 || d >= base*3/2 {
					t.Errorf("wait %d = %v, want %v ±50%%", i+1, d, base)
				}
			}
		})
	}
}

func TestRetry_BoundedAttempts(t *testing.T) {
	t.Parallel()
	e := setup(t)
	bodies := flaky(t, e, 1000, badGateway)
	_, err := e.client.ListPage(t.Context(), archive.Published, 0, 20)
	if err == nil || !strings.Contains(err.Error(), "gave up after 8 attempts") {
		t.Fatalf("err = %v, want giving up after 8 attempts", err)
	}
	if n := bodies.len(); n != DefaultMaxAttempts {
		t.Errorf("%d attempts, want %d", n, DefaultMaxAttempts)
	}
	sleeps := e.clock.Sleeps()
	if len(sleeps) != DefaultMaxAttempts-1 {
		t.Fatalf("slept %v", sleeps)
	}
	for i, d := range sleeps {
		base := min(firstBackoff<<i, maxBackoff)
		if d < base/2 || d >= base*3/2 {
			t.Errorf("wait %d = %v, want %v ±50%%", i+1, d, base)
		}
	}

	e = setup(t, WithMaxAttempts(1))
	bodies = flaky(t, e, 1000, systemBusy)
	_, err = e.client.ListPage(t.Context(), archive.Published, 0, 20)
	if err == nil || bodies.len() != 1 || len(e.reports.all()) != 0 {
		t.Errorf("WithMaxAttempts(1): err %v after %d attempts, %d reports", err, bodies.len(), len(e.reports.all()))
	}
}

// TestRetry_StallCostsOneDeadline: the request deadline bounds a call's
// attempts together. A server that stalls is abandoned at the deadline and
// not asked again, however many attempts are left, while fast failures
// before it still get their retries.
func TestRetry_StallCostsOneDeadline(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		fast       int // fast failures before the stalls
		wantBodies int
	}{
		{"stalls from the start", 0, 1},
		{"a 502, then stalls", 1, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// The deadline must leave room for the token and the fast
			// failures on a loaded machine: only the stall may reach it.
			e := setup(t, WithRequestTimeout(2*time.Second))
			var n record
			e.handle("/cgi-bin/freepublish/batchget", http.MethodPost, func(w http.ResponseWriter, r *http.Request) {
				n.add("")
				if n.len() <= tt.fast {
					badGateway(t, w, r)
					return
				}
				stalledBody(t, w, r)
			})
			_, err := e.client.ListPage(t.Context(), archive.Published, 0, 20)
			if err == nil || !strings.Contains(err.Error(), "no complete answer within 2s") {
				t.Fatalf("err = %v, want the deadline named", err)
			}
			if n.len() != tt.wantBodies || len(e.clock.Sleeps()) != tt.fast {
				t.Errorf("%d attempts and waits %v, want %d attempts", n.len(), e.clock.Sleeps(), tt.wantBodies)
			}
			if !IsRetryable(err) {
				t.Errorf("a stall is worth a later run: %v", err)
			}
		})
	}
}

// 45011 is WeChat's per-minute limit: waiting for the next minute is what
// it asks for, not exponential backoff.
func TestRetry_MinuteQuotaWaitsForNextMinute(t *testing.T) {
	t.Parallel()
	e := setup(t)
	flaky(t, e, 1, func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		writeErrcode(w, 45011, "api minute-quota reach limit must slower retry next minute rid: 1-2-3")
	})
	// The fake clock stands at hh:mm:45.
	if _, err := e.client.ListPage(t.Context(), archive.Published, 0, 20); err != nil {
		t.Fatal(err)
	}
	if got, want := e.clock.Sleeps(), 15*time.Second+minuteCushion; len(got) != 1 || got[0] != want {
		t.Errorf("waited %v, want [%v]", got, want)
	}
	if r := e.reports.all(); len(r) != 1 || !strings.Contains(r[0], "45011") {
		t.Errorf("reports = %q", r)
	}
}

func TestRetry_PermanentErrorsFailFast(t *testing.T) {
	t.Parallel()
	for _, code := range []int{45009, 48001, 40164, 50002} {
		e := setup(t)
		bodies := flaky(t, e, 1000, func(t *testing.T, w http.ResponseWriter, r *http.Request) {
			writeErrcode(w, code, "no rid: 1-2-3")
		})
		_, err := e.client.ListPage(t.Context(), archive.Published, 0, 20)
		if !isPermanent(err) || bodies.len() != 1 || len(e.clock.Sleeps()) != 0 {
			t.Errorf("errcode %d: err %v after %d attempts and waits %v, want one attempt",
				code, err, bodies.len(), e.clock.Sleeps())
		}
	}
}

func TestRetry_ContextCancellation(t *testing.T) {
	t.Parallel()

	t.Run("before the call", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		bodies := flaky(t, e, 0, nil)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := e.client.ListPage(ctx, archive.Published, 0, 20)
		if !errors.Is(err, context.Canceled) || bodies.len() != 0 || e.issuer.Calls() != 0 {
			t.Errorf("err = %v after %d requests", err, bodies.len())
		}
	})

	t.Run("while waiting to retry", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		// The default sleep, so the real select on ctx.Done is what ends it.
		e := setup(t, WithSleep(func(sctx context.Context, d time.Duration) error {
			cancel()
			return sleepContext(sctx, d)
		}))
		bodies := flaky(t, e, 1000, systemBusy)
		_, err := e.client.ListPage(ctx, archive.Published, 0, 20)
		if !errors.Is(err, context.Canceled) || bodies.len() != 1 {
			t.Errorf("err = %v after %d requests, want context.Canceled after 1", err, bodies.len())
		}
		if IsRetryable(err) || isPermanent(err) {
			t.Errorf("cancellation classified as retryable or permanent: %v", err)
		}
	})

	t.Run("during a request", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		ctx, cancel := context.WithCancel(t.Context())
		var hits record
		e.handle("/cgi-bin/freepublish/batchget", http.MethodPost, func(w http.ResponseWriter, r *http.Request) {
			hits.add("")
			cancel()
			stall(w, r)
		})
		_, err := e.client.ListPage(ctx, archive.Published, 0, 20)
		if !errors.Is(err, context.Canceled) || hits.len() != 1 || len(e.reports.all()) != 0 {
			t.Errorf("err = %v after %d requests and reports %q", err, hits.len(), e.reports.all())
		}
		if !strings.Contains(err.Error(), "/cgi-bin/freepublish/batchget") {
			t.Errorf("error does not name the endpoint: %v", err)
		}
	})
}

func TestSleepContext(t *testing.T) {
	t.Parallel()
	if err := sleepContext(t.Context(), time.Millisecond); err != nil {
		t.Errorf("sleepContext = %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	start := time.Now()
	if err := sleepContext(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleepContext on a cancelled context = %v", err)
	}
	if time.Since(start) > time.Second {
		t.Error("sleepContext did not return at once")
	}
}
