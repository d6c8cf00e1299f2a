package output

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mparchive/mparchive/archive"
)

// SiteWriter writes the archive as a self-contained static site that needs
// no server, no CDN and no build step:
//
//	DIR/index.html, page/<n>/index.html  newest first, paginated
//	DIR/posts/<slug>/index.html          one article, its images beside it
//	DIR/archive/…                        by year and month
//	DIR/authors/…                        by author
//	DIR/search/index.html + search/…     full-text search in the browser
//	DIR/materials/index.html + files     permanent images, voice, video (when there are any)
//	DIR/assets/…                         the theme's CSS, script and icon
//	DIR/feed.xml, robots.txt
//	DIR/sitemap.xml                      only with Options.BaseURL
//	DIR/.mparchive/slugs.json            article key → slug, kept stable
//
// Every link is relative (and names index.html), so the folder works from
// file:// and under any sub-path; with Options.BaseURL the canonical, Open
// Graph, feed and sitemap addresses are absolute.
type SiteWriter struct {
	dir  string
	opts Options
	// titled is true when Options.SiteTitle was given: otherwise the
	// account's name, when known, is the site's title.
	titled bool
}

var _ Writer = (*SiteWriter)(nil)

func init() {
	register("site", func(dir string, opts Options) Writer { return NewSite(dir, opts) })
}

// NewSite returns a writer into the site folder dir.
func NewSite(dir string, opts Options) *SiteWriter {
	titled := strings.TrimSpace(opts.SiteTitle) != ""
	opts = withDefaults(opts)
	opts.noDrafts = !opts.IncludeDrafts
	if opts.BaseURL != "" && !strings.HasSuffix(opts.BaseURL, "/") {
		opts.BaseURL += "/"
	}
	// Sitemaps, feeds and robots.txt want addresses percent-encoded, the
	// way the site's own paths are appended to it; Write rejects a base
	// that does not parse.
	if u, err := url.Parse(opts.BaseURL); err == nil && opts.BaseURL != "" {
		opts.BaseURL = u.String()
	}
	return &SiteWriter{dir: dir, opts: opts, titled: titled}
}

// sitePerPage is how many articles a page of the home list shows.
const sitePerPage = 20

// siteFeedEntries is how many of the newest articles the feed carries.
const siteFeedEntries = 20

// sitePost is what the site needs of one article beyond its own page.
// The flags come last, together: spread among the other fields, their
// padding took 24 bytes a post (32 of the allocation).
type sitePost struct {
	Key, Slug             string
	Title, Author, Digest string
	Date, Updated         time.Time
	SourceURL             string
	// wechat is the link to the post's WeChat page (siteBuild.wechatURL).
	wechat     spilledString
	AuthorSlug string
	// Account is the name of the post's account, and OtherAccount true
	// when that is not the archive's; see site_kinds.go for the rest.
	Account    string
	Type       archive.PostType
	SharedFrom string // a share's original, an http(s) link
	SharedName string // its account
	// Set by the article's worker.
	Cover string // file name beside the page, or a remote URL
	HTML  []byte // the rendered body, kept for the newest (the feed)
	// Gallery holds a picture post's pictures (site_kinds.go).
	Gallery []galleryItem
	// fp is the fingerprint of its page (siterecord.go) when fpOK, and
	// kept tells that the file on disk was found to be that page.
	fp pageFP

	Removed      bool
	Draft        bool // only with Options.IncludeDrafts
	OtherAccount bool
	Original     bool
	Paid         bool
	Remote       bool // set by the worker: the page shows a remote image
	Failed       bool
	fpOK, kept   bool
}

func (p *sitePost) path() string { return "posts/" + p.Slug + "/" }

// Write builds or updates the site. Articles are converted in parallel;
// every file depends only on the archive, the slug table and the theme, so
// runs are byte-identical and a run with nothing new writes nothing. A
// failing article is recorded in the Result and left out of the lists.
func (w *SiteWriter) Write(ctx context.Context, a *archive.Archive) (*Result, error) {
	res := &Result{}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	theme, err := loadSiteTheme(w.opts.Theme, w.opts.ThemeDir)
	if err != nil {
		return res, fmt.Errorf("site: %w", err)
	}
	if w.opts.BaseURL != "" {
		if u, err := url.Parse(w.opts.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return res, fmt.Errorf("site: --base-url %q is not an http(s) address", w.opts.BaseURL)
		}
	}

	account, err := accountOf(a, w.opts)
	if err != nil {
		return res, err
	}
	w.siteTitle(account)

	// First pass: slugs and the order of the lists need every article,
	// but not the bodies, which the catalog does not keep.
	layout := &siteBuild{w: w}
	cat, err := loadCatalog(ctx, a, layout, w.opts.Workers, w.opts.Cache)
	if err != nil {
		return res, err
	}
	if err := cat.selectArticles(w.opts); err != nil {
		return res, err
	}
	reqs := make([]slugRequest, 0, len(cat.sel))
	posts := make([]*sitePost, 0, len(cat.sel))
	// Authors, accounts and types repeat from post to post, each post's
	// in a copy of its own: the posts keep one of each.
	// The WeChat links are long and only pages read them.
	urls := newMetaSpill()
	names := map[string]string{}
	one := func(s string) string {
		if c, ok := names[s]; ok {
			return c
		}
		names[s] = s
		return s
	}
	// paths reads nothing of the build nor of the article, so a nil one
	// of each answers it: the requests, all alive until the slugs are
	// assigned, must not keep each its article's whole metadata.
	free := freeIn(w.dir, (*siteBuild)(nil), nil)
	for _, i := range cat.sel {
		// The posts outlive the catalog: their strings must not be
		// its.
		meta := cat.arts[i].ownMeta()
		art := &meta
		req := newSlugRequest(art)
		req.free = free
		reqs = append(reqs, req)
		p := &sitePost{
			Key: req.Key, Title: displayTitle(art.Title), Author: one(strings.TrimSpace(art.Author)),
			Digest: strings.TrimSpace(art.Digest), Date: art.Date(), Updated: art.UpdateTime,
			wechat: spillString(urls, wechatURL(art)), SourceURL: sourceURL(art), Removed: isRemoved(art, w.opts),
			Draft:   isDraft(art),
			Account: one(strings.TrimSpace(art.AccountName)), OtherAccount: otherAccount(account, art),
			Original: art.Original, Paid: art.Paid, Type: archive.PostType(one(string(art.Type))),
		}
		if sh := art.Share; sh != nil && isWebLink(sh.URL) {
			p.SharedFrom, p.SharedName = strings.TrimSpace(sh.URL), one(strings.TrimSpace(sh.Account))
		}
		posts = append(posts, p)
	}
	folders := startMediaRecord(w.opts.Cache, w.dir, "site")
	pages := startPageRecord(w.opts.Cache, w.dir)
	known, err := loadSlugMap(w.dir)
	if err != nil {
		return res, fmt.Errorf("site: %w", err)
	}
	slugs := assignSlugs(reqs, known)
	if err := saveSlugMap(w.dir, known); err != nil {
		return res, fmt.Errorf("site: %w", err)
	}
	res.Articles = len(reqs)
	for _, p := range posts {
		p.Slug = slugs[p.Key]
	}
	// Newest first; the key breaks ties so that the order never depends
	// on the walk.
	slices.SortStableFunc(posts, func(x, y *sitePost) int {
		if c := y.Date.Compare(x.Date); c != 0 {
			return c
		}
		return strings.Compare(x.Key, y.Key)
	})
	authorSlugs(posts)
	// Read before the article pages, whose navigation links the
	// materials page only when there is one.
	materials, err := loadMaterials(a, w.opts.Filter)
	if err != nil {
		return res, fmt.Errorf("site: %w", err)
	}

	s := layout
	*s = siteBuild{w: w, theme: theme, posts: posts, byKey: keyOrder(posts), urls: urls, arch: a, materials: materials, account: account, pages: pages}
	if s.search, err = newSearchSpill(len(posts)); err != nil {
		return res, fmt.Errorf("site: %w", err)
	}
	defer s.search.close()
	opts := w.opts
	opts.links = internalLinks(cat, slugs, s)
	failed, done, err := writeArticles(ctx, cat, w.dir, opts, s, "site", slugs, res)
	if err != nil {
		return res, err
	}
	if err := s.urlError(); err != nil {
		return res, fmt.Errorf("site: %w", err)
	}
	// The pages are converted: nothing looks media up until the build
	// ends (the materials were read before).
	a.ReleaseMedia()
	if err := prunePosts(ctx, cat, w.dir, s, known, failed, done, folders); err != nil {
		return res, fmt.Errorf("site: removing pages no longer selected: %w", err)
	}
	folders.finish(done, failed)
	live := posts[:0:0]
	for _, p := range posts {
		p.Failed = failed[p.Key]
		if !p.Failed {
			live = append(live, p)
		}
	}
	s.live = live
	if err := s.writeIndexes(ctx); err != nil {
		return res, fmt.Errorf("site: %w", err)
	}
	if err := s.urlError(); err != nil {
		return res, fmt.Errorf("site: %w", err)
	}
	// Only now that every page is written: a build that stops before
	// leaves no record.
	s.pages.finish()
	return res, nil
}

// keyOrder returns the indexes of posts in the order of their keys: some
// 4 bytes a post where a map from key to index took some 50.
func keyOrder(posts []*sitePost) []int32 {
	order := make([]int32, len(posts))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(x, y int32) int {
		if c := strings.Compare(posts[x].Key, posts[y].Key); c != 0 {
			return c
		}
		return cmp.Compare(x, y)
	})
	return order
}

// indexOf returns the index in s.posts of the post of key.
func (s *siteBuild) indexOf(key string) (int, bool) {
	j, ok := slices.BinarySearchFunc(s.byKey, key, func(i int32, key string) int {
		return strings.Compare(s.posts[i].Key, key)
	})
	if !ok {
		return 0, false
	}
	return int(s.byKey[j]), true
}

func displayTitle(t string) string {
	if t = strings.TrimSpace(t); t == "" {
		return "（无标题）"
	}
	return t
}

// isRemoved tells whether the article shows as removed upstream: walk has
// already dropped it or cleared the marks for the other policies.
func isRemoved(art *archive.Article, opts Options) bool {
	return (art.Deleted || art.Removed != nil) && opts.Removed != RemovedKeep
}

// authorSlugs gives each author a folder name: the letters of the name,
// or a short hash when it has none, made unique in name order.
func authorSlugs(posts []*sitePost) {
	var names []string
	seen := map[string]bool{}
	for _, p := range posts {
		if p.Author != "" && !seen[p.Author] {
			seen[p.Author] = true
			names = append(names, p.Author)
		}
	}
	slices.Sort(names)
	bySlug := map[string]bool{}
	byName := map[string]string{}
	for _, n := range names {
		base := slugWords(n, 40, 120)
		if base == "" || isReservedName(base) {
			sum := sha256.Sum256([]byte(n))
			base = "author-" + hex.EncodeToString(sum[:4])
		}
		s := base
		for i := 2; bySlug[strings.ToLower(s)]; i++ {
			s = base + "-" + strconv.Itoa(i)
		}
		bySlug[strings.ToLower(s)] = true
		byName[n] = s
	}
	for _, p := range posts {
		p.AuthorSlug = byName[p.Author]
	}
}

// siteBuild is one run of the site writer; as the postLayout of
// writeArticles it renders the article pages.
type siteBuild struct {
	w     *SiteWriter
	theme *siteTheme
	posts []*sitePost // every selected article, newest first
	byKey []int32     // indexes in posts, in key order (indexOf)
	live  []*sitePost // posts whose page exists, after the articles pass
	// urls holds the posts' WeChat links (nil: each post holds its own),
	// and urlErr the first that could not be read back.
	urls   *metaSpill
	urlErr atomic.Pointer[error]

	arch      *archive.Archive
	materials []outputMaterial // selected permanent materials, in list order
	account   *archive.Account // the archive's, nil when unknown

	// listPages records the list pages written this run (slash paths), so
	// those of an earlier run that no longer exist (a narrower filter, an
	// author gone) can be removed. The list writers run at once.
	mu        sync.Mutex
	listPages map[string]bool
	// search holds the articles' terms and texts until the index is
	// written.
	search *searchSpill
	// pages is the record of the pages written, nil without a cache.
	pages *pageRecord
}

func (s *siteBuild) paths(_ *archive.Article, slug string) (string, string) {
	return "posts/" + slug + "/index.html", "posts/" + slug
}

func (s *siteBuild) imageLink(_ *archive.Article, _, name string) string { return linkPath(name) }

func (s *siteBuild) absURL(p string) string {
	if s.w.opts.BaseURL == "" {
		return ""
	}
	return s.w.opts.BaseURL + (&url.URL{Path: p}).EscapedPath()
}

// absImage is the Open Graph image of a post, which must be absolute.
func (s *siteBuild) absImage(p *sitePost) string {
	switch {
	case p.Cover == "":
		return ""
	case isRemoteURL(p.Cover):
		return p.Cover
	default:
		return s.absURL(p.path() + p.Cover)
	}
}

// writePage renders a page and writes it to rel (slash-separated), unless
// the file there is that page already (siterecord.go).
func (s *siteBuild) writePage(kind, rel string, v *pageView) error {
	s.mu.Lock()
	if s.listPages == nil {
		s.listPages = map[string]bool{}
	}
	s.listPages[rel] = true
	s.mu.Unlock()
	fp, ok := s.pages.fingerprint(s.theme, kind, rel, v)
	if ok && s.pages.kept(fp, rel) {
		return nil
	}
	page, err := s.theme.render(kind, v)
	if err != nil {
		return err
	}
	if _, err = writeOut(s.w.dir, rel, page); err == nil && ok {
		s.pages.wrote(fp, rel)
	}
	return err
}

// spilledString is a string kept in a metaSpill (n > 0) or held in s.
type spilledString struct {
	off int64
	n   uint32
	s   string
}

func spillString(sp *metaSpill, s string) spilledString {
	if sp != nil && s != "" && len(s) <= math.MaxUint32 {
		if off, ok := sp.put(s); ok {
			return spilledString{off: off, n: uint32(len(s))}
		}
	}
	return spilledString{s: s}
}

// wechatURL returns the link to p's WeChat page. One that cannot be read
// back reads as none, and fails the build (urlError).
func (s *siteBuild) wechatURL(p *sitePost) string {
	if p.wechat.n == 0 {
		return p.wechat.s
	}
	u, err := s.urls.get(p.wechat.off, p.wechat.n)
	if err != nil {
		s.urlErr.CompareAndSwap(nil, &err)
		return ""
	}
	return u
}

func (s *siteBuild) urlError() error {
	if err := s.urlErr.Load(); err != nil {
		return fmt.Errorf("reading back a WeChat link: %w", *err)
	}
	return nil
}
