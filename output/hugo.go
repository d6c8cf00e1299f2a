package output

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/render"
)

// HugoWriter writes the archive as the content of a Hugo site: one page
// bundle per article,
//
//	DIR/content/posts/<slug>/index.md        front matter + Markdown body
//	DIR/content/posts/<slug>/<hash12><ext>   its images, cover included
//	DIR/.mparchive/slugs.json                article key → slug, kept stable
//
// plus, in a folder without a Hugo config, a hugo.toml and layouts that make
// `hugo --source DIR` build a browsable site.
type HugoWriter struct {
	dir  string
	opts Options
}

var _ Writer = (*HugoWriter)(nil)

// NewHugo returns a writer into the Hugo site folder dir.
func NewHugo(dir string, opts Options) *HugoWriter {
	if opts.Converter == nil {
		opts.Converter = render.New()
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.SiteTitle == "" {
		opts.SiteTitle = "公众号存档"
	}
	return &HugoWriter{dir: dir, opts: opts}
}

// PostsDir is the folder, relative to the site, that holds the page bundles.
const PostsDir = "content/posts"

// Write builds or updates the site from the archive. Articles are converted
// in parallel, but every file's content depends only on the archive and the
// slug table, so runs are byte-identical and a run with nothing new writes
// nothing. A failing article is recorded in the Result and the rest go on;
// the error return is for failures that stop the whole build (an unreadable
// archive, an unwritable folder, a cancelled ctx), and comes with the
// Result of what was done until then.
func (w *HugoWriter) Write(ctx context.Context, a *archive.Archive) (*Result, error) {
	res := &Result{}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if err := w.writeSkeleton(); err != nil {
		return res, fmt.Errorf("hugo: %w", err)
	}

	// First pass: slugs need the whole list (collisions are resolved in
	// walk order), but not the bodies, which are dropped as Walk goes on.
	var reqs []slugRequest
	err := walk(a, w.opts, func(art *archive.Article) error {
		reqs = append(reqs, newSlugRequest(art))
		return ctx.Err()
	})
	if err != nil {
		return res, err
	}
	known, err := loadSlugMap(w.dir)
	if err != nil {
		return res, fmt.Errorf("hugo: %w", err)
	}
	slugs := assignSlugs(reqs, known)
	// Saved before any page, so that a run killed half-way resumes with the
	// same slugs instead of handing them out again.
	if err := saveSlugMap(w.dir, known); err != nil {
		return res, fmt.Errorf("hugo: %w", err)
	}
	res.Articles = len(reqs)

	return res, w.writeArticles(ctx, a, slugs, res)
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
	err     error
}

// writeArticles runs the second pass: one goroutine walks the archive,
// Workers goroutines convert and write, and this one collects the results
// so that Progress is called from a single goroutine and the Result lists
// come out in walk order.
func (w *HugoWriter) writeArticles(ctx context.Context, a *archive.Archive, slugs map[string]string, res *Result) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// A small buffer keeps the workers fed while bounding how many bodies
	// are in memory at once.
	jobs := make(chan articleJob, w.opts.Workers)
	results := make(chan articleResult, w.opts.Workers)

	var walkErr error
	go func() {
		defer close(jobs)
		seq := 0
		walkErr = walk(a, w.opts, func(art *archive.Article) error {
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
	for range w.opts.Workers {
		wg.Go(func() {
			for job := range jobs {
				results <- w.writeArticle(a, &job.art, slugs, job.seq)
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
		if w.opts.Progress != nil {
			w.opts.Progress(len(done), res.Articles)
		}
	}
	// results is closed only after jobs was, so the walk has returned.

	slices.SortFunc(done, func(x, y articleResult) int { return x.seq - y.seq })
	for _, r := range done {
		if r.err != nil {
			res.Failed = append(res.Failed, ArticleError{Article: r.key, Err: r.err})
		} else if r.changed {
			res.Written++
		} else {
			res.Unchanged++
		}
		res.ImagesCopied += r.copied
		if len(r.missing) > 0 {
			res.Missing = append(res.Missing, MissingImages{Article: r.key, Images: r.missing})
		}
	}
	if walkErr != nil {
		return walkErr
	}
	return ctx.Err()
}

// writeArticle writes one page bundle: images first, then index.md, so that
// a page never names a file that is not there yet.
func (w *HugoWriter) writeArticle(a *archive.Archive, art *archive.Article, slugs map[string]string, seq int) articleResult {
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
	bundle := filepath.Join(w.dir, filepath.FromSlash(PostsDir), slug)

	imgs := planImages(a, art)
	md, err := w.opts.Converter.Convert(art.Content, render.Options{ImageURL: imgs.localURL})
	if err != nil {
		r.err = fmt.Errorf("convert: %w", err)
		return r
	}
	r.missing = imgs.missingKeys()

	fm := NewFrontMatter(art)
	fm.Cover, fm.Images = imgs.coverAndImages(art)
	head, err := fm.Marshal()
	if err != nil {
		r.err = fmt.Errorf("front matter: %w", err)
		return r
	}
	page := make([]byte, 0, len(head)+len(md)+2)
	page = append(page, head...)
	if body := strings.TrimSpace(md); body != "" {
		page = append(page, '\n')
		page = append(page, body...)
		page = append(page, '\n')
	}

	for _, f := range imgs.sortedFiles() {
		copied, err := copyMedia(a, f.entry, filepath.Join(bundle, f.name))
		if err != nil {
			r.err = fmt.Errorf("image %s: %w", f.name, err)
			return r
		}
		if copied {
			r.copied++
		}
	}
	r.changed, r.err = archive.WriteFileAtomic(filepath.Join(bundle, "index.md"), page)
	return r
}

// copyMedia copies a stored image into a bundle unless it is there already.
// The file name carries the content hash, so an existing file of the right
// size is taken to be the same image without reading it twice.
func copyMedia(a *archive.Archive, e archive.MediaEntry, dest string) (bool, error) {
	if st, err := os.Stat(dest); err == nil && st.Mode().IsRegular() && st.Size() == e.Size {
		return false, nil
	}
	data, err := os.ReadFile(a.MediaPath(e))
	if err != nil {
		return false, err
	}
	return archive.WriteFileAtomic(dest, data)
}
