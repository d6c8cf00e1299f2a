package exporter

import (
	"context"

	"github.com/mparchive/mparchive/archive"
)

// needsPlan tells whether this run may be long: a source never listed to
// the end, a listing to resume, or --full. An incremental run reads a page
// per source and needs no quota check (nor spends calls on one).
func (f *fetcher) needsPlan() bool {
	if f.client == nil {
		return false // pages only: no API, no quota
	}
	if f.opts.Full {
		return true
	}
	for _, src := range f.opts.Sources {
		if _, skip := f.skipped(src); src == archive.URLs || skip {
			continue
		}
		if c := f.state.Cursor(src); c.Incomplete || c.ListedOn == "" {
			return true
		}
	}
	return false
}

// plan asks each list endpoint's remaining daily quota and warns up front
// when it cannot finish the run. A failing quota query is not a reason to
// stop (the real limit shows itself as 45009 anyway), but one that dooms
// every call is: it is returned, before the run spends more attempts.
func (f *fetcher) plan(ctx context.Context) error {
	for _, src := range f.opts.Sources {
		if _, skip := f.skipped(src); src == archive.URLs || skip {
			continue // pages, not API calls, or not called: no quota
		}
		total := -1
		switch src {
		case archive.News:
			mc, err := f.client.MaterialCount(ctx)
			if err == nil {
				total = mc.NewsCount
			} else if isFatal(err) {
				return err
			}
		case archive.Drafts:
			n, err := f.client.DraftCount(ctx)
			if err == nil {
				total = n
			} else if isFatal(err) {
				return err
			}
		case archive.Published:
			// There is no count endpoint: the last run's total is the best guess.
			total = f.state.Cursor(src).TotalCount
		}
		path := ListEndpoint(src)
		q, err := f.client.Quota(ctx, path)
		if err != nil {
			if isFatal(err) {
				return err
			}
			if isUnauthorized(err) {
				continue // the listing meets the refusal and explains it
			}
			f.opts.Logf("%s: could not read the daily quota of %s (%v); going on", src, path, err)
			continue
		}
		cur := f.state.Cursor(src)
		start := 0
		if cur.Incomplete {
			start = cur.Offset
		}
		if total < 0 {
			f.opts.Logf("%s: %d of %d daily calls left on %s", src, q.Remain, q.DailyLimit, path)
			continue
		}
		need := (max(total-start, 0) + MaxPageSize - 1) / MaxPageSize
		if need > q.Remain {
			f.opts.Logf("%s: %d items need %d calls to %s but only %d of today's %d are left; this run stops when they run out and the next run resumes from there",
				src, total-start, need, path, q.Remain, q.DailyLimit)
		}
	}
	return nil
}
