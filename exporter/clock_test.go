package exporter

import (
	"errors"
	"time"
)

// withClock replaces time.Now for token expiry, the next-minute wait after
// 45011 and the quota reset time of an answer without a Date header, so
// that tests can move time without waiting.
func withClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("clock func must not be nil")
		}
		c.clock = now
		return nil
	}
}
