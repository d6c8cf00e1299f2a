package output

import (
	"crypto/sha256"
	"encoding/binary"
	"html"
	"io"
	"path"
	"strings"

	"github.com/mparchive/mparchive/archive"
)

// Links between articles of the account (mp.weixin.qq.com/s?__biz=…&mid=…
// &idx=…) are rewritten to the local page when the target is in the
// output, so the archive reads as a whole without WeChat. Each format
// links its own way; pageLink turns the target's page file (as paths gives
// it, relative to the output folder) into what a page writes.
type pageLinker interface {
	pageLink(targetPage string) string
}

// internalLinks gives the link of the page of every selected article in
// layout l, by its permalink. Articles without a permalink (drafts, pages
// fetched by a short link) cannot be link targets.
func internalLinks(cat *catalog, slugs map[string]string, l postLayout) *linkTable {
	pl, ok := l.(pageLinker)
	if !ok {
		return nil
	}
	t := &linkTable{cat: cat, slugs: slugs, l: l, pl: pl, at: make(map[permHash]int32, len(cat.sel))}
	for _, i := range cat.sel {
		meta := cat.arts[i].meta()
		art := &meta
		p, ok := archive.ParsePermalink(art.URL)
		if !ok {
			continue
		}
		slug, ok := slugs[art.Key()]
		if !ok || !ValidSlug(slug) {
			continue
		}
		t.at[hashPermalink(p)] = int32(i)
	}
	return t
}

// linkTable is internalLinks' answer. It lives through the conversion of
// every article but is asked only for the links bodies hold, so it keeps
// per article a hash of its permalink and its place in the catalog, not
// the permalink and the link: the link is made again when asked.
type linkTable struct {
	cat   *catalog
	slugs map[string]string
	l     postLayout
	pl    pageLinker
	at    map[permHash]int32 // → index in cat.arts
}

type permHash [16]byte

func hashPermalink(p archive.Permalink) permHash {
	h := sha256.New()
	for _, s := range []string{p.Biz, p.Mid, p.Idx} {
		var n [binary.MaxVarintLen64]byte
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		io.WriteString(h, s)
	}
	var sum [sha256.Size]byte
	return permHash(h.Sum(sum[:0]))
}

// link is the link to the page of the article whose permalink p is, or
// "" when none is in the output.
func (t *linkTable) link(p archive.Permalink) string {
	i, ok := t.at[hashPermalink(p)]
	if !ok {
		return ""
	}
	meta := t.cat.arts[i].meta()
	art := &meta
	// A hash is not the permalink: only the article's own links here.
	if q, ok := archive.ParsePermalink(art.URL); !ok || q != p {
		return ""
	}
	page, _ := t.l.paths(art, t.slugs[art.Key()])
	return t.pl.pageLink(page)
}

// localLink is the LinkURL of a conversion: the local page of an archived
// article, or "" to keep the link as it is.
func localLink(links *linkTable) func(href string) string {
	if links == nil || len(links.at) == 0 {
		return nil
	}
	return func(href string) string {
		p, ok := archive.ParsePermalink(html.UnescapeString(href))
		if !ok {
			return ""
		}
		return links.link(p)
	}
}

// The formats' links. Hugo and Hexo publish each post at posts/<slug>/,
// so a sibling is ../<slug>/; the site writes posts/<slug>/index.html;
// plain Markdown files lie side by side; Zola resolves @/ links to content
// files itself.

func (hugoLayout) pageLink(page string) string {
	return "../" + path.Base(path.Dir(page)) + "/"
}

func (hexoLayout) pageLink(page string) string {
	return "../" + strings.TrimSuffix(path.Base(page), ".md") + "/"
}

func (markdownLayout) pageLink(page string) string {
	return path.Base(page)
}

func (zolaLayout) pageLink(page string) string {
	return "@/" + strings.TrimPrefix(page, "content/")
}

// Jekyll publishes _posts/YYYY-MM-DD-<title>.md at /YYYY/MM/DD/<title>/
// (the permalink of the generated _config.yml); pages render without
// Liquid (an article may contain {{ }}), so post_url is not available and
// the link climbs out of the four levels of the linking post's address.
func (jekyllLayout) pageLink(page string) string {
	base := strings.TrimSuffix(path.Base(page), ".md")
	if len(base) < 11 || base[4] != '-' || base[7] != '-' || base[10] != '-' {
		return ""
	}
	return "../../../../" + base[:4] + "/" + base[5:7] + "/" + base[8:10] + "/" + base[11:] + "/"
}

func (s *siteBuild) pageLink(page string) string {
	return "../" + path.Base(path.Dir(page)) + "/index.html"
}
