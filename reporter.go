package main

import (
	"io"
	"time"

	"github.com/mparchive/mparchive/progress"
)

// reporter is what every command shows the user (package progress).
type reporter = progress.Reporter

// plainInterval and elapsedSince stand in for the progress lines' interval
// and the summary's clock: tests set them to get every line, or a fixed
// elapsed time, from the commands they run.
var (
	plainInterval = progress.DefaultInterval
	elapsedSince  = time.Since
)

func newReporter(w io.Writer, quiet bool) *reporter {
	r := progress.New(w, quiet)
	r.Interval, r.Elapsed = plainInterval, elapsedSince
	return r
}
