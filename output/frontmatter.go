package output

import (
	"bytes"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mparchive/mparchive/archive"
)

// FrontMatter is the YAML head of every Markdown page. The keys are fixed by
// the architecture document and shared by all Markdown-writing outputs.
// There is deliberately no `url` key: in Hugo it would replace the page's
// own address.
type FrontMatter struct {
	Title string `yaml:"title"`
	// Author and the digest are left out when empty rather than written as
	// "": templates then test them with `with` and show nothing.
	Author  string    `yaml:"author,omitempty"`
	Date    time.Time `yaml:"date,omitempty"`
	Lastmod time.Time `yaml:"lastmod,omitempty"`
	// Description is the digest again, under the name Hugo and most themes
	// put into <meta name="description">.
	Description string `yaml:"description,omitempty"`
	Digest      string `yaml:"digest,omitempty"`
	// Cover, Image and Images name the article's pictures for the readers
	// of each format; setPictures fills them, see there.
	Cover      Cover    `yaml:"cover,omitempty"`
	Image      string   `yaml:"image,omitempty"`
	Images     []string `yaml:"images,omitempty"`
	articleRef `yaml:",inline"`
	Draft      bool `yaml:"draft"`
	Deleted    bool `yaml:"deleted,omitempty"`
	// Removed is the day the archive noticed that WeChat no longer lists
	// the article, and LastSeen the day it was last recorded there; both
	// only with --removed mark.
	Removed  string `yaml:"removed,omitempty"`
	LastSeen string `yaml:"last_seen,omitempty"`
	// WeChatIDs lists every copy of the article the archive holds
	// (source/id/index), when it holds more than one: the same article as
	// a news material, a published item and a fetched page is one page.
	WeChatIDs []string `yaml:"wechat_ids,omitempty"`
}

// NewFrontMatter fills the fields that come from the article itself; the
// writer adds the pictures (setPictures), which depend on where it puts
// the files.
func NewFrontMatter(a *archive.Article) FrontMatter {
	// yaml.v3 writes invalid UTF-8 as !!binary, which site generators read
	// as bytes rather than as the title.
	a = validText(a)
	return FrontMatter{
		Title:       a.Title,
		Author:      a.Author,
		Date:        chinaTime(a.Date()),
		Lastmod:     chinaTime(a.UpdateTime),
		Description: a.Digest,
		Digest:      a.Digest,
		articleRef:  newArticleRef(a),
		Draft:       isDraft(a),
		Deleted:     a.Deleted,
		Removed:     removedOn(a),
		LastSeen:    lastSeen(a),
		WeChatIDs:   allIDs(a),
	}
}

// articleRef are the keys that say where an article is read and whose and
// which item of the archive it is; every format's front matter has them,
// after its own keys (Zola's under [extra]).
type articleRef struct {
	SourceURL string `yaml:"source_url,omitempty" toml:"source_url,omitempty"`
	WeChatURL string `yaml:"wechat_url,omitempty" toml:"wechat_url,omitempty"`
	PostMeta  `yaml:",inline"`
	MediaID   string `yaml:"media_id" toml:"media_id"`
	ItemIndex int    `yaml:"item_index" toml:"item_index"`
}

// newArticleRef fills the keys from a, whose text validText made valid
// UTF-8.
func newArticleRef(a *archive.Article) articleRef {
	return articleRef{
		SourceURL: sourceURL(a),
		WeChatURL: wechatURL(a),
		PostMeta:  newPostMeta(a),
		MediaID:   a.ItemID,
		ItemIndex: a.Index,
	}
}

func allIDs(a *archive.Article) []string {
	if len(a.Aliases) == 0 {
		return nil
	}
	return append([]string{a.Key()}, a.Aliases...)
}

func removedOn(a *archive.Article) string {
	if a.Removed == nil {
		return ""
	}
	return a.Removed.Noticed
}

func lastSeen(a *archive.Article) string {
	if a.Removed == nil {
		return ""
	}
	return a.Removed.LastSeen
}

// chinaTime pins the offset to +08:00 so that the output does not depend on
// the zone of the machine that builds it.
func chinaTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(archive.ChinaTime)
}

// marshalYAMLFrontMatter renders v, a front matter struct of any format,
// between two `---` lines. yaml.v3 quotes every value that YAML 1.1 readers
// (Hugo's included) would take for something other than a string, such as
// yes, null or 1.0.
func marshalYAMLFrontMatter(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("---\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	buf.WriteString("---\n")
	return buf.Bytes(), nil
}

// The keys that name an article's pictures are decided here, for every
// format, so that each reader finds them where it looks. Every path is
// written the way its reader resolves it (pathsResolve tests each on disk):
//
//	format    keys                                   paths resolve from
//	hugo      cover.image, cover.alt, cover.relative  the page bundle (index.md's folder)
//	          image, images
//	markdown  cover, images                          the .md file's folder
//	hexo      cover, thumbnail                       the post's asset folder (hexo.go)
//	jekyll    image, images                          the site's root, base URL included (jekyll.go)
//	zola      extra.cover, extra.images              the page's folder (zola.go)
//
// A cover the archive lacks is its remote URL in every format.
//
// Hugo's keys are the ones its themes read: PaperMod reads cover.image
// (a page resource, or with relative: true a path below the page) and
// cover.alt, and fails on a cover that is a plain string; Stack, Blowfish-
// and Congo-style themes read image; Hugo's own Open Graph, Twitter and
// schema templates read images, which Hugo 0.123 and later look up among
// the page's resources (older versions take them from the site's root).
// Plain Markdown keeps a plain string cover, which editors and scripts
// read as it is.

// Cover is the front matter's cover: a plain path, or for Hugo the mapping
// PaperMod reads.
type Cover struct {
	Image string `yaml:"image"`
	Alt   string `yaml:"alt,omitempty"`
	// Relative tells PaperMod that Image is a path below the page (a file
	// of the bundle), not one below the site's root.
	Relative bool `yaml:"relative,omitempty"`
	// mapping writes the cover as {image, alt, relative} rather than as
	// the bare path.
	mapping bool
}

// IsZero leaves out a cover without an image (omitempty).
func (c Cover) IsZero() bool { return c.Image == "" }

// MarshalYAML writes the bare path, or the mapping for Hugo.
func (c Cover) MarshalYAML() (any, error) {
	if !c.mapping {
		return c.Image, nil
	}
	type plain Cover // without the method, or it would call itself
	return plain(c), nil
}

// UnmarshalYAML reads either form, so tests and tools can read any format's
// front matter back.
func (c *Cover) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*c = Cover{}
		return n.Decode(&c.Image)
	}
	type plain Cover
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*c = Cover(p)
	c.mapping = true
	return nil
}

// pictureStyle says which of the layouts above setPictures writes.
type pictureStyle int

const (
	hugoPictures     pictureStyle = iota // cover mapping, image, images
	markdownPictures                     // cover string, images
)

// setPictures fills the keys naming the cover and the images, already
// written as paths that resolve where style's readers look (bundle file
// names for Hugo, paths from the .md file for Markdown); title becomes
// the cover's alt text.
func (fm *FrontMatter) setPictures(style pictureStyle, title string, imgs pageImages) {
	fm.Images = imgs.Images
	if imgs.Cover == "" {
		return
	}
	switch style {
	case hugoPictures:
		fm.Cover = Cover{Image: imgs.Cover, Alt: title, Relative: !isRemoteURL(imgs.Cover), mapping: true}
		fm.Image = imgs.Cover
	default:
		fm.Cover = Cover{Image: imgs.Cover}
	}
}
