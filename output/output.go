// Package output writes what the archive holds into the forms people read:
// a Hugo site's content tree now, a self-contained site and plain Markdown
// later. Writers read only the archive, never the network, and the same
// archive always gives byte-identical files.
package output

import (
	"context"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/render"
)

// Writer builds one output from an archive.
type Writer interface {
	Write(ctx context.Context, a *archive.Archive) (*Result, error)
}

// Progress reports how many of total articles are done. Writers call it from
// one goroutine at a time, in increasing order of done.
type Progress func(done, total int)

// Converter turns an article body into Markdown. *render.Converter is the
// one used unless a test or a caller supplies another.
type Converter interface {
	Convert(html string, opts render.Options) (string, error)
}

var _ Converter = (*render.Converter)(nil)

// Result tells what a Write did. Lists are in the archive's walk order.
type Result struct {
	Articles  int // articles in the archive
	Written   int // articles whose page was created or changed
	Unchanged int // articles whose page already held exactly this content
	// ImagesCopied counts image files written into the output; files that
	// were already there are not counted.
	ImagesCopied int
	// Missing lists, per article, the images the archive does not hold (a
	// download that failed); the pages link them remotely instead.
	Missing []MissingImages
	// Failed lists the articles that could not be written. The others were.
	Failed []ArticleError
}

// MissingImages names the images of one article that the archive lacks.
type MissingImages struct {
	Article string   // Article.Key()
	Images  []string // media keys (URLs), in the order the article shows them
}

// ArticleError is the failure of one article.
type ArticleError struct {
	Article string // Article.Key()
	Err     error
}

func (e ArticleError) Error() string { return e.Article + ": " + e.Err.Error() }

func (e ArticleError) Unwrap() error { return e.Err }
