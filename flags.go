package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/convcache"
	"github.com/mparchive/mparchive/exporter"
	"github.com/mparchive/mparchive/output"
	"github.com/mparchive/mparchive/themes"
)

// archiveSubdir is where export keeps its archive inside the output folder
// when --archive names no other place: the same export command re-run then
// finds it and only fetches what is new.
const archiveSubdir = ".mparchive/archive"

// fetchFlags are the flags of every command that talks to the API.
type fetchFlags struct {
	// itemsDone, set by export, starts work on the items a fetch
	// completes (preconvert): it returns FetchOptions.ItemDone, nil for
	// none, and the func that ends the work before the fetch returns.
	itemsDone    func(ctx context.Context, arch *archive.Archive) (done func(archive.Source, string), stop func())
	demo         bool
	sources      string
	apiBase      string
	tokenMode    string
	accessToken  string
	configFile   string
	concurrency  int
	timeout      time.Duration
	attempts     int
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
	fs.IntVar(&f.attempts, "attempts", exporter.DefaultMaxAttempts, "tries of one request before it counts as failed (1 to 100), for API calls, pages and downloads alike; "+
		"raise it for a network that drops often")
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

// check reports flag values no run can use, whether or not it needs the API.
func (f *fetchFlags) check() error {
	if f.concurrency < 1 {
		return usagef("--concurrency must be at least 1")
	}
	if f.timeout <= 0 {
		return usagef("--timeout must be positive, not %v", f.timeout)
	}
	if f.attempts < 1 || f.attempts > 100 {
		return usagef("--attempts must be between 1 and 100, not %d", f.attempts)
	}
	if f.tokenMode != "stable" && f.tokenMode != "classic" {
		return usagef("--token-mode must be stable or classic, not %q", f.tokenMode)
	}
	return nil
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
	cacheDir      string
	noCache       bool
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
	fs.StringVar(&b.cacheDir, "cache-dir", "", "folder of the conversion cache, which makes rebuilds fast (default $"+convcache.EnvDir+", else mparchive in the user's cache folder); safe to delete")
	fs.BoolVar(&b.noCache, "no-cache", false, "convert every article, without reading or writing the conversion cache")
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
	var err error
	if opts.Cache, err = b.cache(); err != nil {
		return opts, err
	}
	var f output.Filter
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

// cache opens the conversion cache --cache-dir, $MPARCHIVE_CACHE_DIR or
// the default name, none with --no-cache or when the user has no cache
// folder. It must not be in the output folder, which is published.
func (b *buildFlags) cache() (*convcache.Cache, error) {
	if b.noCache {
		return nil, nil
	}
	dir := b.cacheDir
	if dir == "" {
		var err error
		if dir, err = convcache.DefaultDir(); err != nil {
			return nil, nil
		}
	}
	if within(b.out, dir) {
		return nil, usagef("the conversion cache %s is inside the output folder %s, which is published; give --cache-dir another folder, or --no-cache", dir, b.out)
	}
	return convcache.Open(dir, 0), nil
}

// within tells whether path is dir or inside it.
func within(dir, path string) bool {
	d, err1 := filepath.Abs(dir)
	p, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
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

// outputOptions checks the flags of a command that writes an output, and
// gives its writer options and the archive it reads.
func (r *runFlags) outputOptions(bf *buildFlags) (output.Options, string, error) {
	opts, err := bf.options()
	if err != nil {
		return opts, "", err
	}
	dir := r.archiveOr(bf.out)
	return opts, dir, checkArchiveDir(dir)
}

// archiveOr is --archive, or the archive kept inside the output folder.
func (r *runFlags) archiveOr(out string) string {
	if r.archiveDir != "" {
		return r.archiveDir
	}
	return filepath.Join(out, archiveSubdir)
}

// newFlagSet makes a flag set whose errors come back to run as usage errors
// instead of exiting, and whose help names the command.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: mparchive %s\n", synopsis)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintf(fs.Output(), "\nFlags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args and turns flag errors into usage errors. Flags may
// come after positional arguments too. The flag package prints the whole
// flag list on any mistake; that list is kept for --help, and a mistake
// gets one line that points to --help instead.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	out := fs.Output()
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	defer fs.SetOutput(out)
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				out.Write(buf.Bytes())
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}
