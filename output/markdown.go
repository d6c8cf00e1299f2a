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

// MarkdownIndex is the listing's file name inside the folder, the one
// themes/markdown/index.md.tmpl writes.
const MarkdownIndex = "index.md"

// Write writes or updates the pages, then the index, from the template of
// themes/markdown (or --theme-dir's), which is parsed first so that a
// broken one stops the run before it writes anything. A cancelled or
// aborted run leaves the previous index in place, since a listing of half
// the articles would hide the rest.
func (w *MarkdownWriter) Write(ctx context.Context, a *archive.Archive) (*Result, error) {
	res := &Result{}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	theme, err := parseTheme("markdown", w.opts.ThemeDir)
	if err != nil {
		return res, fmt.Errorf("markdown: %w", err)
	}
	posts, err := writePosts(ctx, a, w.dir, w.opts, "markdown", markdownLayout{}, res)
	if err != nil {
		return res, err
	}
	files, err := theme.execute(markdownIndex(w.opts, posts))
	if err == nil {
		for _, f := range files {
			if _, err = writeOut(w.dir, f.path, []byte(f.content)); err != nil {
				break
			}
		}
	}
	if err != nil {
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

// markdownIndexView is what themes/markdown/index.md.tmpl is executed
// with. Every text is already literal Markdown (markdownText), so a
// template that prints it as it is cannot turn a title into a link or HTML.
type markdownIndexView struct {
	Title string // the site's title
	Posts []markdownIndexPost
}

type markdownIndexPost struct {
	Day    string // its Beijing date, "" when undated
	Title  string // "（无标题）" when it has none
	Author string
	Link   string // its page's file, escaped for a link
	Gone   bool   // removed from WeChat (--removed mark)
	Draft  bool
}

// markdownIndex lists the articles newest first; articles of the same time
// keep the archive's order. Articles whose page failed are left out: the
// link would lead nowhere on a first run.
func markdownIndex(opts Options, posts []postInfo) markdownIndexView {
	list := slices.Clone(posts)
	list = slices.DeleteFunc(list, func(p postInfo) bool { return p.Failed })
	slices.SortStableFunc(list, func(x, y postInfo) int { return y.Date.Compare(x.Date) })

	view := markdownIndexView{Title: markdownText(opts.SiteTitle)}
	for _, p := range list {
		title := markdownText(p.Title)
		if title == "" {
			title = "（无标题）"
		}
		view.Posts = append(view.Posts, markdownIndexPost{
			Day:    beijingDay(p.Date),
			Title:  title,
			Author: markdownText(p.Author),
			Link:   linkPath(markdownPageName(p.Slug) + ".md"),
			Gone:   p.Gone,
			Draft:  p.Draft,
		})
	}
	return view
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
