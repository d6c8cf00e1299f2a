package exporter

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mparchive/mparchive/archive"
)

// FetchOptions tune a fetch run.
type FetchOptions struct {
	Sources []archive.Source
	// Concurrency bounds parallel media downloads (default 8).
	Concurrency int
	// ImageHTTPClient downloads images, voices and videos; nil uses
	// NewDownloadClient (see AllowPrivateHosts).
	ImageHTTPClient *http.Client
	// AllowPrivateHosts lets the default download clients reach loopback,
	// private and link-local addresses. Without it they reach public
	// addresses only, and the loopback address of the API base,
	// PageBaseURL or VoiceBaseURL when one names one (the fake API, a
	// local mirror): those serve their articles' media too.
	AllowPrivateHosts bool
	// Attempts bounds tries per request, for images, voices, videos and
	// pages as for API calls (default DefaultMaxAttempts).
	Attempts int
	// MediaTimeout is the deadline of an image or voice download, body
	// included, its attempts together (default DefaultMediaTimeout);
	// PageTimeout that of an article page (default DefaultPageTimeout).
	MediaTimeout, PageTimeout time.Duration
	// Progress receives counts as the run goes; it must not block.
	Progress func(Progress)
	// Logf receives notes worth telling the user (quota plans, skipped
	// sources). Messages never hold secrets.
	Logf func(format string, args ...any)
	// Sleep waits between image retries; tests make it instant.
	Sleep func(context.Context, time.Duration) error
	// Full lists every page of every source. Without it a listing stops at
	// the first page that holds nothing new or changed: the lists come
	// newest first, so the rest is known. Only a full listing can notice
	// articles that disappeared upstream.
	Full bool
	// Now is the clock for the days recorded in the state (default
	// time.Now).
	Now func() time.Time

	// URLs are the article pages of the urls source (see ReadURLList).
	URLs []string
	// PageBaseURL replaces https://mp.weixin.qq.com when fetching pages
	// (the fake API in tests and --demo); stored links keep the real host.
	PageBaseURL string
	// VoiceBaseURL replaces DefaultVoiceBaseURL (https://res.wx.qq.com)
	// when downloading the voice messages of articles (the fake API in
	// tests and --demo). Voices are stored under their real address
	// (archive.VoiceKey) whatever host served them.
	VoiceBaseURL string
	// PageInterval is the pause between two page requests (default 1 s).
	PageInterval time.Duration
	// PageHTTPClient fetches pages; nil uses ImageHTTPClient's default.
	PageHTTPClient *http.Client
	// PageSleep waits between page requests, kept apart from Sleep so that
	// tests can make retries instant yet keep pages polite.
	PageSleep func(context.Context, time.Duration) error
	// RefetchURLs fetches pages the archive already holds again.
	RefetchURLs bool
	// FollowShares fetches the original of every share the urls source
	// meets as well (URLOptions.FollowShares).
	FollowShares bool
	// Materials lists the kinds of permanent materials to back up.
	Materials []archive.MaterialKind
	// Explicit says the user named Sources (--source) rather than taking
	// the default. A source an earlier run found refused to the account
	// (State.Refused) is tried again only then; otherwise it is skipped
	// and reported as SourceSummary.Skipped.
	Explicit bool
	// AccountName, when set, is recorded as the account's name
	// (--account-name), in place of what its pages say (account.go).
	AccountName string
}

// Progress is a snapshot of a run, sent after each page and download.
type Progress struct {
	Source        archive.Source
	Pages, Items  int // listed so far in this source
	TotalItems    int // total_count as last seen (0 while unknown)
	ImagesDone    int // downloads finished (stored or failed) in the run
	ImagesPlanned int // downloads found needed so far in the run
}

// SourceSummary tells what a run did with one source.
type SourceSummary struct {
	Pages    int
	Items    int // messages listed
	Articles int // articles in them
	// Total is how many items the source holds upstream, as its last page
	// said (total_count); for the urls source, how many links it went
	// through. With Items it is what a progress bar showed last.
	Total int
	// Known counts the links of the urls source whose article the archive
	// held already, so that they were not fetched again.
	Known    int
	New      int // items stored for the first time
	Changed  int // items whose stored JSON changed
	Removed  int // items no longer listed upstream, noticed in this run
	Complete bool
	// Early is true when paging stopped at a page with nothing new.
	Early bool
	Err   error // why the source stopped before the end, if it did
	// Refused is set when WeChat refuses the account this source (48001
	// on its list endpoint), found by this run or, with Skipped, by an
	// earlier one. It is no failure of the run and not in Err: no re-run
	// changes it, only the account's type or verification does.
	Refused *archive.Refusal
	// Skipped is true when the source was not listed because it is
	// refused and was not asked for by name (FetchOptions.Explicit).
	Skipped bool
}

// Change names an article that a run added, changed or found removed.
type Change struct {
	Key   string // archive.Article.Key()
	Title string
}

// Summary tells what a fetch run did.
type Summary struct {
	Sources map[archive.Source]*SourceSummary
	// ImagesDownloaded counts media stored in this run; ImagesReused counts
	// those the archive already had.
	ImagesDownloaded int
	ImagesReused     int
	// FailedMedia maps each media key that could not be stored for a
	// reason that may pass (a network error, a 5xx) to why; the next run
	// retries them.
	FailedMedia map[string]string
	// UnavailableMedia maps each media key found in this run to fail in a
	// way no re-run fixes (a 404, not an image, over its size limit) to
	// why. They are recorded in the state (State.Unavailable): later runs
	// do not retry them (but --full does) and do not count them as
	// failures.
	UnavailableMedia map[string]string
	// KnownUnavailable counts the media and pages this run left alone
	// because an earlier run found them unavailable.
	KnownUnavailable int
	// Quota is set when a daily quota stopped the run.
	Quota *archive.QuotaStop
	// Added, Changed and Removed list the articles concerned, in the order
	// the run met them, for commit messages and reports.
	Added, Changed, Removed []Change
	// FailedPages lists the article URLs that gave no article for a
	// reason that may pass (a network error, 暂时无法查看), with why.
	FailedPages []*PageError
	// UnavailablePages lists the article URLs found in this run to give
	// no article for good (deleted, removed, banned, not an article
	// page); like UnavailableMedia they are recorded and not retried.
	UnavailablePages []*PageError
	// Materials tells what happened to each kind of material, if asked.
	Materials *MaterialSummary
}

// Partial reports whether something was left undone that a re-run can
// finish: a failed image, a source stopped early. What failed for good
// (UnavailableMedia, UnavailablePages) is not: no re-run changes it.
func (s *Summary) Partial() bool {
	if len(s.FailedMedia) > 0 || s.Quota != nil || len(s.FailedPages) > 0 {
		return true
	}
	if s.Materials != nil {
		for _, ks := range s.Materials.Kinds {
			if !ks.Complete {
				return true
			}
		}
	}
	for _, ss := range s.Sources {
		if !ss.Complete && ss.Refused == nil {
			return true
		}
	}
	return false
}

// Reached reports whether the run got anything in: a list page, an
// article page, a file. A run that ends because the network went away
// after that is partial; one that got nothing could reach nothing.
func (s *Summary) Reached() bool {
	if s == nil {
		return false
	}
	if s.ImagesDownloaded > 0 {
		return true
	}
	for _, ss := range s.Sources {
		if ss.Pages > 0 || ss.Items > 0 {
			return true
		}
	}
	if s.Materials != nil {
		for _, ks := range s.Materials.Kinds {
			if ks.Items > 0 {
				return true
			}
		}
	}
	return false
}

// Fetch lists every requested source into the archive and downloads the
// media its articles show. It checkpoints as pages complete (at most once a
// second, see checkpointEvery), so a run stopped by the daily quota, Ctrl-C
// or a crash resumes where it stopped.
//
// Errors that concern one source (a missing API permission, the quota) end
// that source and are reported in the summary; errors that doom every call
// (wrong AppSecret, IP not whitelisted, cancellation) end the run and are
// returned. A source WeChat refuses the account is remembered in the state
// (see FetchOptions.Explicit).
//
// c may be nil when only the urls source is asked for: article pages are
// public and need no token, so that source needs no credentials either.
func Fetch(ctx context.Context, c *Client, arch *archive.Archive, opts FetchOptions) (*Summary, error) {
	if len(opts.Sources) == 0 {
		opts.Sources = []archive.Source{archive.News, archive.Published}
	}
	if c == nil && !pagesOnly(opts) {
		return nil, errors.New("exporter: the API sources and the materials need a Client; only the urls source runs without one")
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.Progress == nil {
		opts.Progress = func(Progress) {}
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepContext
	}
	if opts.ImageHTTPClient == nil || opts.PageHTTPClient == nil {
		bases := []string{opts.PageBaseURL, opts.VoiceBaseURL}
		if c != nil {
			bases = append(bases, c.base.String())
		}
		dc := NewDownloadClient(opts.AllowPrivateHosts, bases...)
		opts.ImageHTTPClient = cmp.Or(opts.ImageHTTPClient, dc)
		opts.PageHTTPClient = cmp.Or(opts.PageHTTPClient, dc)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	st, err := arch.LoadState()
	if err != nil {
		return nil, err
	}
	f := &fetcher{
		client: c,
		arch:   arch,
		state:  st,
		opts:   opts,
		dl: &downloader{
			get:       newGetter(opts.ImageHTTPClient, newRetrier(opts.Attempts, opts.Sleep)),
			api:       c,
			voiceBase: opts.VoiceBaseURL,
			timeout:   opts.MediaTimeout,
		},
		sum: &Summary{
			Sources:          map[archive.Source]*SourceSummary{},
			FailedMedia:      map[string]string{},
			UnavailableMedia: map[string]string{},
		},
		tried:      map[triedKey]bool{},
		slots:      make(chan struct{}, opts.Concurrency),
		downloaded: make(chan struct{}, 1),
	}
	err = f.run(ctx)
	if err == nil {
		f.learnAccount(ctx)
	}
	// Whatever happened, keep what was stored: the media index and the
	// cursors are what make the next run resume instead of restart.
	if ferr := f.checkpoint(); err == nil {
		err = ferr
	}
	// The media journal folds into the index once per run, not per page.
	if cerr := arch.Compact(); err == nil {
		err = cerr
	}
	return f.sum, err
}

type fetcher struct {
	client *Client
	arch   *archive.Archive
	state  *archive.State
	opts   FetchOptions
	dl     *downloader
	sum    *Summary

	lastCheckpoint time.Time
	// slots bounds the downloads in flight across pages.
	slots chan struct{}

	// downloaded is signalled (without blocking) as downloads finish.
	downloaded chan struct{}

	mu         sync.Mutex // guards the fields below, written by downloads
	tried      map[triedKey]bool
	imagesDone int
	imagesPlan int
	progress   Progress
}

func (f *fetcher) run(ctx context.Context) error {
	// A quota stop from an earlier run is history once this run starts: the
	// run itself finds out soon enough if the quota is still spent.
	f.state.Quota = nil
	if f.needsPlan() {
		if err := f.plan(ctx); err != nil {
			return err
		}
	}

	// Images that failed last time belong to items this run may not list
	// again (it resumes past them), so retry them first.
	if keys := f.retryable(); len(keys) > 0 {
		f.opts.Logf("retrying %d media downloads that failed in an earlier run", len(keys))
		for _, k := range keys {
			delete(f.state.FailedMedia, k)
		}
		f.downloadAll(ctx, keys)
		if err := ctx.Err(); err != nil {
			return err
		}
	}

	for _, src := range f.opts.Sources {
		ss := &SourceSummary{}
		f.sum.Sources[src] = ss
		if r, ok := f.skipped(src); ok {
			ss.Refused, ss.Skipped = &r, true
			continue
		}
		var err error
		if src == archive.URLs {
			err = f.fetchURLs(ctx, ss)
		} else {
			err = f.fetchSource(ctx, src, ss)
		}
		if err == nil {
			ss.Complete = true
			// Listed after all: the account was verified since.
			delete(f.state.Refused, src)
			continue
		}
		if refusedBy(src, err) {
			ss.Refused = f.refuse(src, err)
			continue
		}
		ss.Err = err
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case IsQuotaExhausted(err):
			// Other sources have quotas of their own: go on with them.
			var apiErr *APIError
			if errors.As(err, &apiErr) {
				f.sum.Quota = &archive.QuotaStop{Endpoint: apiErr.Endpoint, ResetAt: apiErr.ResetAt}
				f.state.Quota = f.sum.Quota
			}
			f.opts.Logf("%s: %v", src, err)
		case isFatal(err):
			return err
		case src == archive.URLs && unreachable(err) && f.client == nil:
			// Pages only, and their host answered nothing: nothing could
			// be reached. With the API answering, the run goes on and is
			// partial.
			return err
		default:
			f.opts.Logf("%s: %v", src, err)
		}
	}
	if len(f.opts.Materials) > 0 {
		return f.fetchMaterials(ctx)
	}
	return nil
}

// pagesOnly tells whether a run needs no API at all: the urls source alone.
func pagesOnly(opts FetchOptions) bool {
	for _, src := range opts.Sources {
		if src != archive.URLs {
			return false
		}
	}
	return len(opts.Materials) == 0
}

// retryable lists the failed downloads of earlier runs that this run can
// retry, sorted. Without a client that leaves out materials fetched by
// media_id: they wait for a run with credentials.
func (f *fetcher) retryable() []string {
	keys := make([]string, 0, len(f.state.FailedMedia))
	for k := range f.state.FailedMedia {
		if f.client == nil && strings.HasPrefix(k, archive.MaterialKey("")) {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// skipped tells whether this run leaves src out because WeChat refused it
// to the account before and the user did not name it.
func (f *fetcher) skipped(src archive.Source) (archive.Refusal, bool) {
	r, ok := f.state.Refused[src]
	return r, ok && !f.opts.Explicit
}

// refuse records that WeChat refused the account src, keeping the day of
// the first refusal so that repeating it changes nothing in the state.
func (f *fetcher) refuse(src archive.Source, err error) *archive.Refusal {
	var apiErr *APIError
	errors.As(err, &apiErr)
	r, ok := f.state.Refused[src]
	if !ok || r.Endpoint != apiErr.Endpoint || r.Code != apiErr.Code {
		r = archive.Refusal{Endpoint: apiErr.Endpoint, Code: apiErr.Code, Since: archive.Day(f.opts.Now())}
		f.state.Refused[src] = r
	}
	return &r
}

// refusedBy tells whether err is WeChat refusing the account src itself:
// 48001 (api unauthorized) from src's own list endpoint. Since July 2025 it
// is what personal and unverified accounts get from freepublish/batchget
// (docs/wechat-api.md §12).
func refusedBy(src archive.Source, err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Code == codeUnauthorized && apiErr.Endpoint == ListEndpoint(src)
}

// isUnauthorized tells whether err is 48001 from any endpoint.
func isUnauthorized(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Code == codeUnauthorized
}

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
				f.note(&f.sum.Added, arts)
			case changed:
				f.note(&f.sum.Changed, arts)
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

// fetchMaterials backs up the permanent materials asked for. A file that
// failed for a reason that may pass is reported, and the next run tries it
// again; one that failed for good is recorded like an unavailable image.
func (f *fetcher) fetchMaterials(ctx context.Context) error {
	ms, err := FetchMaterials(ctx, f.client, f.arch, f.opts.Materials, MaterialOptions{
		HTTPClient: f.opts.ImageHTTPClient,
		Attempts:   f.opts.Attempts,
		Sleep:      f.opts.Sleep,
		Logf:       f.opts.Logf,
		Skip: func(key string) bool {
			f.mu.Lock()
			defer f.mu.Unlock()
			_, gone := f.state.Unavailable[key]
			return gone && !f.opts.Full
		},
	})
	f.sum.Materials = ms
	if ms != nil {
		f.mu.Lock()
		for k, v := range ms.FailedMedia {
			f.sum.FailedMedia[k] = v
		}
		for k, v := range ms.UnavailableMedia {
			if f.markUnavailable(k, MediaWhat(k), v) {
				f.sum.UnavailableMedia[k] = v
			} else {
				f.sum.KnownUnavailable++
			}
		}
		f.mu.Unlock()
	}
	if err != nil && (ctx.Err() != nil || isFatal(err)) {
		return err
	}
	if err != nil {
		f.opts.Logf("materials: %v", err)
	}
	return nil
}

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

// fetchSource pages through one source from its cursor.
func (f *fetcher) fetchSource(ctx context.Context, src archive.Source, ss *SourceSummary) error {
	saved, hadCursor := f.state.Sources[src]
	if hadCursor {
		copied := *saved
		saved = &copied
	}
	cur := f.state.Cursor(src)
	offset := 0
	resumed := cur.Incomplete
	if resumed {
		offset = cur.Offset
		f.opts.Logf("%s: resuming at offset %d, where an earlier run stopped", src, offset)
	}
	// A resumed listing goes to the end: the pages before its cursor were
	// stored by a run that may have stopped before the pages after it.
	mayStopEarly := !f.opts.Full && !resumed
	seen := map[string]bool{}
	// Pages stops by itself at the end of the list, and when a list that
	// keeps growing would have it page forever.
	// A page is done when its images are: the cursor moves past it only
	// then. Meanwhile the next pages are listed and their images start,
	// as long as few downloads wait for a slot (listAhead): the downloads,
	// not the list calls, are what a run waits for.
	type inflight struct {
		start, end int
		done       chan struct{} // closed when its downloads are
		// changed is false for a page that stored nothing new: it is
		// not worth a checkpoint of its own (the run's last one records
		// where listing stopped), and a run that finds nothing new
		// must not rewrite the state.
		changed bool
	}
	var queue []*inflight // listed, images not all in, oldest first
	finish := func(p *inflight) error {
		<-p.done
		if err := ctx.Err(); err != nil {
			// The page's images are not all in: list it again next time.
			cur.Offset, cur.Incomplete = p.start, true
			return err
		}
		cur.Offset, cur.Incomplete = p.end, true
		// The counts of the listing so far: progress and summary count
		// the same items.
		f.report(func(pr *Progress) {
			pr.Source, pr.Pages, pr.Items, pr.TotalItems = src, ss.Pages, ss.Items, ss.Total
		})
		if !p.changed {
			return nil
		}
		return f.pageDone()
	}
	// settle finishes the pages at the head of the queue whose images are
	// in, or, with all, every page. Once one fails, the rest are only
	// waited for: the cursor stays at the first page not done.
	settle := func(all bool) error {
		for len(queue) > 0 {
			p := queue[0]
			select {
			case <-p.done:
			default:
				if !all {
					return nil
				}
			}
			queue = queue[1:]
			if err := finish(p); err != nil {
				for _, q := range queue {
					<-q.done
				}
				queue = nil
				return err
			}
		}
		return nil
	}
	// stop ends the listing early: the pages in flight are finished first,
	// so the cursor and state say exactly what is stored.
	stop := func(err error) error {
		if ferr := settle(true); ferr != nil {
			return ferr
		}
		cur.Offset, cur.Incomplete = offset, true
		return err
	}
	for page, err := range f.client.Pages(ctx, src, offset) {
		if err != nil {
			if ss.Pages == 0 && refusedBy(src, err) {
				// Nothing was listed: leave the cursor as it was, or the
				// refusal would read as a listing to resume, and every
				// later run would plan quotas for it.
				if hadCursor && *saved != (archive.Cursor{}) {
					*cur = *saved
				} else {
					delete(f.state.Sources, src)
				}
				return err
			}
			return stop(err)
		}
		ss.Pages++
		cur.TotalCount = page.TotalCount
		ss.Total = page.TotalCount
		nothingNew := true
		var keys []string
		for _, raw := range page.Items {
			id, err := archive.ItemID(src, raw)
			if err != nil {
				f.opts.Logf("%s: skipping an item at offset %d: %v", src, offset, err)
				continue
			}
			// Items shift when the account publishes or deletes during a
			// run; the same item may show up on two pages.
			if seen[id] {
				continue
			}
			seen[id] = true
			arts, err := archive.DecodeItem(src, raw)
			if err != nil {
				f.opts.Logf("%s: skipping item %s: %v", src, id, err)
				continue
			}
			isNew, changed, err := f.store(src, id, raw)
			if err != nil {
				return stop(err)
			}
			ss.Items++
			ss.Articles += len(arts)
			switch {
			case isNew:
				ss.New++
				f.note(&f.sum.Added, arts)
			case changed:
				ss.Changed++
				f.note(&f.sum.Changed, arts)
			}
			if isNew || changed {
				nothingNew = false
			}
			// Every item's media are checked, changed or not: a run killed
			// after storing an item may not have stored its images.
			for i := range arts {
				keys = append(keys, mediaKeys(&arts[i])...)
			}
		}
		f.report(func(pr *Progress) {
			pr.Source, pr.Pages, pr.Items, pr.TotalItems = src, ss.Pages, ss.Items, ss.Total
		})
		wait, downloads := f.startDownloads(ctx, keys)
		p := &inflight{start: offset, end: page.Offset + page.ItemCount, done: make(chan struct{}), changed: !nothingNew || downloads > 0}
		go func() { wait(); close(p.done) }()
		offset = p.end
		queue = append(queue, p)
		for {
			if err := settle(false); err != nil {
				return err
			}
			if len(queue) == 0 || f.backlog() <= listAhead*f.opts.Concurrency {
				break
			}
			select {
			case <-f.downloaded:
			case <-queue[0].done:
			}
		}
		if mayStopEarly && nothingNew && p.end < page.TotalCount {
			ss.Early = true
			break
		}
	}
	if err := settle(true); err != nil {
		return err
	}
	cur.Offset, cur.Incomplete = 0, false
	if !resumed && !ss.Early {
		// Only a listing from the first page to the last saw everything
		// that is still there.
		f.noticeRemovals(src, seen, ss)
	}
	if ss.New+ss.Changed+ss.Removed > 0 || cur.ListedOn == "" {
		cur.ListedOn = archive.Day(f.opts.Now())
	}
	return nil
}

// store writes one item and tells whether it is new or changed since the
// state's last checkpoint. The state, not the item files, is the measure:
// an item written by a run killed before its checkpoint still counts as
// new, so the page that holds it is not mistaken for old news.
func (f *fetcher) store(src archive.Source, id string, raw []byte) (isNew, changed bool, err error) {
	ut, err := archive.ItemUpdateTime(raw)
	if err != nil {
		return false, false, fmt.Errorf("%s item %s: %w", src, id, err)
	}
	wrote, err := f.arch.PutItem(src, raw)
	if err != nil {
		return false, false, fmt.Errorf("storing %s item %s: %w", src, id, err)
	}
	key := archive.ItemKey(src, id)
	f.mu.Lock()
	defer f.mu.Unlock()
	prev, known := f.state.Items[key]
	f.state.Items[key] = ut
	if _, wasRemoved := f.state.Removed[key]; wasRemoved {
		// Back upstream (an undone deletion, or a listing glitch).
		delete(f.state.Removed, key)
		changed = true
	}
	return !known, known && (wrote || prev != ut) || changed, nil
}

// noticeRemovals marks the items of src that a complete listing did not
// show as removed upstream. They stay in the archive.
func (f *fetcher) noticeRemovals(src archive.Source, seen map[string]bool, ss *SourceSummary) {
	prefix := string(src) + "/"
	var gone []string
	f.mu.Lock()
	for key := range f.state.Items {
		id, ok := strings.CutPrefix(key, prefix)
		if !ok || seen[id] {
			continue
		}
		if _, already := f.state.Removed[key]; already {
			continue
		}
		gone = append(gone, key)
	}
	sort.Strings(gone)
	today := archive.Day(f.opts.Now())
	lastSeen := f.state.Cursor(src).ListedOn
	if lastSeen == "" {
		lastSeen = today
	}
	for _, key := range gone {
		f.state.Removed[key] = archive.Removal{LastSeen: lastSeen, Noticed: today}
	}
	f.mu.Unlock()
	for _, key := range gone {
		ss.Removed++
		id := strings.TrimPrefix(key, prefix)
		arts, err := f.arch.LoadItem(src, id)
		if err != nil || len(arts) == 0 {
			f.sum.Removed = append(f.sum.Removed, Change{Key: key})
			continue
		}
		f.note(&f.sum.Removed, arts)
	}
}

func (f *fetcher) note(list *[]Change, arts []archive.Article) {
	for i := range arts {
		*list = append(*list, Change{Key: arts[i].Key(), Title: arts[i].Title})
	}
}

// mediaKeys lists the media an article needs (archive.ArticleMedia: its
// cover, images and voices), the same list the outputs copy from.
func mediaKeys(a *archive.Article) []string {
	var keys []string
	for _, m := range archive.ArticleMedia(a) {
		keys = append(keys, m.Key)
	}
	return keys
}

// downloadAll stores every key the archive lacks, Concurrency at a time.
// Failures are recorded in the state for the next run, never returned: one
// broken image must not stop a backup.
func (f *fetcher) downloadAll(ctx context.Context, keys []string) {
	wait, _ := f.startDownloads(ctx, keys)
	wait()
}

// startDownloads is downloadAll without the wait: it returns at once, with
// a func that waits for these downloads. A source lists its next page while
// the images of the last one come in; all downloads of the run share the
// Concurrency slots. n is how many downloads it started.
func (f *fetcher) startDownloads(ctx context.Context, keys []string) (wait func(), n int) {
	var todo []string
	f.mu.Lock()
	for _, k := range keys {
		// One picture under several spellings is one key: downloaded
		// once, from its canonical URL.
		k = archive.MediaKey(k)
		if f.tried[keyOf(k)] {
			continue
		}
		f.tried[keyOf(k)] = true
		if _, ok := f.arch.Media(k); ok {
			f.sum.ImagesReused++
			continue
		}
		if _, gone := f.state.Unavailable[k]; gone && !f.opts.Full {
			f.sum.KnownUnavailable++
			continue
		}
		todo = append(todo, k)
	}
	f.imagesPlan += len(todo)
	f.mu.Unlock()

	var wg sync.WaitGroup
	wg.Add(1) // the dispatcher, so Wait cannot pass before it has added the rest
	go func() {
		defer wg.Done()
		for _, k := range todo {
			select {
			case f.slots <- struct{}{}:
			case <-ctx.Done():
				f.mu.Lock()
				for _, left := range todo {
					if _, ok := f.arch.Media(left); !ok {
						delete(f.tried, keyOf(left))
					}
				}
				f.mu.Unlock()
				return
			}
			wg.Add(1)
			go func() {
				defer func() { <-f.slots; wg.Done() }()
				f.download(ctx, k)
			}()
		}
	}()
	return wg.Wait, len(todo)
}

// triedKey stands for a media key in fetcher.tried: a run meets every key
// of the account, and their hashes take a sixth of their memory.
type triedKey [16]byte

func keyOf(k string) triedKey {
	sum := sha256.Sum256([]byte(k))
	return triedKey(sum[:16])
}

// download stores one media key and records how it went.
func (f *fetcher) download(ctx context.Context, k string) {
	_, err := f.dl.fetchMedia(ctx, f.arch, k)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.imagesDone++
	switch {
	case err == nil:
		f.sum.ImagesDownloaded++
		delete(f.state.Unavailable, k)
	case ctx.Err() != nil:
		// Not a failure of the image: the run is stopping. Forget we
		// tried, so the next page or run tries again.
		delete(f.tried, keyOf(k))
	case goneForGood(err):
		msg := redactError(err)
		delete(f.state.FailedMedia, k)
		if f.markUnavailable(k, MediaWhat(k), msg) {
			f.sum.UnavailableMedia[k] = msg
		} else {
			f.sum.KnownUnavailable++
		}
	default:
		msg := redactError(err)
		f.sum.FailedMedia[k] = msg
		f.state.FailedMedia[k] = msg
	}
	f.progress.ImagesDone, f.progress.ImagesPlanned = f.imagesDone, f.imagesPlan
	f.opts.Progress(f.progress)
	select {
	case f.downloaded <- struct{}{}:
	default:
	}
}

// listAhead is how many rounds of downloads (Concurrency each) may wait
// for a slot before a source stops listing ahead: enough to keep every
// slot busy through a list call and a checkpoint, few enough that the
// pages listed ahead stay a handful.
const listAhead = 16

// backlog is how many downloads of the run are queued or in flight.
func (f *fetcher) backlog() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.imagesPlan - f.imagesDone
}

// markUnavailable records in the state that key cannot be had, and
// reports whether that is news: a key found unavailable before keeps its
// record (and its day), so that it is reported once.
func (f *fetcher) markUnavailable(key, what, reason string) (isNew bool) {
	if _, known := f.state.Unavailable[key]; known {
		return false
	}
	f.state.Unavailable[key] = archive.Unavailable{What: what, Reason: reason, Since: archive.Day(f.opts.Now())}
	return true
}

// MediaWhat names what a media key is (image, voice, video, material,
// page), for the state and the summary.
func MediaWhat(key string) string {
	switch {
	case strings.HasPrefix(key, archive.MaterialKey("")):
		return "material"
	case strings.HasPrefix(key, archive.MaterialMediaKey(archive.VideoMaterial, "", "")):
		return "video"
	case strings.HasPrefix(key, "wechat-page:"):
		return "page"
	}
	if _, ok := archive.VoiceFileID(key); ok {
		return "voice"
	}
	return "image"
}

func (f *fetcher) report(update func(*Progress)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	update(&f.progress)
	f.progress.ImagesDone, f.progress.ImagesPlanned = f.imagesDone, f.imagesPlan
	f.opts.Progress(f.progress)
}

// checkpointEvery spaces checkpoints out: each one flushes the file system
// to disk, which costs more than a page takes to fetch. A crash loses at
// most this much work, which the next run redoes.
const checkpointEvery = time.Second

// pageDone checkpoints after a page (or a fetched article) once enough time
// has passed since the last checkpoint.
func (f *fetcher) pageDone() error {
	if time.Since(f.lastCheckpoint) < checkpointEvery {
		return nil
	}
	return f.checkpoint()
}

// checkpoint makes what is done so far durable.
func (f *fetcher) checkpoint() error {
	f.lastCheckpoint = time.Now()
	if err := f.arch.Flush(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.arch.SaveState(f.state)
}

// isFatal tells errors that doom every further call of the run, so going on
// with the next source would only repeat them: the credentials or the token
// are refused, the IP is not whitelisted, the account is banned, or the
// API did not answer at all, through every attempt (a network that is
// down, a name that does not resolve, a server that stalls).
func isFatal(err error) bool {
	if IsTokenInvalid(err) {
		return true
	}
	var tErr *transportError
	if errors.As(err, &tErr) && !errors.Is(err, context.Canceled) {
		return true
	}
	// Every call needs a token: when the token endpoint fails, whatever
	// the failure, after every attempt, every other call would too.
	var respErr *ResponseError
	if errors.As(err, &respErr) && isTokenEndpoint(respErr.Endpoint) {
		return true
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	if isTokenEndpoint(apiErr.Endpoint) {
		return true
	}
	switch apiErr.Code {
	case 40164, 40243, 89503, 50001, 50002, 48004:
		return true
	}
	return false
}

// redactError renders an error of the media path for the summary and the
// state file, with any secret-looking query value blanked. Image URLs carry
// no token, but get_material's do, and Go's errors print whole URLs.
func redactError(err error) string {
	return secretPattern.ReplaceAllString(err.Error(), "${1}${2}REDACTED")
}
