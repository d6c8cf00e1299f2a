package exporter

import (
	"context"
	"errors"

	"github.com/mparchive/mparchive/archive"
)

// fetchURLs runs the urls source, downloading each stored article's images
// and checkpointing as it goes, like a page of a list source.
func (f *fetcher) fetchURLs(ctx context.Context, ss *SourceSummary) error {
	if len(f.opts.URLs) == 0 {
		return errors.New("the urls source needs a list of article links (--urls FILE)")
	}
	// Links an earlier run found gone for good are not asked for again,
	// unless the user asks for pages again or a full run.
	urls := f.opts.URLs
	if !f.opts.RefetchURLs && !f.opts.Full {
		urls = nil
		f.mu.Lock()
		for _, u := range f.opts.URLs {
			if _, gone := f.state.Unavailable[u]; gone {
				f.sum.KnownUnavailable++
				continue
			}
			urls = append(urls, u)
		}
		f.mu.Unlock()
	}
	us, err := FetchURLs(ctx, f.opts.PageHTTPClient, f.arch, urls, URLOptions{
		BaseURL:      f.opts.PageBaseURL,
		Interval:     f.opts.PageInterval,
		Attempts:     f.opts.Attempts,
		Timeout:      f.opts.PageTimeout,
		Refetch:      f.opts.RefetchURLs,
		FollowShares: f.opts.FollowShares,
		Sleep:        f.opts.PageSleep,
		RetrySleep:   f.opts.Sleep,
		Logf:         f.opts.Logf,
		Stored: func(ctx context.Context, arts []archive.Article, isNew, changed bool) {
			switch {
			case isNew:
				f.note(&f.sum.Added, &f.sum.added, arts)
			case changed:
				f.note(&f.sum.Changed, &f.sum.changed, arts)
			}
			var keys []string
			for i := range arts {
				keys = append(keys, mediaKeys(&arts[i])...)
			}
			f.downloadAll(ctx, keys)
			if err := f.pageDone(); err != nil {
				f.opts.Logf("urls: %v", err)
			}
		},
		Progress: func(done, total int) {
			f.report(func(p *Progress) { p.Source, p.Items, p.TotalItems = archive.URLs, done, total })
		},
	})
	if us != nil {
		*ss = us.SourceSummary
		ss.Known = us.Skipped
		ss.Total = us.Items + us.Skipped + len(us.Failed) + us.Remaining
		for _, pe := range us.Failed {
			if !pe.Permanent() {
				f.sum.FailedPages = append(f.sum.FailedPages, pe)
				continue
			}
			f.mu.Lock()
			isNew := f.markUnavailable(pe.URL, "page", pe.Error())
			f.mu.Unlock()
			if isNew {
				f.sum.UnavailablePages = append(f.sum.UnavailablePages, pe)
			} else {
				f.sum.KnownUnavailable++
			}
		}
	}
	return err
}
