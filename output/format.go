package output

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/convcache"
)

// Options tune a writer. The zero value is ready to use; each writer reads
// the fields that concern it.
type Options struct {
	// Progress, when set, is told after each article.
	Progress Progress
	// Converter turns bodies into Markdown; nil means render.New().
	Converter Converter
	// Workers is how many articles are converted at once; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
	// SiteTitle is the site's title; "" means "公众号存档".
	SiteTitle string
	// BaseURL makes links absolute (feeds, sitemaps, canonical links);
	// "" keeps them relative, so a site works from file:// and any sub-path.
	BaseURL string
	// Theme names an embedded theme of the site output; ThemeDir is a folder
	// whose templates override the theme's.
	Theme    string
	ThemeDir string
	// Removed says what to do with articles that disappeared upstream or
	// that WeChat marks deleted; "" means RemovedMark.
	Removed RemovedPolicy
	// Filter, when set, keeps only the articles it accepts.
	Filter *Filter
	// AccountName, when set, is the account's name in place of the one
	// the archive's state records (--account-name); see accountOf.
	AccountName string
	// IncludeDrafts puts the draft box's articles into the outputs that
	// mparchive renders itself, the site and plain Markdown, marked as
	// drafts (--include-drafts). Without it they are left out of those
	// entirely: pages, lists, feed, sitemap and search. Hugo, Hexo, Jekyll
	// and Zola always get drafts, as drafts, which each generator leaves
	// out of the site unless told to build drafts.
	IncludeDrafts bool
	// Cache, when set, keeps converted bodies between builds
	// (convcache); nil converts every article every time.
	Cache *convcache.Cache

	// links gives the pages of the articles in the output by their
	// permalinks; writers fill it after the first pass (see
	// internalLinks).
	links *linkTable
	// noDrafts is set by the writers without a notion of drafts of their
	// own, unless IncludeDrafts; walk then skips drafts.
	noDrafts bool
}

// isDraft tells the articles of the draft box: never published, so no
// output may present them as published.
func isDraft(a *archive.Article) bool { return a.Source == archive.Drafts }

// RemovedPolicy says how outputs treat an article that WeChat no longer
// lists (or marks deleted): it stays in the archive either way.
type RemovedPolicy string

// The policies of --removed.
const (
	RemovedKeep RemovedPolicy = "keep" // show it like any other
	RemovedMark RemovedPolicy = "mark" // show it, marked as removed (the default)
	RemovedDrop RemovedPolicy = "drop" // leave it out
)

// Filter selects articles for a partial export. Zero fields match all.
type Filter struct {
	Since, Until time.Time // by Article.Date(); Until is exclusive
	Author       string    // exact author name
	TitleMatch   *regexp.Regexp
}

// Match reports whether the filter keeps a.
func (f *Filter) Match(a *archive.Article) bool {
	if f == nil {
		return true
	}
	d := a.Date()
	switch {
	case !f.Since.IsZero() && d.Before(f.Since):
		return false
	case !f.Until.IsZero() && !d.Before(f.Until):
		return false
	case f.Author != "" && strings.TrimSpace(a.Author) != f.Author:
		return false
	case f.TitleMatch != nil && !f.TitleMatch.MatchString(a.Title):
		return false
	}
	return true
}

// factories maps a --format name to its writer. Each writer registers
// itself from its own file, so formats can be added without touching a
// shared switch.
var factories = map[string]func(dir string, opts Options) Writer{}

// register makes a format available to New; called from init functions.
func register(name string, newWriter func(dir string, opts Options) Writer) {
	if _, dup := factories[name]; dup {
		panic("output: format " + name + " registered twice")
	}
	factories[name] = newWriter
}

// New returns the writer of a format, writing into dir.
func New(format, dir string, opts Options) (Writer, error) {
	f, ok := factories[format]
	if !ok {
		return nil, fmt.Errorf("unknown format %q (known: %s)", format, strings.Join(Formats(), ", "))
	}
	return f(dir, opts), nil
}

// Formats lists the known format names, sorted.
func Formats() []string {
	names := make([]string, 0, len(factories))
	for n := range factories {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func init() {
	register("hugo", func(dir string, opts Options) Writer { return NewHugo(dir, opts) })
}
