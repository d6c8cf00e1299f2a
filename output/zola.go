package output

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/mparchive/mparchive/archive"
)

// ZolaWriter writes the archive as the content of a Zola site: one page
// with colocated assets per article,
//
//	DIR/content/<slug>/index.md              TOML front matter + body
//	DIR/content/<slug>/<hash12><ext>         its images, cover included
//	DIR/.mparchive/slugs.json                article key → slug, kept stable
//
// plus, in a folder without a Zola config, a config.toml, the root
// section's _index.md (pages sorted by date) and three templates.
type ZolaWriter struct {
	dir  string
	opts Options
}

var _ Writer = (*ZolaWriter)(nil)

// NewZola returns a writer into the Zola site folder dir.
func NewZola(dir string, opts Options) *ZolaWriter {
	return &ZolaWriter{dir: dir, opts: withDefaults(opts)}
}

func init() {
	register("zola", func(dir string, opts Options) Writer { return NewZola(dir, opts) })
}

// Write builds or updates the site from the archive; see writePosts for
// what is written when, and what a failure leaves.
func (w *ZolaWriter) Write(ctx context.Context, a *archive.Archive) (*Result, error) {
	res := &Result{}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if err := writeSiteSkeleton(w.dir, zolaConfigNames, generatedMarker, zolaConfig(w.opts), zolaTemplates); err != nil {
		return res, fmt.Errorf("zola: %w", err)
	}
	_, err := writePosts(ctx, a, w.dir, w.opts, "zola", zolaLayout{}, res)
	return res, err
}

type zolaLayout struct{}

func (zolaLayout) paths(_ *archive.Article, slug string) (string, string) {
	return "content/" + slug + "/index.md", "content/" + slug
}

// imageLink is the bare file name: Zola publishes colocated assets beside
// the page's index.html.
func (zolaLayout) imageLink(_ *archive.Article, _, name string) string { return name }

// zolaFrontMatter holds the keys Zola accepts at the top level of a page:
// it refuses unknown ones, so everything beyond title, description, the
// dates and draft goes under [extra].
type zolaFrontMatter struct {
	Title       string    `toml:"title"`
	Description string    `toml:"description,omitempty"`
	Date        time.Time `toml:"date,omitempty"`
	Updated     time.Time `toml:"updated,omitempty"`
	// Draft keeps the draft box's articles out of a site built without
	// --drafts.
	Draft bool      `toml:"draft,omitempty"`
	Extra zolaExtra `toml:"extra"`
}

type zolaExtra struct {
	Author    string   `toml:"author,omitempty"`
	Digest    string   `toml:"digest,omitempty"`
	Cover     string   `toml:"cover,omitempty"`
	Images    []string `toml:"images,omitempty"`
	SourceURL string   `toml:"source_url,omitempty"`
	WeChatURL string   `toml:"wechat_url,omitempty"`
	PostMeta
	MediaID   string `toml:"media_id"`
	ItemIndex int    `toml:"item_index"`
	Deleted   bool   `toml:"deleted,omitempty"`
	Removed   string `toml:"removed,omitempty"` // see FrontMatter.Removed
}

func (zolaLayout) page(art *archive.Article, _ string, imgs pageImages, body string) ([]byte, error) {
	// TOML strings must be valid UTF-8, which the encoder leaves to us.
	art = validText(art)
	fm := zolaFrontMatter{
		Title:       art.Title,
		Description: art.Digest,
		Date:        chinaTime(art.Date()),
		Updated:     chinaTime(art.UpdateTime),
		Draft:       isDraft(art),
		Extra: zolaExtra{
			Author:    art.Author,
			Digest:    art.Digest,
			Cover:     validUTF8(imgs.Cover),
			SourceURL: sourceURL(art),
			WeChatURL: wechatURL(art),
			PostMeta:  newPostMeta(art),
			MediaID:   art.ItemID,
			ItemIndex: art.Index,
			Deleted:   art.Deleted,
			Removed:   removedOn(art),
		},
	}
	for _, img := range imgs.Images {
		fm.Extra.Images = append(fm.Extra.Images, validUTF8(img))
	}
	var b bytes.Buffer
	b.WriteString("+++\n")
	enc := toml.NewEncoder(&b)
	enc.Indent = ""
	if err := enc.Encode(fm); err != nil {
		return nil, err
	}
	b.WriteString("+++\n")
	return joinPage(b.Bytes(), escapeZolaShortcodes(body)), nil
}

// tomlString quotes s as a TOML basic string, for config files written from
// templates, with the encoder that writes the front matter: a struct of one
// string field always encodes.
func tomlString(s string) string {
	var b strings.Builder
	_ = toml.NewEncoder(&b).Encode(struct {
		V string `toml:"v"`
	}{validUTF8(s)})
	return strings.TrimSuffix(strings.TrimPrefix(b.String(), "v = "), "\n")
}

// zolaShortcode matches what Zola would take for a shortcode call in a
// page's Markdown, code blocks included: {{ name(…) }}, {% name(…) %} and
// {% end %}. The arguments are literals, whose quoted strings may hold any
// character, braces and parentheses included.
var zolaShortcode = regexp.MustCompile(`\{\{(\s*[A-Za-z_][A-Za-z0-9_]*\s*\(` + zolaArgs + `\)\s*)\}\}|\{%(\s*[A-Za-z_][A-Za-z0-9_]*\s*\(` + zolaArgs + `\)\s*)%\}|\{%(\s*end\s*)%\}`)

// zolaArgs matches a shortcode's argument list between its parentheses.
const zolaArgs = `(?:[^(){}"'` + "`" + `]|"[^"]*"|'[^']*'|` + "`[^`]*`" + `)*`

// escapeZolaShortcodes turns shortcode-like text of an article into Zola's
// escaped form, {{/* … */}}, which Zola prints as the call's text (with
// one space inside the braces) instead of calling a shortcode the site
// lacks and failing the build.
func escapeZolaShortcodes(body string) string {
	return zolaShortcode.ReplaceAllStringFunc(body, func(m string) string {
		open, close := m[:2], m[len(m)-2:]
		inner := strings.TrimSpace(m[2 : len(m)-2])
		return open + "/* " + inner + " */" + close
	})
}

var zolaConfigNames = []string{"config.toml", "zola.toml"}

func zolaConfig(opts Options) skeletonFile {
	base := opts.BaseURL
	if base == "" {
		base = "/"
	}
	return skeletonFile{path: "config.toml", content: generatedMarker + ` for the WeChat archive; edit freely, it is never overwritten.
base_url = ` + tomlString(base) + `
title = ` + tomlString(opts.SiteTitle) + `
default_language = "zh"
compile_sass = false
build_search_index = false
generate_feeds = false

[markdown]
highlight_code = false

# Keep Chinese titles in URLs instead of transliterating them.
[slugify]
paths = "safe"
taxonomies = "safe"
anchors = "safe"

[extra]
`}
}

// zolaTemplates are a bare theme with the no-referrer policy that remote
// WeChat images need; Tera escapes what it prints unless told `safe`.
var zolaTemplates = []skeletonFile{
	{"content/_index.md", "+++\nsort_by = \"date\"\n+++\n"},
	{"templates/base.html", `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{% block title %}{{ config.title }}{% endblock title %}</title>
<style>
body { max-width: 46rem; margin: 0 auto; padding: 1rem; font: 17px/1.75 -apple-system, "PingFang SC", "Microsoft YaHei", sans-serif; color: #222; }
img { max-width: 100%; height: auto; }
.meta { color: #888; font-size: 0.9em; }
</style>
</head>
<body>
<header><a href="{{ get_url(path="/") }}">{{ config.title }}</a></header>
<main>
{% block content %}{% endblock content %}
</main>
</body>
</html>
`},
	{"templates/index.html", `{% extends "base.html" %}
{% block content %}
<h1>{{ config.title }}</h1>
<ul class="posts">
{% for page in section.pages %}<li>{% if page.date %}<time datetime="{{ page.date }}">{{ page.date | date(format="%Y-%m-%d", timezone="Asia/Shanghai") }}</time> {% endif %}<a href="{{ page.permalink }}">{% if page.title %}{{ page.title }}{% else %}（无标题）{% endif %}</a></li>
{% endfor %}</ul>
{% endblock content %}
`},
	{"templates/page.html", `{% extends "base.html" %}
{% block title %}{% if page.title %}{{ page.title }} · {% endif %}{{ config.title }}{% endblock title %}
{% block content %}
<article>
<h1>{% if page.title %}{{ page.title }}{% else %}（无标题）{% endif %}</h1>
<p class="meta">{% if page.date %}<time datetime="{{ page.date }}">{{ page.date | date(format="%Y-%m-%d %H:%M", timezone="Asia/Shanghai") }}</time>{% endif %}{% if page.extra.author %} · {{ page.extra.author }}{% endif %}{% if page.extra.deleted or page.extra.removed %} · 已从公众号删除{% endif %}</p>
{% if page.extra.cover %}<p><img src="{% if page.extra.cover is starting_with("http") %}{{ page.extra.cover }}{% else %}{{ page.permalink }}{{ page.extra.cover }}{% endif %}" alt=""></p>
{% endif %}{{ page.content | safe }}
{% if page.extra.source_url %}<p><a href="{{ page.extra.source_url }}">阅读原文</a></p>
{% endif %}{% if page.extra.wechat_url %}<p class="meta"><a href="{{ page.extra.wechat_url }}">在微信中查看</a></p>
{% endif %}</article>
{% endblock content %}
`},
}
