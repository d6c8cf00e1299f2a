package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter"
	"github.com/mparchive/mparchive/exporter/wechattest"
	"github.com/mparchive/mparchive/progress"
)

// runFetch is `mparchive fetch`: the account into the archive, no output.
func runFetch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("fetch", "fetch --archive DIR [--demo] [--source …] [flags]", stderr)
	var ff fetchFlags
	var rf runFlags
	ff.register(fs)
	rf.register(fs, "archive folder (required)",
		"after the run, commit the archive folder to the git repository there, creating it if needed")
	if err := parseFlagsOnly(fs, args); err != nil {
		return err
	}
	ff.parsed("fetch", fs)
	archiveDir := rf.archiveDir
	if archiveDir == "" {
		return usagef("--archive DIR is required")
	}
	if err := checkArchiveDir(archiveDir); err != nil {
		return err
	}
	rep := newReporter(stderr, rf.quiet)
	outcome, code, err := fetchStage(ctx, &ff, archiveDir, rep)
	if err != nil {
		return err
	}
	outcome.FetchOnly = true
	rep.Summary(outcome)
	explainRefusals(rep, &ff, outcome.Fetch)
	if code != exitInterrupted {
		if err := rf.commit(ctx, archiveDir, outcome.Fetch, rep); err != nil {
			return err
		}
	}
	return codeOf(code, nil)
}

// fetchStage is fetch for the fetch and export commands: it also starts
// what the command tells at its end.
func fetchStage(ctx context.Context, ff *fetchFlags, archiveDir string, rep *reporter) (progress.Outcome, int, error) {
	start := time.Now()
	sum, code, err := fetch(ctx, ff, archiveDir, rep)
	if err != nil {
		return progress.Outcome{}, 0, err
	}
	outcome := progress.Outcome{Fetch: sum, Start: start, ArchiveDir: archiveDir}
	if code == exitInterrupted {
		outcome.Interrupted = "fetch"
	}
	return outcome, code, nil
}

// fetch runs the fetch stage. Besides its summary it returns the exit code
// the stage alone deserves, so that export can still build after a quota
// stop and then exit with that code.
func fetch(ctx context.Context, ff *fetchFlags, archiveDir string, rep *reporter) (*exporter.Summary, int, error) {
	sources, materials, urls, err := ff.parseSources()
	if err != nil {
		return nil, 0, err
	}
	var (
		c      *exporter.Client
		images *http.Client
		stop   = func() {}
	)
	if ff.demo || needsAPI(sources, materials) {
		if c, images, stop, err = ff.client(rep); err != nil {
			return nil, 0, err
		}
	} else if err := ff.check(); err != nil {
		return nil, 0, err
	}
	defer stop()
	pageInterval := time.Duration(0)
	if ff.demoPages {
		pageInterval = -1
		// The demo has page-only posts and no links file: its links come
		// from the fake, with the default sources or --source urls.
		if ff.urlsFile == "" && len(ff.demoLinks) > 0 {
			if !ff.explicit {
				sources = append(sources, archive.URLs)
			}
			if slices.Contains(sources, archive.URLs) {
				urls = ff.demoLinks
			}
		}
	}
	arch, unlock, err := openLocked(archiveDir)
	if err != nil {
		return nil, 0, err
	}
	defer unlock()
	var itemDone func(archive.Source, string)
	if ff.itemsDone != nil {
		var stop func()
		itemDone, stop = ff.itemsDone(ctx, arch)
		defer stop()
	}
	prog := rep.Fetch()
	restoreGC := paceFetchGC()
	sum, err := exporter.Fetch(ctx, c, arch, exporter.FetchOptions{
		Sources:     sources,
		Concurrency: ff.concurrency,
		Progress:    prog.Update,
		// After Ctrl-C the notes would only be each stopped request's
		// "context canceled"; the summary says what was done.
		Logf: func(format string, args ...any) {
			if ctx.Err() == nil {
				rep.Notef(format, args...)
			}
		},
		ImageHTTPClient:   images,
		Sleep:             retrySleep,
		Full:              ff.full,
		URLs:              urls,
		PageBaseURL:       ff.pageBase,
		PageInterval:      pageInterval,
		VoiceBaseURL:      ff.voiceBase(),
		PageHTTPClient:    images,
		RefetchURLs:       ff.refetchURLs,
		FollowShares:      ff.followShares,
		AllowPrivateHosts: ff.allowPrivate,
		PageTimeout:       ff.timeout,
		Attempts:          ff.attempts,
		MediaTimeout:      4 * ff.timeout,
		Materials:         materials,
		PageSleep:         pageSleep,
		Explicit:          ff.explicit,
		AccountName:       ff.accountName,
		ItemDone:          itemDone,
	})
	restoreGC()
	prog.Done()
	switch {
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		return sum, exitInterrupted, nil
	case exporter.IsUnreachable(err) && sum.Reached():
		// The network went away during the run: what came in is kept,
		// and a re-run goes on from there. The summary names the error.
		return sum, exitPartial, nil
	case err != nil:
		return nil, 0, err
	case sum.Quota != nil:
		return sum, exitQuota, nil
	case ff.explicit && len(refusedNow(sum)) > 0:
		// Named and refused: what was asked cannot be done, and unlike a
		// partial run no re-run can do it.
		return sum, exitFailed, nil
	case sum.Partial():
		return sum, exitPartial, nil
	}
	return sum, exitOK, nil
}

// fetchGCPercent paces the collector during a fetch. A fetch holds an
// index of the account's media and items, a few megabytes for ten
// thousand articles, and the rest of what it allocates (list pages,
// images on their way to disk) is garbage within the page. With Go's
// default pacing the heap grows to twice what is live between
// collections, so that the peak grew with the account at twice the rate
// of the index; at 20 it grows a fifth over. A fetch waits on the
// network: the collections it adds, of a small heap, cost it no time
// worth measuring.
const fetchGCPercent = 20

// paceFetchGC sets fetchGCPercent, unless the user's GOGC says otherwise,
// and returns the function that restores the pacing before (an export
// builds next, with a pacing of its own).
func paceFetchGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	prev := debug.SetGCPercent(fetchGCPercent)
	return func() { debug.SetGCPercent(prev) }
}

// demoHost is the host name of the demo account's URLs. A fixed name, not
// the loopback port of the moment, keeps the archive identical from one
// --demo run to the next, so a re-run shows nothing changed.
const demoHost = "demo.mparchive.invalid"

// client builds the API client. With --demo it first starts the demo
// account's fake API on loopback; stop shuts it down. images is the client
// for image downloads (nil: the default).
func (f *fetchFlags) client(rep *reporter) (c *exporter.Client, images *http.Client, stop func(), err error) {
	stop = func() {}
	if err := f.check(); err != nil {
		return nil, nil, stop, err
	}
	opts := []exporter.Option{
		exporter.WithRequestTimeout(f.timeout),
		exporter.WithMaxAttempts(f.attempts),
		exporter.WithRetryReport(func(msg string, err error, wait time.Duration) {
			rep.Notef("retrying in %s: %s: %v", wait.Round(100*time.Millisecond), msg, err)
		}),
	}
	if retrySleep != nil {
		opts = append(opts, exporter.WithSleep(retrySleep))
	}
	if f.tokenMode == "classic" {
		opts = append(opts, exporter.WithTokenMode(exporter.TokenClassic))
	} else {
		opts = append(opts, exporter.WithTokenMode(exporter.TokenStable))
	}
	if f.demo {
		srv, err := wechattest.NewServer(wechattest.Options{Demo: true, Host: demoHost})
		if err != nil {
			return nil, nil, stop, fmt.Errorf("starting the demo API: %w", err)
		}
		hc := srv.Client()
		f.demoBase = srv.URL()
		if f.pageBase == "" {
			f.pageBase = srv.URL()
		}
		f.demoLinks, f.demoPages = srv.PageLinks(), true
		opts = append(opts, exporter.WithBaseURL(srv.URL()), exporter.WithHTTPClient(hc),
			exporter.WithCredentials("wxdemo0000000000", "demo-secret"))
		c, err := exporter.NewClient(opts...)
		if err != nil {
			srv.Close()
			return nil, nil, stop, err
		}
		return c, hc, srv.Close, nil
	}
	cred, err := loadCredentials(f.configFile, rep.Warnf)
	if err != nil {
		return nil, nil, stop, err
	}
	base := f.apiBase
	if base == "" {
		base = cred.APIBase
	}
	if base != "" {
		opts = append(opts, exporter.WithBaseURL(base))
	}
	token := f.accessToken
	if token == "" {
		token = os.Getenv("MPARCHIVE_ACCESS_TOKEN")
	}
	switch {
	case token != "":
		opts = append(opts, exporter.WithAccessToken(token))
	case cred.AppID != "" && cred.Secret != "":
		opts = append(opts, exporter.WithCredentials(cred.AppID, cred.Secret))
	default:
		msg := "no credentials: set MPARCHIVE_APPID and MPARCHIVE_SECRET, or write them to a config file (see --config), " +
			"or pass --access-token; to try mparchive without an account use --demo"
		if f.urlsFile != "" {
			// The pages of a links file need no account, the API
			// sources the default --source adds do.
			msg += "; to back up only the pages of --urls, which needs none, add --source urls"
		}
		return nil, nil, stop, errors.New(msg)
	}
	c, err = exporter.NewClient(opts...)
	return c, nil, stop, err
}

// needsAPI tells whether a run of these sources calls the API. Article
// pages are public: the urls source alone needs no token, and so no
// credentials.
func needsAPI(sources []archive.Source, materials []archive.MaterialKind) bool {
	if len(materials) > 0 {
		return true
	}
	for _, src := range sources {
		if src != archive.URLs {
			return true
		}
	}
	return false
}

// voiceBase is where the voice messages of articles are downloaded from
// in place of https://res.wx.qq.com: the demo's fake API, or the --page-base
// or --api-base that points at loopback (mparchive fake-api, a local
// mirror), since WeChat's own voice host knows nothing of the accounts they
// serve. "" keeps WeChat's.
func (f *fetchFlags) voiceBase() string {
	if f.demoBase != "" {
		return f.demoBase
	}
	for _, base := range []string{f.pageBase, f.apiBase} {
		if exporter.LoopbackBase(base) {
			return strings.TrimRight(strings.TrimSpace(base), "/")
		}
	}
	return ""
}

// openLocked opens an archive and takes its lock for writing.
func openLocked(dir string) (*archive.Archive, func(), error) {
	arch, err := archive.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	release, err := arch.Lock()
	if err != nil {
		return nil, nil, err
	}
	return arch, func() { release() }, nil
}
