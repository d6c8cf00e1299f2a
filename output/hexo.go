package output

import (
	"html"
	"net/url"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mparchive/mparchive/archive"
)

// HexoPostsDir is the folder, relative to the site, that holds the posts.
const HexoPostsDir = "source/_posts"

// hexoLayout lays the archive out as the posts of a Hexo site, with post
// asset folders:
//
//	DIR/source/_posts/<slug>.md               Hexo front matter + body
//	DIR/source/_posts/<slug>/<hash12><ext>    its images, cover included
//	DIR/.mparchive/slugs.json                 article key → slug, kept stable
//
// plus, in a folder without a Hexo config, the skeleton of themes/hexo: a
// _config.yml (post_asset_folder on, Beijing time, zh-CN), a package.json
// naming the plugins the site needs and a small EJS theme, so that
// `npm install && npx hexo generate` builds a browsable site.
type hexoLayout struct{}

// HexoDraftsDir holds the drafts, which Hexo builds only with --draft (or
// render_drafts).
const HexoDraftsDir = "source/_drafts"

func (hexoLayout) paths(art *archive.Article, slug string) (string, string) {
	dir := HexoPostsDir
	if isDraft(art) {
		dir = HexoDraftsDir
	}
	return dir + "/" + slug + ".md", dir + "/" + slug
}

// imageLink is the bare file name: on the post's own page (its permalink is
// a folder, into which Hexo copies the asset folder) that resolves as it
// is, and hexo-renderer-marked's postAsset option, which the generated
// config turns on, makes it absolute for lists and feeds too.
func (hexoLayout) imageLink(_ *archive.Article, _, name string) string { return name }

// hexoFrontMatter holds the keys Hexo and its common themes read. Dates are
// Beijing wall-clock times without an offset, as `hexo new` writes them;
// Hexo reads them in the config's timezone.
type hexoFrontMatter struct {
	Title      string   `yaml:"title"`
	Date       hexoTime `yaml:"date,omitempty"`
	Updated    hexoTime `yaml:"updated,omitempty"`
	Author     string   `yaml:"author,omitempty"`
	Tags       []string `yaml:"tags"`
	Categories []string `yaml:"categories"`
	// Cover and Thumbnail are the same image under the names different
	// themes read: a file of the post's asset folder, or a remote URL.
	Cover     string `yaml:"cover,omitempty"`
	Thumbnail string `yaml:"thumbnail,omitempty"`
	// Excerpt is HTML to Hexo (themes print it unescaped), so the digest
	// goes in escaped; Description is plain text for meta tags.
	Excerpt     string `yaml:"excerpt,omitempty"`
	Description string `yaml:"description,omitempty"`
	articleRef  `yaml:",inline"`
	Deleted     bool `yaml:"deleted,omitempty"`
	// Removed is the day the archive noticed WeChat no longer lists the
	// article; set only with --removed mark, as in the Hugo output.
	Removed string `yaml:"removed,omitempty"`
	// DisableNunjucks stops Hexo from reading {{ }} and {% %} in an
	// article's text as template tags: articles about templating would
	// otherwise fail the whole build or lose text.
	DisableNunjucks bool `yaml:"disableNunjucks"`
}

// hexoTime is written as a plain YAML timestamp, 2006-01-02 15:04:05.
type hexoTime struct{ time.Time }

func (t hexoTime) IsZero() bool { return t.Time.IsZero() }

func (t hexoTime) MarshalYAML() (any, error) {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!timestamp", Value: t.In(archive.ChinaTime).Format("2006-01-02 15:04:05")}, nil
}

func (hexoLayout) page(art *archive.Article, _ string, imgs pageImages, body string) ([]byte, error) {
	art = validText(art)
	fm := hexoFrontMatter{
		Title:           art.Title,
		Date:            hexoTime{art.Date()},
		Updated:         hexoTime{art.UpdateTime},
		Author:          art.Author,
		Tags:            []string{},
		Categories:      []string{},
		Cover:           imgs.Cover,
		Thumbnail:       imgs.Cover,
		Excerpt:         html.EscapeString(art.Digest),
		Description:     art.Digest,
		articleRef:      newArticleRef(art),
		Deleted:         art.Deleted,
		Removed:         removedOn(art),
		DisableNunjucks: true,
	}
	head, err := marshalYAMLFrontMatter(fm)
	if err != nil {
		return nil, err
	}
	return joinPage(head, body), nil
}

// hexoConfig is what themes/hexo/_config.yml.tmpl is executed with.
func hexoConfig(opts Options) any {
	siteURL, root := "http://example.com", "/"
	if u, err := url.Parse(opts.BaseURL); err == nil && u.Scheme != "" && u.Host != "" {
		siteURL = strings.TrimSuffix(opts.BaseURL, "/")
		root = strings.TrimSuffix(u.Path, "/") + "/"
	}
	return struct{ Title, URL, Root string }{opts.SiteTitle, siteURL, root}
}
