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
	// Cover is the cover's file name inside the page bundle, or its remote
	// URL when the archive lacks the image.
	Cover string `yaml:"cover,omitempty"`
	// Images lists the cover first, then the body's images, as Open Graph
	// tags want them.
	Images    []string `yaml:"images,omitempty"`
	SourceURL string   `yaml:"source_url,omitempty"`
	WeChatURL string   `yaml:"wechat_url,omitempty"`
	PostMeta  `yaml:",inline"`
	MediaID   string `yaml:"media_id"`
	ItemIndex int    `yaml:"item_index"`
	Draft     bool   `yaml:"draft"`
	Deleted   bool   `yaml:"deleted,omitempty"`
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
// writer adds Cover and Images, which depend on where it puts the files.
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
		SourceURL:   sourceURL(a),
		WeChatURL:   wechatURL(a),
		MediaID:     a.ItemID,
		ItemIndex:   a.Index,
		Draft:       isDraft(a),
		Deleted:     a.Deleted,
		Removed:     removedOn(a),
		LastSeen:    lastSeen(a),
		WeChatIDs:   allIDs(a),
		PostMeta:    newPostMeta(a),
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

// Marshal renders the front matter between its two `---` lines. yaml.v3
// quotes every value that YAML 1.1 readers (Hugo's included) would take for
// something other than a string, such as yes, null or 1.0.
func (fm FrontMatter) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("---\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(fm); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	buf.WriteString("---\n")
	return buf.Bytes(), nil
}
