package output

import (
	"bytes"
	"regexp"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/mparchive/mparchive/archive"
)

// zolaLayout lays the archive out as the content of a Zola site: one
// page with colocated assets per article,
//
//	DIR/content/<slug>/index.md              TOML front matter + body
//	DIR/content/<slug>/<hash12><ext>         its images, cover included
//	DIR/.mparchive/slugs.json                article key → slug, kept stable
//
// plus, in a folder without a Zola config, the skeleton of themes/zola: a
// config.toml, the root section's _index.md (pages sorted by date), three
// templates and the stylesheet they link (themes/shared).
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
	Author string   `toml:"author,omitempty"`
	Digest string   `toml:"digest,omitempty"`
	Cover  string   `toml:"cover,omitempty"`
	Images []string `toml:"images,omitempty"`
	articleRef
	Deleted bool   `toml:"deleted,omitempty"`
	Removed string `toml:"removed,omitempty"` // see FrontMatter.Removed
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
			Author:     art.Author,
			Digest:     art.Digest,
			Cover:      validUTF8(imgs.Cover),
			articleRef: newArticleRef(art),
			Deleted:    art.Deleted,
			Removed:    removedOn(art),
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

// zolaConfig is what themes/zola/config.toml.tmpl is executed with.
func zolaConfig(opts Options) any {
	base := opts.BaseURL
	if base == "" {
		base = "/"
	}
	return struct{ Title, BaseURL string }{opts.SiteTitle, base}
}
