package output

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mparchive/mparchive/archive"
)

// HexoWriter writes the archive as the posts of a Hexo site, with post
// asset folders:
//
//	DIR/source/_posts/<slug>.md               Hexo front matter + body
//	DIR/source/_posts/<slug>/<hash12><ext>    its images, cover included
//	DIR/.mparchive/slugs.json                 article key → slug, kept stable
//
// plus, in a folder without a Hexo config, a _config.yml (post_asset_folder
// on, Beijing time, zh-CN), a package.json naming the plugins the site
// needs and a small theme, so that `npm install && npx hexo generate`
// builds a browsable site.
type HexoWriter struct {
	dir  string
	opts Options
}

var _ Writer = (*HexoWriter)(nil)

// NewHexo returns a writer into the Hexo site folder dir.
func NewHexo(dir string, opts Options) *HexoWriter {
	return &HexoWriter{dir: dir, opts: withDefaults(opts)}
}

func init() {
	register("hexo", func(dir string, opts Options) Writer { return NewHexo(dir, opts) })
}

// HexoPostsDir is the folder, relative to the site, that holds the posts.
const HexoPostsDir = "source/_posts"

// Write builds or updates the site from the archive; see writePosts for
// what is written when, and what a failure leaves.
func (w *HexoWriter) Write(ctx context.Context, a *archive.Archive) (*Result, error) {
	res := &Result{}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if err := writeSiteSkeleton(w.dir, hexoConfigNames, generatedMarker, hexoConfig(w.opts), hexoTheme); err != nil {
		return res, fmt.Errorf("hexo: %w", err)
	}
	_, err := writePosts(ctx, a, w.dir, w.opts, "hexo", hexoLayout{}, res)
	return res, err
}

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
	SourceURL   string `yaml:"source_url,omitempty"`
	WeChatURL   string `yaml:"wechat_url,omitempty"`
	PostMeta    `yaml:",inline"`
	MediaID     string `yaml:"media_id"`
	ItemIndex   int    `yaml:"item_index"`
	Deleted     bool   `yaml:"deleted,omitempty"`
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
		SourceURL:       sourceURL(art),
		WeChatURL:       wechatURL(art),
		PostMeta:        newPostMeta(art),
		MediaID:         art.ItemID,
		ItemIndex:       art.Index,
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

// hexoConfigNames are the files Hexo reads its configuration from.
var hexoConfigNames = []string{"_config.yml", "_config.yaml", "_config.json"}

// hexoConfig is the generated _config.yml. Posts live at posts/<slug>/,
// since the slug already carries the date.
func hexoConfig(opts Options) skeletonFile {
	siteURL, root := "http://example.com", "/"
	if u, err := url.Parse(opts.BaseURL); err == nil && u.Scheme != "" && u.Host != "" {
		siteURL = strings.TrimSuffix(opts.BaseURL, "/")
		root = strings.TrimSuffix(u.Path, "/") + "/"
	}
	return skeletonFile{path: "_config.yml", content: generatedMarker + ` for the WeChat archive; edit freely, it is never overwritten.
title: ` + yamlString(opts.SiteTitle) + `
language: zh-CN
timezone: Asia/Shanghai
url: ` + yamlString(siteURL) + `
root: ` + yamlString(root) + `
permalink: posts/:title/
source_dir: source
public_dir: public
new_post_name: :title.md
post_asset_folder: true
relative_link: false
future: true
render_drafts: false
updated_option: date
date_format: YYYY-MM-DD
time_format: HH:mm:ss
per_page: 50
index_generator:
  path: ""
  per_page: 50
  order_by: -date
marked:
  prependRoot: true
  postAsset: true
theme: mparchive
`}
}

// hexoPackageVersions pins what the generated package.json asks for; the
// real-Hexo test installs exactly these.
var hexoPackageVersions = [][2]string{
	{"hexo", "8.1.2"},
	{"hexo-generator-index", "4.0.0"},
	{"hexo-renderer-ejs", "2.0.0"},
	{"hexo-renderer-marked", "7.0.1"},
}

func hexoPackageJSON() string {
	var deps []string
	for _, p := range hexoPackageVersions {
		deps = append(deps, fmt.Sprintf("    %q: \"^%s\"", p[0], p[1]))
	}
	return `{
  "name": "wechat-archive",
  "version": "0.0.0",
  "private": true,
  "scripts": {
    "build": "hexo generate",
    "server": "hexo server"
  },
  "hexo": {
    "version": "` + hexoPackageVersions[0][1] + `"
  },
  "dependencies": {
` + strings.Join(deps, ",\n") + `
  }
}
`
}

// hexoTheme is a small EJS theme: a list of posts and the post page, with
// the no-referrer policy that remote WeChat images need. Titles and digests
// are printed with <%= %>, which escapes them.
var hexoTheme = []skeletonFile{
	{"package.json", hexoPackageJSON()},
	{"themes/mparchive/layout/layout.ejs", `<!DOCTYPE html>
<html lang="<%= config.language %>">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title><% if (page.title) { %><%= page.title %> · <% } %><%= config.title %></title>
<% if (page.description) { %><meta name="description" content="<%= page.description %>">
<% } %><style>
body { max-width: 46rem; margin: 0 auto; padding: 1rem; font: 17px/1.75 -apple-system, "PingFang SC", "Microsoft YaHei", sans-serif; color: #222; }
img { max-width: 100%; height: auto; }
.meta, nav { color: #888; font-size: 0.9em; }
</style>
</head>
<body>
<header><a href="<%- url_for('/') %>"><%= config.title %></a></header>
<main>
<%- body %>
</main>
</body>
</html>
`},
	{"themes/mparchive/layout/index.ejs", `<h1><%= config.title %></h1>
<ul class="posts">
<% page.posts.each(function (post) { %><li><time datetime="<%= date_xml(post.date) %>"><%= date(post.date, 'YYYY-MM-DD') %></time> <a href="<%- url_for(post.path) %>"><%= post.title || '（无标题）' %></a></li>
<% }) %></ul>
<nav><%- paginator() %></nav>
`},
	{"themes/mparchive/layout/post.ejs", `<article>
<h1><%= page.title || '（无标题）' %></h1>
<p class="meta"><time datetime="<%= date_xml(page.date) %>"><%= full_date(page.date, 'YYYY-MM-DD HH:mm') %></time><% if (page.author) { %> · <%= page.author %><% } %><% if (page.deleted || page.removed) { %> · 已从公众号删除<% } %></p>
<% if (page.cover) { %><p><img src="<%= /^(https?:)?\/\//.test(page.cover) ? page.cover : url_for(page.path) + page.cover %>" alt=""></p>
<% } %><%- page.content %>
<% if (page.source_url) { %><p><a href="<%= page.source_url %>">阅读原文</a></p>
<% } %><% if (page.wechat_url) { %><p class="meta"><a href="<%= page.wechat_url %>">在微信中查看</a></p>
<% } %></article>
`},
}
