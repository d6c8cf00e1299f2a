package output

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/render"
)

// postLayout is what differs between the writers that turn every article
// into one Markdown page plus a folder of its images (Hugo, Hexo, Jekyll,
// Zola, plain Markdown). writePosts does the rest the same way for all of
// them: filtering, stable slugs, parallel conversion, image copying, atomic
// writes and the Result.
type postLayout interface {
	// paths gives, relative to the output folder and slash-separated, the
	// page file of the article with this slug and the folder its images go
	// into.
	paths(art *archive.Article, slug string) (page, media string)
	// imageLink is how the page refers to the image file name in its
	// media folder.
	imageLink(art *archive.Article, slug, name string) string
	// page renders the whole file from the article, its converted body
	// (trimmed, possibly empty) and its images.
	page(art *archive.Article, slug string, imgs pageImages, body string) ([]byte, error)
}

// pageImages are the images of one page as file names in its media folder,
// except a cover the archive lacks, which is its remote URL.
type pageImages struct {
	Cover  string   // "" when the article has none
	Images []string // the cover first, then the body's stored images
	// local gives the file name of any image of the article, "" when
	// the archive lacks it (imagePlan.localURL).
	local func(key string) string
}

// bodySource is implemented by layouts that show a part of some articles
// apart from the body, as the site shows a picture post's pictures as a
// gallery: body is the HTML to convert in place of Content.
type bodySource interface {
	body(art *archive.Article) string
}

// link maps an image to what the page writes: stored files through the
// layout's imageLink, remote URLs as they are.
func (p pageImages) link(f func(name string) string) pageImages {
	out := pageImages{Cover: p.Cover}
	if p.Cover != "" && !isRemoteURL(p.Cover) {
		out.Cover = f(p.Cover)
	}
	for _, name := range p.Images {
		if !isRemoteURL(name) {
			name = f(name)
		}
		out.Images = append(out.Images, name)
	}
	return out
}

// postInfo is what a writer may need of every selected article after the
// pages are written, e.g. for an index page: far less than the article.
type postInfo struct {
	Key    string
	Slug   string
	Title  string
	Author string
	Date   time.Time
	Gone   bool // deleted or no longer listed upstream, and --removed mark
	Draft  bool // of the draft box
	Failed bool // its page could not be written this run
}

// withDefaults fills the options every writer needs.
func withDefaults(opts Options) Options {
	if opts.Converter == nil {
		opts.Converter = render.New()
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.SiteTitle == "" {
		opts.SiteTitle = defaultSiteTitle
	}
	return opts
}

// writePosts writes the pages of the archive's selected articles into dir
// in the given layout. Articles are converted in parallel, but every file's
// content depends only on the archive and the slug table, so runs are
// byte-identical and a run with nothing new writes nothing. A failing
// article is recorded in the Result and the rest go on; the error return is
// for failures that stop the whole build (an unreadable archive, an
// unwritable folder, a cancelled ctx), and comes with the Result of what
// was done until then. The returned posts are in walk order; format
// names the writer in errors.
func writePosts(ctx context.Context, a *archive.Archive, dir string, opts Options, format string, l postLayout, res *Result) ([]postInfo, error) {
	// First pass: slugs need the whole list (collisions are resolved in
	// walk order), but not the bodies, which the catalog does not keep.
	cat, err := loadCatalog(ctx, a, l, opts.Workers, opts.Cache)
	if err != nil {
		return nil, err
	}
	if err := cat.selectArticles(opts); err != nil {
		return nil, err
	}
	reqs := make([]slugRequest, 0, len(cat.sel))
	posts := make([]postInfo, 0, len(cat.sel))
	for _, i := range cat.sel {
		meta := cat.arts[i].meta()
		art := &meta
		req := newSlugRequest(art)
		req.free = freeIn(dir, l, art)
		reqs = append(reqs, req)
		posts = append(posts, postInfo{Key: req.Key, Title: art.Title, Author: art.Author, Date: art.Date(), Gone: art.Deleted || art.Removed != nil, Draft: isDraft(art)})
	}
	folders := startMediaRecord(opts.Cache, dir, format)
	known, err := loadSlugMap(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", format, err)
	}
	slugs := assignSlugs(reqs, known)
	// Saved before any page, so that a run killed half-way resumes with the
	// same slugs instead of handing them out again.
	if err := saveSlugMap(dir, known); err != nil {
		return nil, fmt.Errorf("%s: %w", format, err)
	}
	res.Articles = len(reqs)
	for i := range posts {
		posts[i].Slug = slugs[posts[i].Key]
	}
	opts.links = internalLinks(cat, slugs, l)

	failed, done, err := writeArticles(ctx, cat, dir, opts, l, format, slugs, res)
	for i := range posts {
		posts[i].Failed = failed[posts[i].Key]
	}
	if err != nil {
		return posts, err
	}
	// Only after a complete pass: a page that failed this time keeps its
	// old files, and articles not selected lose theirs.
	if err := prunePosts(ctx, cat, dir, l, known, failed, done, folders); err != nil {
		return posts, fmt.Errorf("%s: removing pages no longer selected: %w", format, err)
	}
	folders.finish(done, failed)
	return posts, nil
}

type articleResult struct {
	seq     int
	key     string
	changed bool
	copied  int
	missing []string
	images  []string // file names in its media folder, sorted
	// fresh is set when its media folder did not exist before: it then
	// holds nothing but what this run put there.
	fresh bool
	err   error
}

// articleSpan is a run of selected articles (positions in catalog.sel)
// that one item holds: a worker reads that item at most once.
type articleSpan struct{ start, end int }

// writeArticles runs the second pass: one goroutine hands out the selected
// articles item by item, Workers goroutines convert and write, and this one
// collects the results so that Progress is called from a single goroutine
// and the Result lists come out in walk order. It returns the keys of the
// articles that failed or were never reached, and what the others wrote.
func writeArticles(ctx context.Context, cat *catalog, dir string, opts Options, l postLayout, format string, slugs map[string]string, res *Result) (notWritten map[string]bool, done map[string]writtenArticle, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// A small buffer keeps the workers fed while bounding how many bodies
	// are in memory at once.
	jobs := make(chan articleSpan, opts.Workers)
	results := make(chan articleResult, opts.Workers)

	go func() {
		defer close(jobs)
		for start := 0; start < len(cat.sel); {
			end := start + 1
			for end < len(cat.sel) && cat.arts[cat.sel[end]].item == cat.arts[cat.sel[start]].item {
				end++
			}
			select {
			case jobs <- articleSpan{start, end}:
			case <-ctx.Done():
				return
			}
			start = end
		}
	}()

	w := &articleWriter{cat: cat, dir: dir, l: l, slugs: slugs, conv: newConverter(cat.a, opts, l, format), stage: openStage(dir, format)}
	var wg sync.WaitGroup
	for range opts.Workers {
		wg.Go(func() {
			for span := range jobs {
				var (
					arts   []archive.Article
					loaded bool
					err    error
				)
				load := func() ([]archive.Article, error) {
					if !loaded {
						arts, err = cat.bodies(cat.arts[cat.sel[span.start]].item)
						loaded = true
					}
					return arts, err
				}
				for pos := span.start; pos < span.end; pos++ {
					if ctx.Err() != nil {
						return
					}
					results <- w.write(cat.sel[pos], pos, load)
				}
			}
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	var all []articleResult
	for r := range results {
		all = append(all, r)
		if opts.Progress != nil {
			opts.Progress(len(all), res.Articles)
		}
	}

	notWritten = make(map[string]bool, len(slugs))
	for k := range slugs {
		notWritten[k] = true
	}
	done = make(map[string]writtenArticle, len(all))
	slices.SortFunc(all, func(x, y articleResult) int { return x.seq - y.seq })
	for _, r := range all {
		if r.err != nil {
			res.Failed = append(res.Failed, ArticleError{Article: r.key, Err: r.err})
		} else {
			delete(notWritten, r.key)
			done[r.key] = writtenArticle{images: r.images, fresh: r.fresh}
			if r.changed {
				res.Written++
			} else {
				res.Unchanged++
			}
		}
		res.ImagesCopied += r.copied
		if len(r.missing) > 0 {
			res.Missing = append(res.Missing, MissingImages{Article: r.key, Images: r.missing})
		}
	}
	return notWritten, done, ctx.Err()
}

// writtenArticle is what prunePosts needs to know of a written article.
type writtenArticle struct {
	images []string // its files in its media folder, sorted
	fresh  bool     // the folder is new: nothing else is in it
}

// articleWriter writes one article at a time; workers share one.
type articleWriter struct {
	cat   *catalog
	dir   string
	l     postLayout
	slugs map[string]string
	conv  *converter
	stage *stageArea // nil unless an export staged folders (place_stage.go)
}

// write writes the page and images of catalog article ci, seq-th of the
// selection: images first, so that a page never names a file that is not
// there yet. load gives the articles of its item, bodies included, for
// when the cache does not hold its conversion.
func (w *articleWriter) write(ci, seq int, load func() ([]archive.Article, error)) articleResult {
	ca := &w.cat.arts[ci]
	art := ca.meta()
	r := articleResult{seq: seq, key: art.Key()}
	slug, ok := w.slugs[r.key]
	if !ok {
		r.err = errors.New("article appeared in the archive during the build; run the build again")
		return r
	}
	if !ValidSlug(slug) {
		// assignSlugs only hands out valid slugs; this guards the one
		// place where a slug becomes a path.
		r.err = fmt.Errorf("unsafe slug %q", slug)
		return r
	}
	pagePath, mediaDir := w.l.paths(&art, slug)
	link := func(name string) string { return w.l.imageLink(&art, slug, name) }

	imgs, body, hit := w.conv.cached(&art, ca, link)
	if !hit {
		arts, err := load()
		if err != nil {
			r.err = err
			return r
		}
		full, err := w.cat.withBody(ci, arts)
		if err != nil {
			r.err = err
			return r
		}
		if imgs, body, err = w.conv.convert(&full, ca, link); err != nil {
			r.err = err
			return r
		}
	}
	r.missing = imgs.missingKeys()

	pi := pageImages{local: imgs.localURL}
	pi.Cover, pi.Images = imgs.coverAndImages(&art)

	// The folder is checked once, then each image only for itself.
	folder, err := checkOutPath(w.dir, mediaDir)
	if err != nil {
		r.err = err
		return r
	}
	_, err = os.Lstat(folder)
	r.fresh = errors.Is(err, fs.ErrNotExist)
	files := imgs.sortedFiles()
	// A staged folder (place_stage.go) saves placing the images, and
	// rendering and writing the page where it holds the page too.
	_, pageStaged := stagedPage(w.l)
	pageIn := pageInput{program: w.conv.program, art: &art, imgs: pi, body: body.md}
	if r.fresh && pageStaged && w.stage.take(w.l, r.key, folder, mediaDir, pagePath, files, pageIn) {
		for _, f := range files {
			r.images = append(r.images, f.name)
		}
		r.copied, r.changed = len(files), true
		return r
	}

	var page []byte
	if hl, ok := w.l.(htmlLayout); ok {
		page, err = hl.htmlPage(&art, slug, pi, body)
	} else {
		page, err = w.l.page(&art, slug, pi, body.md)
	}
	if err != nil {
		r.err = fmt.Errorf("front matter: %w", err)
		return r
	}
	if r.fresh && !pageStaged && w.stage.take(w.l, r.key, folder, mediaDir, pagePath, files, pageIn) {
		for _, f := range files {
			r.images = append(r.images, f.name)
		}
		r.copied = len(files)
		r.changed, r.err = writeOut(w.dir, pagePath, page)
		return r
	}
	way := wayFor(w.cat.a.Dir(), w.dir)
	for _, f := range files {
		r.images = append(r.images, f.name)
		copied, err := placeMedia(way, w.cat.a, f.entry, folder, f.name)
		if err != nil {
			r.err = fmt.Errorf("image %s: %w", f.name, err)
			return r
		}
		if copied {
			r.copied++
		}
	}
	if pp, ok := w.l.(pagePutter); ok {
		r.changed, r.err = pp.putPage(&art, pagePath, page)
	} else {
		r.changed, r.err = writeOut(w.dir, pagePath, page)
	}
	return r
}

// joinPage puts front matter and body together the way every format wants
// them: one blank line between, one newline at the end, nothing after the
// front matter when the body is empty.
func joinPage(head []byte, body string) []byte {
	page := make([]byte, 0, len(head)+len(body)+2)
	page = append(page, head...)
	if body != "" {
		page = append(page, '\n')
		page = append(page, body...)
		page = append(page, '\n')
	}
	return page
}

// linkPath escapes a relative, slash-separated path for a Markdown or HTML
// link: the ASCII characters that would end the link or start a query,
// fragment or escape are percent-encoded, letters of other scripts are kept
// so that links stay readable in the source and every viewer still follows
// them.
func linkPath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c >= 0x80, 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("-._~/!$&'*+,;=:@", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// beijingDay is the date prefix slugs and file names use.
func beijingDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(archive.ChinaTime).Format("2006-01-02")
}

// validText returns a copy of the article whose front matter strings are
// valid UTF-8: YAML encoders write anything else as !!binary, which
// generators read as bytes, not as the title.
func validText(art *archive.Article) *archive.Article {
	c := *art
	for _, s := range []*string{&c.Title, &c.Author, &c.Digest, &c.ContentSourceURL, &c.URL, &c.ItemID} {
		*s = strings.ToValidUTF8(*s, "\uFFFD")
	}
	return &c
}
