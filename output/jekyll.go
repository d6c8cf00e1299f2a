package output

import (
	"html"
	"net/url"
	"strings"

	"github.com/mparchive/mparchive/archive"
)

// baseURLPath is the path part of a site address without its trailing
// slash: "" for a site at the root.
func baseURLPath(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.EscapedPath(), "/")
}

// jekyllLayout lays the archive out as the posts of a Jekyll site:
//
//	DIR/_posts/YYYY-MM-DD-<title>.md          Jekyll front matter + body
//	DIR/assets/posts/<slug>/<hash12><ext>     its images, cover included
//	DIR/.mparchive/slugs.json                 article key → slug, kept stable
//
// Jekyll takes a post's date and URL title from its file name, so the file
// is named after the slug, which already starts with the article's
// Beijing-time day. Jekyll does not publish files put beside a post, hence
// the images under assets/. In a folder without a Jekyll config it also
// writes the skeleton of themes/jekyll: a _config.yml, two layouts, the
// stylesheet they link (themes/shared) and a home page listing the posts.
type jekyllLayout struct {
	baseURL string // the site's path, "" at the root
}

func newJekyllLayout(opts Options) postLayout {
	return jekyllLayout{baseURL: baseURLPath(opts.BaseURL)}
}

// jekyllPostName is the post's file name without ".md": the slug when it
// starts with the article's day (always, unless slugs.json was edited),
// the day and the slug otherwise. An undated article gets 1970-01-01, the
// name Jekyll needs to take the file as a post at all.
func jekyllPostName(art *archive.Article, slug string) string {
	day := beijingDay(art.Date())
	if day == "" {
		day = "1970-01-01"
	}
	if strings.HasPrefix(slug, day+"-") {
		return slug
	}
	return day + "-" + slug
}

// paths puts a draft into _drafts/, which Jekyll builds only with
// --drafts.
func (jekyllLayout) paths(art *archive.Article, slug string) (string, string) {
	if isDraft(art) {
		return "_drafts/" + jekyllPostName(art, slug) + ".md", "assets/posts/" + slug
	}
	return "_posts/" + jekyllPostName(art, slug) + ".md", "assets/posts/" + slug
}

// imageLink is absolute from the site's root: a post's URL is
// /YYYY/MM/DD/title/, far from assets/. Liquid's relative_url is not
// used, so that a body is text and nothing else to Liquid (see
// escapeLiquid).
func (l jekyllLayout) imageLink(_ *archive.Article, slug, name string) string {
	return l.baseURL + "/assets/posts/" + linkPath(slug) + "/" + name
}

// jekyllFrontMatter holds the keys Jekyll, jekyll-seo-tag and common themes
// read.
type jekyllFrontMatter struct {
	Layout string `yaml:"layout"`
	Title  string `yaml:"title"`
	// Date is Beijing time with its offset, as Jekyll's docs write it.
	Date           string `yaml:"date,omitempty"`
	LastModifiedAt string `yaml:"last_modified_at,omitempty"`
	Author         string `yaml:"author,omitempty"`
	// Excerpt replaces the post's first paragraph, and themes print it
	// unescaped, as HTML, so the digest goes in escaped; Description is
	// plain text for meta tags.
	Excerpt     string   `yaml:"excerpt,omitempty"`
	Description string   `yaml:"description,omitempty"`
	Image       string   `yaml:"image,omitempty"`
	Images      []string `yaml:"images,omitempty"`
	articleRef  `yaml:",inline"`
	Deleted     bool   `yaml:"deleted,omitempty"`
	Removed     string `yaml:"removed,omitempty"` // see FrontMatter.Removed
}

func (l jekyllLayout) page(art *archive.Article, slug string, imgs pageImages, body string) ([]byte, error) {
	art = validText(art)
	imgs = imgs.link(func(name string) string { return l.imageLink(art, slug, name) })
	fm := jekyllFrontMatter{
		Layout:      "post",
		Title:       art.Title,
		Author:      art.Author,
		Excerpt:     html.EscapeString(art.Digest),
		Description: art.Digest,
		Image:       imgs.Cover,
		Images:      imgs.Images,
		articleRef:  newArticleRef(art),
		Deleted:     art.Deleted,
		Removed:     removedOn(art),
	}
	if d := art.Date(); !d.IsZero() {
		fm.Date = d.In(archive.ChinaTime).Format("2006-01-02 15:04:05 -0700")
	}
	if u := art.UpdateTime; !u.IsZero() {
		fm.LastModifiedAt = u.In(archive.ChinaTime).Format("2006-01-02 15:04:05 -0700")
	}
	head, err := marshalYAMLFrontMatter(fm)
	if err != nil {
		return nil, err
	}
	return joinPage(head, escapeLiquid(body)), nil
}

// escapeLiquid writes every "{{" and "{%" of a body, where Liquid would
// start a tag or an output, as a Liquid output of that string, which
// prints it: {{ "{{" }}. Jekyll runs Liquid over a post before Markdown,
// code blocks included, so a Vue or Go template in an article would fail
// the build, vanish, or read the site's data. Jekyll 4 could be told not
// to (render_with_liquid: false), but Jekyll 3, which GitHub Pages'
// classic builds still run, ignores that; this works in both. A "{% raw
// %}" around the pair would not: its closing tag next to a "}" of the
// text reads as another tag.
func escapeLiquid(body string) string {
	if !strings.Contains(body, "{{") && !strings.Contains(body, "{%") {
		return body
	}
	var b strings.Builder
	b.Grow(len(body) + 64)
	for i := 0; i < len(body); i++ {
		if body[i] == '{' && i+1 < len(body) && (body[i+1] == '{' || body[i+1] == '%') {
			b.WriteString(`{{ "{`)
			b.WriteByte(body[i+1])
			b.WriteString(`" }}`)
			i++
			continue
		}
		b.WriteByte(body[i])
	}
	return b.String()
}

// jekyllConfig is what themes/jekyll/_config.yml.tmpl is executed with.
func jekyllConfig(opts Options) any {
	siteURL := ""
	if u, err := url.Parse(opts.BaseURL); err == nil && u.Scheme != "" && u.Host != "" {
		siteURL = u.Scheme + "://" + u.Host
	}
	return struct{ Title, URL, BaseURL string }{opts.SiteTitle, siteURL, baseURLPath(opts.BaseURL)}
}
