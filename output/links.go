package output

import (
	"html"
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

// internalLinks maps the permalink of every selected article to the link
// its page gets in layout l. Articles without a permalink (drafts, pages
// fetched by a short link) cannot be link targets.
func internalLinks(cat *catalog, slugs map[string]string, l postLayout) map[archive.Permalink]string {
	pl, ok := l.(pageLinker)
	if !ok {
		return nil
	}
	links := make(map[archive.Permalink]string, len(cat.sel))
	// The map outlives the metadata, whose strings must not be kept
	// alive for three short ones; the account is most often one.
	biz := map[string]string{}
	for _, i := range cat.sel {
		meta := cat.arts[i].meta()
		art := &meta
		p, ok := archive.ParsePermalink(art.URL)
		if !ok {
			continue
		}
		if b, ok := biz[p.Biz]; ok {
			p.Biz = b
		} else {
			p.Biz = strings.Clone(p.Biz)
			biz[p.Biz] = p.Biz
		}
		p.Mid, p.Idx = strings.Clone(p.Mid), strings.Clone(p.Idx)
		slug, ok := slugs[art.Key()]
		if !ok || !ValidSlug(slug) {
			continue
		}
		page, _ := l.paths(art, slug)
		links[p] = pl.pageLink(page)
	}
	return links
}

// localLink is the LinkURL of a conversion: the local page of an archived
// article, or "" to keep the link as it is.
func localLink(links map[archive.Permalink]string) func(href string) string {
	if len(links) == 0 {
		return nil
	}
	return func(href string) string {
		p, ok := archive.ParsePermalink(html.UnescapeString(href))
		if !ok {
			return ""
		}
		return links[p]
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
