package exporter

import (
	"cmp"
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mparchive/mparchive/archive"
)

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
	arch.ForgetMeetings()
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
		tried:      map[string]struct{}{},
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

	mu sync.Mutex // guards the fields below, written by downloads
	// tried holds the media keys of the run not in the archive when met:
	// those downloading, and those that failed. The archive's marks
	// (MeetMedia) tell the others.
	tried      map[string]struct{}
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
