package output

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
	// walk order), but not the bodies, which are dropped as Walk goes on.
	var reqs []slugRequest
	var posts []postInfo
	var metas []archive.Article
	err := walk(a, opts, func(art *archive.Article) error {
		req := newSlugRequest(art)
		req.free = freeIn(dir, l, art)
		reqs = append(reqs, req)
		meta := *art
		meta.Content = ""
		metas = append(metas, meta)
		posts = append(posts, postInfo{Key: art.Key(), Title: art.Title, Author: art.Author, Date: art.Date(), Gone: art.Deleted || art.Removed != nil, Draft: isDraft(art)})
		return ctx.Err()
	})
	if err != nil {
		return nil, err
	}
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
	opts.links = internalLinks(metas, slugs, l)

	failed, images, err := writeArticles(ctx, a, dir, opts, l, slugs, res)
	for i := range posts {
		posts[i].Failed = failed[posts[i].Key]
	}
	if err != nil {
		return posts, err
	}
	// Only after a complete pass: a page that failed this time keeps its
	// old files, and articles not selected lose theirs.
	selected := make(map[string]bool, len(posts))
	for _, p := range posts {
		selected[p.Key] = true
	}
	if err := prunePosts(ctx, a, dir, l, known, selected, failed, images); err != nil {
		return posts, fmt.Errorf("%s: removing pages no longer selected: %w", format, err)
	}
	return posts, nil
}

type articleJob struct {
	seq int
	art archive.Article
}

type articleResult struct {
	seq     int
	key     string
	changed bool
	copied  int
	missing []string
	images  []string // file names in its media folder
	err     error
}

// writeArticles runs the second pass: one goroutine walks the archive,
// Workers goroutines convert and write, and this one collects the results
// so that Progress is called from a single goroutine and the Result lists
// come out in walk order. It returns the keys of the articles that failed
// or were never reached.
func writeArticles(ctx context.Context, a *archive.Archive, dir string, opts Options, l postLayout, slugs map[string]string, res *Result) (notWritten map[string]bool, images map[string]map[string]bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// A small buffer keeps the workers fed while bounding how many bodies
	// are in memory at once.
	jobs := make(chan articleJob, opts.Workers)
	results := make(chan articleResult, opts.Workers)

	var walkErr error
	go func() {
		defer close(jobs)
		seq := 0
		walkErr = walk(a, opts, func(art *archive.Article) error {
			select {
			case jobs <- articleJob{seq: seq, art: *art}:
				seq++
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()

	var wg sync.WaitGroup
	for range opts.Workers {
		wg.Go(func() {
			for job := range jobs {
				results <- writeArticle(a, dir, opts, l, &job.art, slugs, job.seq)
			}
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	var done []articleResult
	for r := range results {
		done = append(done, r)
		if opts.Progress != nil {
			opts.Progress(len(done), res.Articles)
		}
	}
	// results is closed only after jobs was, so the walk has returned.

	notWritten = make(map[string]bool, len(slugs))
	for k := range slugs {
		notWritten[k] = true
	}
	images = make(map[string]map[string]bool, len(done))
	slices.SortFunc(done, func(x, y articleResult) int { return x.seq - y.seq })
	for _, r := range done {
		if r.err != nil {
			res.Failed = append(res.Failed, ArticleError{Article: r.key, Err: r.err})
		} else {
			delete(notWritten, r.key)
			names := make(map[string]bool, len(r.images))
			for _, n := range r.images {
				names[n] = true
			}
			images[r.key] = names
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
	if walkErr != nil {
		return notWritten, images, walkErr
	}
	return notWritten, images, ctx.Err()
}

// writeArticle writes one page and its images: images first, so that a
// page never names a file that is not there yet.
func writeArticle(a *archive.Archive, dir string, opts Options, l postLayout, art *archive.Article, slugs map[string]string, seq int) articleResult {
	r := articleResult{seq: seq, key: art.Key()}
	slug, ok := slugs[r.key]
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
	pagePath, mediaDir := l.paths(art, slug)
	link := func(name string) string { return l.imageLink(art, slug, name) }

	imgs := planImages(a, art)
	local := func(remote string) string {
		if name := imgs.localURL(remote); name != "" {
			return link(name)
		}
		return ""
	}
	content := art.Content
	if bs, ok := l.(bodySource); ok {
		content = bs.body(art)
	}
	md, err := opts.Converter.Convert(content, render.Options{
		ImageURL: local,
		MediaURL: local,
		LinkURL:  bodyLink(opts.links),
	})
	if err != nil {
		r.err = fmt.Errorf("convert: %w", err)
		return r
	}
	md = neutralizeLinks(md)
	r.missing = imgs.missingKeys()

	pi := pageImages{local: imgs.localURL}
	pi.Cover, pi.Images = imgs.coverAndImages(art)
	page, err := l.page(art, slug, pi, strings.TrimSpace(md))
	if err != nil {
		r.err = fmt.Errorf("front matter: %w", err)
		return r
	}

	for _, f := range imgs.sortedFiles() {
		r.images = append(r.images, f.name)
		copied, err := copyMedia(a, f.entry, dir, mediaDir+"/"+f.name)
		if err != nil {
			r.err = fmt.Errorf("image %s: %w", f.name, err)
			return r
		}
		if copied {
			r.copied++
		}
	}
	r.changed, r.err = writeOut(dir, pagePath, page)
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

// copyMedia copies a stored image to root/rel unless it is there already.
// The file name carries the content hash, so an existing file of the right
// size is taken to be the same image without reading it twice; an SVG,
// published sanitized (publishedBytes), is compared by content.
//
// It writes the file in place rather than through a temp file and a rename:
// the name already says what the content must be, so a copy cut short by a
// crash has the wrong size and is simply copied again, and creating and
// renaming a temp file per image made first builds twice as slow. Nothing
// is written through a link (checkOutPath).
func copyMedia(a *archive.Archive, e archive.MediaEntry, root, rel string) (bool, error) {
	dest, err := checkOutPath(root, rel)
	if err != nil {
		return false, err
	}
	sanitized := strings.HasSuffix(rel, svgExt)
	if st, err := os.Lstat(dest); err == nil && st.Mode().IsRegular() && st.Size() == e.Size && !sanitized {
		return false, nil
	}
	data, err := os.ReadFile(a.MediaPath(e))
	if err != nil {
		return false, err
	}
	if clean := publishedBytes(rel, data); clean != nil {
		data = clean
		if old, err := os.ReadFile(dest); err == nil && bytes.Equal(old, data) {
			return false, nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return false, err
	}
	if err := os.WriteFile(dest, data, 0o644); err != nil {
		return false, err
	}
	return true, nil
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
