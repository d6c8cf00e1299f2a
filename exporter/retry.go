package exporter

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Backoff between attempts: 1 s, 2 s, 4 s … up to 32 s, each ±50 % so that
// several clients that failed together do not retry together.
const (
	firstBackoff = time.Second
	maxBackoff   = 32 * time.Second
)

// minuteCushion is added to the wait for the next minute after 45011, since
// our clock and WeChat's need not agree to the second.
const minuteCushion = time.Second

// retrying is the one place that retries. It wraps the token layer, so a
// retried request gets the token that is current at that moment, and every
// attempt rebuilds the HTTP request from the same body bytes.
type retrying struct {
	next        sender
	maxAttempts int
	sleep       func(ctx context.Context, d time.Duration) error
	clock       func() time.Time
	report      func(msg string, err error, wait time.Duration)
	// jitter spreads a backoff delay; replaced in tests.
	jitter func(time.Duration) time.Duration
}

var _ sender = (*retrying)(nil)

func (r *retrying) send(ctx context.Context, req *request) (*response, error) {
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, cancelled(req, err)
		}
		resp, err := r.next.send(ctx, req)
		if err == nil {
			return resp, nil
		}
		// The caller's own cancellation wins over whatever the attempt
		// reported: a cancelled run must stop now, not back off.
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, cancelled(req, ctxErr)
		}
		if !IsRetryable(err) {
			return nil, err
		}
		if attempt >= r.maxAttempts {
			if r.maxAttempts == 1 {
				return nil, err
			}
			return nil, fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
		}
		wait := r.delay(err, attempt)
		r.report(fmt.Sprintf("%s %s: attempt %d of %d failed, retrying", req.method, req.endpoint, attempt, r.maxAttempts),
			err, wait)
		if err := r.sleep(ctx, wait); err != nil {
			return nil, cancelled(req, err)
		}
	}
}

// delay is how long to wait before the next attempt: until the next minute
// for WeChat's per-minute limit, exponential backoff for everything else.
func (r *retrying) delay(err error, attempt int) time.Duration {
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

func cancelled(req *request, err error) error {
	return fmt.Errorf("wechat %s: %w", req.endpoint, err)
}
