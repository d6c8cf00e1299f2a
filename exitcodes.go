package main

import (
	"context"
	"errors"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/output"
)

// A run ends with one exit code (main.go lists them). What decides between
// 0, 1 and 3 is whether a re-run could do better:
//
//   - 1 when nothing could be reached (the API or the page host answered
//     no attempt: a network that is down, a name that does not resolve) or
//     the run could do nothing (credentials refused, …);
//   - 3 only for failures a re-run can fix: a network error or a 5xx that
//     outlasted every attempt, a source stopped early, a network that went
//     away after the run got something in (Summary.Reached);
//   - failures no re-run fixes (an image that is 404, a deleted page, a
//     file over its size limit) are reported by the run that finds them,
//     recorded in the archive's state, and fail no run: a run whose only
//     failures are of this kind exits 0, and so does the next one.

// dropUnavailable takes the images the archive knows to be unavailable for
// good out of res.Missing, since no re-run fetches them, and returns how
// many it took. An unreadable state takes none: the run then reports them
// as failures rather than hide one.
func dropUnavailable(archiveDir string, res *output.Result) int {
	if res == nil || len(res.Missing) == 0 {
		return 0
	}
	arch, err := archive.Open(archiveDir)
	if err != nil {
		return 0
	}
	st, err := arch.LoadState()
	if err != nil {
		return 0
	}
	gone := 0
	var keep []output.MissingImages
	for _, m := range res.Missing {
		var left []string
		for _, k := range m.Images {
			if _, ok := st.Unavailable[k]; ok {
				gone++
				continue
			}
			left = append(left, k)
		}
		if len(left) > 0 {
			keep = append(keep, output.MissingImages{Article: m.Article, Images: left})
		}
	}
	res.Missing = keep
	return gone
}

// interrupted tells an error that Ctrl-C (or SIGTERM) caused.
func interrupted(ctx context.Context, err error) bool {
	return err != nil && (errors.Is(err, context.Canceled) || ctx.Err() != nil)
}

// codeOf combines the fetch stage's exit code with the build's result into
// what the command returns: nil when all is done.
func codeOf(fetchCode int, res *output.Result) error {
	if fetchCode == exitOK && res != nil && (len(res.Failed) > 0 || len(res.Missing) > 0) {
		fetchCode = exitPartial
	}
	if fetchCode == exitOK {
		return nil
	}
	return exitError{fetchCode}
}
