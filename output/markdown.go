package output

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mparchive/mparchive/archive"
)

// MarkdownWriter writes the archive as plain Markdown files that read well
// on GitHub, in an editor's preview or any Markdown viewer, without a site
// generator:
//
//	DIR/index.md                 the articles, newest first, linked
//	DIR/<slug>.md                front matter (as the Hugo one) + body
//	DIR/<slug>/<hash12><ext>     its images, linked as <slug>/<file>
//	DIR/.mparchive/slugs.json    article key → slug, kept stable
//
// Images sit in a folder named like the page rather than in one shared
// folder, so that deleting or moving an article's file and folder takes
// everything of it along; links are relative, so the folder can be moved,
// zipped or pushed as it is.
type MarkdownWriter struct {
	dir  string
	opts Options
}

var _ Writer = (*MarkdownWriter)(nil)

// NewMarkdown returns a writer into the folder dir.
func NewMarkdown(dir string, opts Options) *MarkdownWriter {
	opts = withDefaults(opts)
	// Plain Markdown has no generator that would leave drafts out.
	opts.noDrafts = !opts.IncludeDrafts
	return &MarkdownWriter{dir: dir, opts: opts}
}

func init() {
	register("markdown", func(dir string, opts Options) Writer { return NewMarkdown(dir, opts) })
}

// MarkdownIndex is the listing's file name inside the folder.
const MarkdownIndex = "index.md"

// Write writes or updates the pages, then the index. A cancelled or
// aborted run leaves the previous index in place, since a listing of half
// the articles would hide the rest.
func (w *MarkdownWriter) Write(ctx context.Context, a *archive.Archive) (*Result, error) {
	res := &Result{}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	posts, err := writePosts(ctx, a, w.dir, w.opts, "markdown", markdownLayout{}, res)
	if err != nil {
		return res, err
	}
	if _, err := writeOut(w.dir, MarkdownIndex, markdownIndex(w.opts, posts)); err != nil {
		return res, fmt.Errorf("markdown: %w", err)
	}
	return res, nil
}

type markdownLayout struct{}

// markdownPageName keeps an article whose slug is "index" (an undated
// article so titled) from overwriting the listing.
func markdownPageName(slug string) string {
	if strings.EqualFold(slug, strings.TrimSuffix(MarkdownIndex, ".md")) {
		return slug + "-post"
	}
	return slug
}

func (markdownLayout) paths(_ *archive.Article, slug string) (string, string) {
	return markdownPageName(slug) + ".md", slug
}

func (markdownLayout) imageLink(_ *archive.Article, slug, name string) string {
	return linkPath(slug + "/" + name)
}

func (l markdownLayout) page(art *archive.Article, slug string, imgs pageImages, body string) ([]byte, error) {
	art = validText(art)
	fm := NewFrontMatter(art)
	// Named from the page, as the body names them: editors resolve
	// front matter paths from the file too.
	fm.setPictures(markdownPictures, art.Title, imgs.link(func(name string) string { return l.imageLink(art, slug, name) }))
	head, err := marshalYAMLFrontMatter(fm)
	if err != nil {
		return nil, err
	}
	return joinPage(head, body), nil
}

// markdownIndex lists the articles newest first; articles of the same time
// keep the archive's order. Articles whose page failed are left out: the
// link would lead nowhere on a first run.
func markdownIndex(opts Options, posts []postInfo) []byte {
	list := slices.Clone(posts)
	list = slices.DeleteFunc(list, func(p postInfo) bool { return p.Failed })
	slices.SortStableFunc(list, func(x, y postInfo) int { return y.Date.Compare(x.Date) })

	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", markdownText(opts.SiteTitle))
	if len(list) == 0 {
		b.WriteString("（没有文章）\n")
		return []byte(b.String())
	}
	fmt.Fprintf(&b, "共 %d 篇，从新到旧。\n\n", len(list))
	for _, p := range list {
		b.WriteString("- ")
		if day := beijingDay(p.Date); day != "" {
			b.WriteString(day + " ")
		}
		title := markdownText(p.Title)
		if title == "" {
			title = "（无标题）"
		}
		fmt.Fprintf(&b, "[%s](%s)", title, linkPath(markdownPageName(p.Slug)+".md"))
		if author := markdownText(p.Author); author != "" {
			b.WriteString(" · " + author)
		}
		if p.Gone {
			b.WriteString(" （已从公众号删除）")
		}
		if p.Draft {
			b.WriteString(" （草稿）")
		}
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// markdownText makes s one line of literal Markdown text: whitespace runs,
// line breaks included, become one space, and every character that could
// start emphasis, a link, HTML, a table cell or an entity is
// backslash-escaped.
func markdownText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>&|~#", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
