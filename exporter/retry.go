package exporter

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// DefaultMaxAttempts bounds how often one request is tried, the first
// attempt included: API calls, images, voices, videos and article pages
// alike. With a fifth of all requests failing (the fault-injection tests)
// eight attempts make a request that never gets through about one in
// 400,000, so an export of thousands of files finishes in one run; a
// network that is down costs one request's attempts, about half a minute.
const DefaultMaxAttempts = 8

// Backoff between attempts: 0.5 s, 1 s, 2 s … up to 8 s, each ±50 % so that
// the downloads that failed together do not retry together.
const (
	firstBackoff = 500 * time.Millisecond
	maxBackoff   = 8 * time.Second
)

// minuteCushion is added to the wait for the next minute after 45011, since
// our clock and WeChat's need not agree to the second.
const minuteCushion = time.Second

// retrier is the one retry loop of the package: every kind of request goes
// through do, with the same attempts, backoff and classification
// (classify).
type retrier struct {
	attempts int
	sleep    func(ctx context.Context, d time.Duration) error
	clock    func() time.Time
	// report hears of every retry before the wait; nil for none.
	report func(msg string, err error, wait time.Duration)
	// jitter spreads a backoff delay; replaced in tests.
	jitter func(time.Duration) time.Duration
}

// newRetrier fills in the defaults of the zero values.
func newRetrier(attempts int, sleep func(context.Context, time.Duration) error) *retrier {
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	if sleep == nil {
		sleep = sleepContext
	}
	return &retrier{attempts: attempts, sleep: sleep, clock: time.Now, jitter: randomJitter}
}

// call describes one request to do.
type call struct {
	what string // names the request in reports
	// deadline bounds the time all attempts together spend waiting for
	// answers, bodies included; the waits between attempts are not
	// counted. A server that stalls thus costs one deadline, however many
	// attempts are left, while failures that come fast (a 5xx, a refused
	// connection) get every attempt. 0: no deadline.
	deadline time.Duration
	// before, when set, runs before every attempt, outside the deadline
	// (the polite pause between article pages).
	before func(ctx context.Context) error
}

// deadlineKey marks an attempt's context with the request deadline it
// carries, so that an error can say the deadline ended it (timedOut).
type deadlineKey struct{}

// timedOut describes the request's deadline when it, and not the caller,
// ended an attempt: "context deadline exceeded" alone does not say whose
// deadline it was.
func timedOut(ctx context.Context) string {
	if d, ok := ctx.Value(deadlineKey{}).(time.Duration); ok && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("no complete answer within %v", d)
	}
	return ""
}

// do calls try until it succeeds, fails in a way no attempt can fix, has
// used every attempt or has spent c.deadline. When ctx ends, do returns
// ctx's error at once: a cancelled run must stop now, not back off.
func (r *retrier) do(ctx context.Context, c call, try func(ctx context.Context) error) error {
	var spent time.Duration
	for attempt := 1; ; attempt++ {
		if c.before != nil {
			if err := c.before(ctx); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		actx, cancel := ctx, context.CancelFunc(func() {})
		if c.deadline > 0 {
			actx, cancel = context.WithTimeout(context.WithValue(ctx, deadlineKey{}, c.deadline), c.deadline-spent)
		}
		start := time.Now()
		err := try(actx)
		spent += time.Since(start)
		if c.deadline > 0 && actx.Err() != nil {
			// The deadline's timer started before start was read, so
			// time.Since can fall a hair short of it: an attempt the
			// deadline ended has spent it all.
			spent = c.deadline
		}
		cancel()
		if err == nil {
			return nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if classify(err) != classTransient {
			return err
		}
		if attempt >= r.attempts || (c.deadline > 0 && spent >= c.deadline) {
			if attempt == 1 {
				return err
			}
			return &gaveUp{err: err, attempts: attempt}
		}
		wait := r.delay(err, attempt)
		if r.report != nil {
			r.report(fmt.Sprintf("%s: attempt %d of %d failed, retrying", c.what, attempt, r.attempts), err, wait)
		}
		if err := r.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// gaveUp is the last error of a request that failed every attempt; it
// classifies like that error.
type gaveUp struct {
	err      error
	attempts int
}

func (e *gaveUp) Error() string {
	return fmt.Sprintf("%v (gave up after %d attempts)", e.err, e.attempts)
}
func (e *gaveUp) Unwrap() error { return e.err }

// delay is how long to wait before the next attempt: until the next minute
// for WeChat's per-minute limit, exponential backoff for everything else.
func (r *retrier) delay(err error, attempt int) time.Duration {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Code == codeMinuteQuota {
		now := r.clock()
		return now.Truncate(time.Minute).Add(time.Minute).Sub(now) + minuteCushion
	}
	d := firstBackoff << (attempt - 1)
	if d <= 0 || d > maxBackoff {
		d = maxBackoff
	}
	return r.jitter(d)
}

// randomJitter returns a duration uniformly in [d/2, 3d/2).
func randomJitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d)
}

// retrying is the API's layer of the retrier. It wraps the token layer, so
// a retried request gets the token that is current at that moment, and
// every attempt rebuilds the HTTP request from the same body bytes.
type retrying struct {
	next sender
	*retrier
	// deadline bounds one call, its attempts together (call.deadline).
	deadline time.Duration
}

var _ sender = (*retrying)(nil)

func (r *retrying) send(ctx context.Context, req *request) (*response, error) {
	var resp *response
	err := r.do(ctx, call{what: req.method + " " + req.endpoint, deadline: r.deadline}, func(ctx context.Context) error {
		var err error
		resp, err = r.next.send(ctx, req)
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, cancelled(req, ctx.Err())
		}
		return nil, err
	}
	return resp, nil
}

func cancelled(req *request, err error) error {
	return fmt.Errorf("wechat %s: %w", req.endpoint, err)
}
