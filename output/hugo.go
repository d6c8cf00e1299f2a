package output

import (
	"context"
	"fmt"

	"github.com/mparchive/mparchive/archive"
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
	return &HugoWriter{dir: dir, opts: withDefaults(opts)}
}

// PostsDir is the folder, relative to the site, that holds the page bundles.
const PostsDir = "content/posts"

// Write builds or updates the site from the archive; see writePosts for
// what is written when, and what a failure leaves.
func (w *HugoWriter) Write(ctx context.Context, a *archive.Archive) (*Result, error) {
	res := &Result{}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if err := w.writeSkeleton(); err != nil {
		return res, fmt.Errorf("hugo: %w", err)
	}
	_, err := writePosts(ctx, a, w.dir, w.opts, "hugo", hugoLayout{}, res)
	return res, err
}

// hugoLayout puts each article into a page bundle: index.md beside its
// images, which it links by bare file name.
type hugoLayout struct{}

func (hugoLayout) paths(_ *archive.Article, slug string) (string, string) {
	return PostsDir + "/" + slug + "/index.md", PostsDir + "/" + slug
}

func (hugoLayout) imageLink(_ *archive.Article, _, name string) string { return name }

func (hugoLayout) page(art *archive.Article, _ string, imgs pageImages, body string) ([]byte, error) {
	fm := NewFrontMatter(art)
	fm.Cover, fm.Images = imgs.Cover, imgs.Images
	head, err := fm.Marshal()
	if err != nil {
		return nil, err
	}
	return joinPage(head, body), nil
}
