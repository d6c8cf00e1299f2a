package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter"
	"github.com/mparchive/mparchive/exporter/wechattest"
	"github.com/mparchive/mparchive/output"
	"github.com/mparchive/mparchive/render"
	"github.com/mparchive/mparchive/themes"
)

// archiveSubdir is where export keeps its archive inside the output folder
// when --archive names no other place: the same export command re-run then
// finds it and only fetches what is new.
const archiveSubdir = ".mparchive/archive"

// fetchFlags are the flags of every command that talks to the API.
type fetchFlags struct {
	demo         bool
	sources      string
	apiBase      string
	tokenMode    string
	accessToken  string
	configFile   string
	concurrency  int
	timeout      time.Duration
	full         bool
	urlsFile     string
	pageBase     string
	refetchURLs  bool
	followShares bool
	allowPrivate bool
	// demoBase is the demo API's address, set by client with --demo.
	demoBase string
	// demoLinks are the demo account's page-only posts, which --demo backs
	// up through the urls source (it has no links file); demoPages also
	// drops the pauses between pages, which come from the in-process fake.
	demoLinks   []string
	demoPages   bool
	accountName string

	// explicit is true when --source was given: a source WeChat refused
	// the account in an earlier run is tried again only then.
	explicit bool
	// cmd and fs are the command and its parsed flags, from which
	// nextCommand writes the command a user can run next.
	cmd string
	fs  *flag.FlagSet
}

// registerAPI registers the flags that say how to reach the API and with
// which credentials, the ones check shares with fetch and export.
func (f *fetchFlags) registerAPI(fs *flag.FlagSet) {
	fs.BoolVar(&f.demo, "demo", false, "use the built-in demo account (a fake API in-process); needs no credentials")
	fs.StringVar(&f.apiBase, "api-base", "", "WeChat API base URL (default https://api.weixin.qq.com; point it at a proxy or 'mparchive fake-api')")
	fs.StringVar(&f.tokenMode, "token-mode", "stable", "how to get the access_token: stable (cgi-bin/stable_token; leaves the account's other tokens valid) or classic (cgi-bin/token; invalidates them)")
	fs.StringVar(&f.accessToken, "access-token", "", "use this access_token instead of fetching one (also MPARCHIVE_ACCESS_TOKEN), for accounts whose token a central service hands out")
	fs.StringVar(&f.configFile, "config", "", "YAML file with appid and secret (default: $MPARCHIVE_CONFIG, then the user config dir's mparchive/config.yaml)")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "deadline of one request, the answer's body included: an API call or an article page; "+
		"image and voice downloads get four times as long")
	f.concurrency = 1
}

func (f *fetchFlags) register(fs *flag.FlagSet) {
	f.registerAPI(fs)
	fs.StringVar(&f.sources, "source", "news,published", "comma-separated sources: news, published, drafts, urls (article pages, with --urls), and the materials images, voice, video; "+
		"a source WeChat refuses the account is skipped by later runs unless named here")
	fs.IntVar(&f.concurrency, "concurrency", 8, "parallel image downloads")
	fs.StringVar(&f.urlsFile, "urls", "", "file of article links (mp.weixin.qq.com/s/…), one a line, for the urls source (implies it)")
	fs.StringVar(&f.pageBase, "page-base", "", "fetch article pages from this base instead of https://mp.weixin.qq.com (a mirror, or 'mparchive fake-api')")
	fs.BoolVar(&f.refetchURLs, "refetch-urls", false, "fetch article pages the archive already holds again")
	fs.BoolVar(&f.followShares, "follow-shares", false, "with the urls source, also back up the original article each share (转载) points to")
	fs.BoolVar(&f.allowPrivate, "allow-private-hosts", false, "let image, voice, video and page downloads reach loopback, private and link-local addresses "+
		"(by default only public ones, and the host of an --api-base or --page-base on loopback)")
	fs.StringVar(&f.accountName, "account-name", "", accountNameHelp)
	fs.BoolVar(&f.full, "full", false, "list every page of every source (default: stop at the first page with nothing new); only a full listing notices articles deleted upstream")
}

// parsed records what parsing the command line told beyond the values:
// which command it was, and whether --source was given.
func (f *fetchFlags) parsed(cmd string, fs *flag.FlagSet) {
	f.cmd, f.fs = cmd, fs
	fs.Visit(func(fl *flag.Flag) {
		if fl.Name == "source" {
			f.explicit = true
		}
	})
}

// parseSources splits --source into article sources and material kinds,
// and reads the --urls file.
func (f *fetchFlags) parseSources() (sources []archive.Source, materials []archive.MaterialKind, urls []string, err error) {
	seen := map[string]bool{}
	for _, name := range strings.Split(f.sources, ",") {
		name = strings.TrimSpace(name)
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		if src, err := archive.ParseSource(name); err == nil {
			sources = append(sources, src)
			continue
		}
		// The issue and the README say "images"; the API's type is "image".
		kind, err := archive.ParseMaterialKind(strings.TrimSuffix(name, "s"))
		if err != nil {
			return nil, nil, nil, usagef("unknown source %q (want news, published, drafts, urls, images, voice or video)", name)
		}
		materials = append(materials, kind)
	}
	if f.urlsFile != "" && !seen[string(archive.URLs)] {
		sources = append(sources, archive.URLs)
		seen[string(archive.URLs)] = true
	}
	if seen[string(archive.URLs)] && !(f.demo && f.urlsFile == "") {
		if f.urlsFile == "" {
			return nil, nil, nil, usagef("the urls source needs --urls FILE, a file of article links, one a line")
		}
		file, err := os.Open(f.urlsFile)
		if err != nil {
			return nil, nil, nil, usagef("--urls: %v", err)
		}
		defer file.Close()
		if urls, err = exporter.ReadURLList(file); err != nil {
			return nil, nil, nil, usagef("--urls %s: %v", f.urlsFile, err)
		}
	}
	if len(sources) == 0 && len(materials) == 0 {
		return nil, nil, nil, usagef("--source names no source")
	}
	return sources, materials, urls, nil
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
		exporter.WithRetryReport(func(msg string, err error, wait time.Duration) {
			rep.notef("retrying in %s: %s: %v", wait.Round(100*time.Millisecond), msg, err)
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
	cred, err := loadCredentials(f.configFile, rep.warnf)
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

// check reports flag values no run can use, whether or not it needs the API.
func (f *fetchFlags) check() error {
	if f.concurrency < 1 {
		return usagef("--concurrency must be at least 1")
	}
	if f.timeout <= 0 {
		return usagef("--timeout must be positive, not %v", f.timeout)
	}
	if f.tokenMode != "stable" && f.tokenMode != "classic" {
		return usagef("--token-mode must be stable or classic, not %q", f.tokenMode)
	}
	return nil
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
		if isLoopbackBase(base) {
			return strings.TrimRight(strings.TrimSpace(base), "/")
		}
	}
	return ""
}

// isLoopbackBase reports an http(s) base URL whose host is this machine.
func isLoopbackBase(base string) bool {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// accountNameHelp describes --account-name, which fetch records in the
// archive and build uses for one output.
const accountNameHelp = "the account's name, for outputs (front matter, the site's title and feed); " +
	"by default it is read from one article page, since the API gives only the account's id; fetch and export remember it in the archive"

// buildFlags are the flags of every command that writes an output.
type buildFlags struct {
	out        string
	siteTitle  string
	format     string
	baseURL    string
	theme      string
	themeDir   string
	removed    string
	since      string
	until      string
	author     string
	titleMatch string
	// accountName is --account-name of build; export's is fetchFlags'.
	accountName   string
	includeDrafts bool
}

func (b *buildFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&b.out, "o", "", "output folder (required)")
	fs.StringVar(&b.out, "out", "", "same as -o")
	fs.StringVar(&b.format, "format", "hugo", "output format: "+strings.Join(output.Formats(), ", "))
	fs.StringVar(&b.siteTitle, "site-title", "", "title of the generated site (default 公众号存档)")
	fs.StringVar(&b.baseURL, "base-url", "", "the site's public address: absolute feed, canonical and Open Graph links, and sitemap.xml (written only with it); default: relative links")
	fs.StringVar(&b.theme, "theme", "", "theme of the site output")
	fs.StringVar(&b.themeDir, "theme-dir", "", "folder laid out like the format's theme folder (themes/<format>/ in the source), whose files replace or add to the embedded ones; hugo, jekyll, zola and hexo write them into a new site only")
	fs.StringVar(&b.removed, "removed", "mark", "articles removed or deleted upstream: keep (show like others), mark (show, marked removed/deleted in front matter) or drop")
	fs.StringVar(&b.since, "since", "", "only articles published on or after this date (2006-01-02, Beijing time)")
	fs.StringVar(&b.until, "until", "", "only articles published before this date (2006-01-02, Beijing time)")
	fs.StringVar(&b.author, "author", "", "only articles by this author")
	fs.StringVar(&b.titleMatch, "title-match", "", "only articles whose title matches this regular expression")
	fs.BoolVar(&b.includeDrafts, "include-drafts", false, "put the draft box's articles into --format site and markdown, marked 草稿; hugo, hexo, jekyll and zola always get them as drafts, which the generator builds only when told to (hugo -D, jekyll --drafts, hexo --draft, zola --drafts)")
}

// options checks the flags and turns them into writer options. Every
// mistake it can see is found here, before the first request: a run must
// not spend API quota to find out its --theme does not exist.
func (b *buildFlags) options() (output.Options, error) {
	var opts output.Options
	if b.out == "" {
		return opts, usagef("-o DIR is required")
	}
	if st, err := os.Stat(b.out); err == nil && !st.IsDir() {
		return opts, usagef("-o %s is a file; it must name a folder (it is created if missing)", b.out)
	}
	if err := b.checkTheme(); err != nil {
		return opts, err
	}
	known := false
	for _, f := range output.Formats() {
		known = known || f == b.format
	}
	if !known {
		return opts, usagef("unknown --format %q (known: %s)", b.format, strings.Join(output.Formats(), ", "))
	}
	switch p := output.RemovedPolicy(b.removed); p {
	case output.RemovedKeep, output.RemovedMark, output.RemovedDrop:
		opts.Removed = p
	default:
		return opts, usagef("--removed must be keep, mark or drop, not %q", b.removed)
	}
	opts.BaseURL, opts.Theme, opts.ThemeDir, opts.SiteTitle = b.baseURL, b.theme, b.themeDir, b.siteTitle
	opts.AccountName = strings.TrimSpace(b.accountName)
	opts.IncludeDrafts = b.includeDrafts
	var f output.Filter
	var err error
	if f.Since, err = parseDay("--since", b.since); err != nil {
		return opts, err
	}
	if f.Until, err = parseDay("--until", b.until); err != nil {
		return opts, err
	}
	f.Author = strings.TrimSpace(b.author)
	if b.titleMatch != "" {
		if f.TitleMatch, err = regexp.Compile(b.titleMatch); err != nil {
			return opts, usagef("--title-match: %v", err)
		}
	}
	if f != (output.Filter{}) {
		opts.Filter = &f
	}
	return opts, nil
}

// checkTheme checks --theme, which is the site format's and must name an
// embedded theme, and --theme-dir, which must name a folder.
func (b *buildFlags) checkTheme() error {
	if b.theme != "" {
		if b.format != "site" {
			return usagef("--theme applies to --format site, not %s; --theme-dir applies to every format", b.format)
		}
		if _, err := themes.SiteTheme(b.theme); err != nil {
			return usagef("--theme: %v", err)
		}
	}
	if b.themeDir != "" {
		st, err := os.Stat(b.themeDir)
		if err != nil {
			return usagef("--theme-dir: %v", err)
		}
		if !st.IsDir() {
			return usagef("--theme-dir %s is not a folder", b.themeDir)
		}
	}
	return nil
}

// parseFlagsOnly is parseFlags for commands that take no arguments besides
// flags: a stray word (a value whose flag was misspelt, say) is an error,
// not something to ignore.
func parseFlagsOnly(fs *flag.FlagSet, args []string) error {
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected argument %q: this command takes only flags", rest[0])
	}
	return nil
}

// checkArchiveDir refuses an --archive that names a file.
func checkArchiveDir(dir string) error {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return usagef("--archive %s is a file; it must name a folder (it is created if missing)", dir)
	}
	return nil
}

// parseDay reads a date as the start of that day in Beijing time (the day
// an owner sees in the MP console), or a full RFC 3339 time.
func parseDay(flagName, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, archive.ChinaTime); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, usagef("%s wants a date like 2024-01-31, not %q", flagName, s)
}

// runFlags are the flags of every command that runs on an archive.
type runFlags struct {
	archiveDir string
	quiet      bool
	git        bool
}

func (r *runFlags) register(fs *flag.FlagSet, archiveHelp, gitHelp string) {
	fs.StringVar(&r.archiveDir, "archive", "", archiveHelp)
	fs.BoolVar(&r.quiet, "quiet", false, "print nothing but errors")
	fs.BoolVar(&r.git, "git", false, gitHelp)
}

// archiveOr is --archive, or the archive kept inside the output folder.
func (r *runFlags) archiveOr(out string) string {
	if r.archiveDir != "" {
		return r.archiveDir
	}
	return filepath.Join(out, archiveSubdir)
}

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", "export -o DIR [--demo] [--source news,published,drafts] [flags]", stderr)
	var ff fetchFlags
	var bf buildFlags
	var rf runFlags
	ff.register(fs)
	bf.register(fs)
	rf.register(fs, "archive folder (default DIR/"+archiveSubdir+")",
		"after the run, commit the output folder (archive included) to the git repository there, creating it if needed")
	if err := parseFlagsOnly(fs, args); err != nil {
		return err
	}
	ff.parsed("export", fs)
	bf.accountName = ff.accountName
	opts, err := bf.options()
	if err != nil {
		return err
	}
	archiveDir := rf.archiveOr(bf.out)
	if err := checkArchiveDir(archiveDir); err != nil {
		return err
	}
	if err := checkOneFormat(bf.out, bf.format, archiveDir); err != nil {
		return err
	}
	rep := newReporter(stderr, rf.quiet)
	start := time.Now()
	fsum, code, err := fetch(ctx, &ff, archiveDir, rep)
	if err != nil {
		return err
	}
	outcome := runOutcome{fetch: fsum, start: start, archiveDir: archiveDir, format: bf.format}
	if code == exitInterrupted {
		outcome.interrupted = "fetch"
		printSummary(rep, outcome)
		return exitError{code}
	}
	bsum, err := buildIfStale(ctx, archiveDir, bf.format, bf.out, opts, rep)
	if interrupted(ctx, err) {
		outcome.build, outcome.interrupted = bsum, "build"
		printSummary(rep, outcome)
		return exitError{exitInterrupted}
	}
	if err != nil {
		return err
	}
	outcome.build = bsum
	outcome.goneImages = dropUnavailable(archiveDir, bsum)
	printSummary(rep, outcome)
	explainRefusals(rep, &ff, fsum)
	if rf.git {
		if err := commitRun(ctx, bf.out, fsum, rep); err != nil {
			return err
		}
	}
	return codeOf(code, bsum)
}

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
	start := time.Now()
	fsum, code, err := fetch(ctx, &ff, archiveDir, rep)
	if err != nil {
		return err
	}
	outcome := runOutcome{fetch: fsum, start: start, archiveDir: archiveDir, fetchOnly: true}
	if code == exitInterrupted {
		outcome.interrupted = "fetch"
	}
	printSummary(rep, outcome)
	explainRefusals(rep, &ff, fsum)
	if rf.git && code != exitInterrupted {
		if err := commitRun(ctx, archiveDir, fsum, rep); err != nil {
			return err
		}
	}
	return codeOf(code, nil)
}

func runBuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("build", "build --archive DIR -o OUT [--format hugo]", stderr)
	var bf buildFlags
	var rf runFlags
	bf.register(fs)
	fs.StringVar(&bf.accountName, "account-name", "", accountNameHelp)
	rf.register(fs, "archive folder (default OUT/"+archiveSubdir+")",
		"after the build, commit the output folder to the git repository there, creating it if needed")
	if err := parseFlagsOnly(fs, args); err != nil {
		return err
	}
	opts, err := bf.options()
	if err != nil {
		return err
	}
	archiveDir := rf.archiveOr(bf.out)
	if err := checkArchiveDir(archiveDir); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(archiveDir, "items")); err != nil {
		return fmt.Errorf("%s holds no archive (run 'mparchive fetch --archive %s' first)", archiveDir, archiveDir)
	}
	if err := checkOneFormat(bf.out, bf.format, archiveDir); err != nil {
		return err
	}
	rep := newReporter(stderr, rf.quiet)
	start := time.Now()
	key, err := archiveBuildKey(archiveDir, bf.format, opts)
	if err != nil {
		return err
	}
	bsum, err := buildRecorded(ctx, archiveDir, bf.format, bf.out, key, opts, rep)
	outcome := runOutcome{build: bsum, start: start, archiveDir: archiveDir, format: bf.format}
	if interrupted(ctx, err) {
		outcome.interrupted = "build"
		printSummary(rep, outcome)
		return exitError{exitInterrupted}
	}
	if err != nil {
		return err
	}
	outcome.goneImages = dropUnavailable(archiveDir, bsum)
	printSummary(rep, outcome)
	if rf.git {
		if err := commitRun(ctx, bf.out, nil, rep); err != nil {
			return err
		}
	}
	return codeOf(exitOK, bsum)
}

// interrupted tells an error that Ctrl-C (or SIGTERM) caused.
func interrupted(ctx context.Context, err error) bool {
	return err != nil && (errors.Is(err, context.Canceled) || ctx.Err() != nil)
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
	prog := rep.fetchProgress()
	sum, err := exporter.Fetch(ctx, c, arch, exporter.FetchOptions{
		Sources:     sources,
		Concurrency: ff.concurrency,
		Progress:    prog.update,
		// After Ctrl-C the notes would only be each stopped request's
		// "context canceled"; the summary says what was done.
		Logf: func(format string, args ...any) {
			if ctx.Err() == nil {
				rep.notef(format, args...)
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
		MediaTimeout:      4 * ff.timeout,
		Materials:         materials,
		PageSleep:         pageSleep,
		Explicit:          ff.explicit,
		AccountName:       ff.accountName,
	})
	prog.done()
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

// build writes the output from the archive. The archive is only read (a
// read-only archive can be built from); the output folder is locked by
// buildRecorded, its one caller.
func build(ctx context.Context, archiveDir, format, out string, opts output.Options, rep *reporter) (*output.Result, error) {
	arch, err := archive.Open(archiveDir)
	if err != nil {
		return nil, err
	}
	unlock, err := arch.RLock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	// A build killed half-way leaves temp files beside the pages it was
	// writing; they must not end up in the site.
	if err := archive.RemoveTempFiles(out); err != nil {
		return nil, err
	}
	prog := rep.counter("building "+format, "articles")
	opts.Converter = render.New()
	opts.Progress = prog.set
	w, err := output.New(format, out, opts)
	if err != nil {
		return nil, err
	}
	res, err := w.Write(ctx, arch)
	prog.done()
	return res, err
}

// buildIfStale is export's build: skipped when the last complete build into
// out was made from the same archive, options and program (see
// buildcache.go), so a day with nothing new costs a few listing calls.
func buildIfStale(ctx context.Context, archiveDir, format, out string, opts output.Options, rep *reporter) (*output.Result, error) {
	key, err := archiveBuildKey(archiveDir, format, opts)
	if err != nil {
		return nil, err
	}
	if n, ok := upToDate(out, format, key); ok {
		return &output.Result{Articles: n, Unchanged: n}, nil
	}
	return buildRecorded(ctx, archiveDir, format, out, key, opts, rep)
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

// commitRun runs gitCommit and tells the user what it did.
func commitRun(ctx context.Context, dir string, sum *exporter.Summary, rep *reporter) error {
	committed, err := gitCommit(ctx, dir, sum)
	if err != nil {
		return err
	}
	if committed {
		rep.notef("git: committed the changes in %s", dir)
	} else {
		rep.notef("git: nothing changed, no commit")
	}
	return nil
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
