package output

import (
	"fmt"
	"html/template"
	"slices"

	"github.com/mparchive/mparchive/archive"
)

// page renders an article page from its Markdown.
func (s *siteBuild) page(art *archive.Article, slug string, imgs pageImages, body string) ([]byte, error) {
	b, err := s.renderBody(body)
	if err != nil {
		return nil, err
	}
	if _, ok := art.TextContent(); ok {
		b.textOnly = true
	}
	return s.htmlPage(art, slug, imgs, b)
}

// renderBody renders a converted body to the HTML of the page and the
// text of the search index.
func (s *siteBuild) renderBody(md string) (articleBody, error) {
	html, err := markdownToHTML(md)
	if err != nil {
		return articleBody{}, err
	}
	return articleBody{html: html, text: plainText(html)}, nil
}

// htmlPage renders an article page, or returns none when the page record
// finds the file on disk to be that page already (putPage then writes
// nothing). Workers call it for different articles at once: it writes
// only the fields of its own post, and reads of the others only what the
// first pass set.
func (s *siteBuild) htmlPage(art *archive.Article, _ string, imgs pageImages, b articleBody) ([]byte, error) {
	i, ok := s.indexOf(art.Key())
	if !ok {
		return nil, fmt.Errorf("article %s was not in the first pass", art.Key())
	}
	p := s.posts[i]
	html := b.html
	p.Cover = imgs.Cover
	p.Gallery = gallery(art, imgs, b.textOnly)
	p.Remote = hasRemoteImage(html) || isRemoteURL(p.Cover) || remoteGallery(p.Gallery)
	s.search.add(i, b.text)
	if i < 2*siteFeedEntries {
		p.HTML = html
		if len(p.Gallery) > 0 {
			p.HTML = append(slices.Clip(html), galleryFeedHTML(p.Gallery)...)
		}
	}

	const root = "../../"
	v := s.newPage("article", "", root, p.path())
	v.Title = p.Title
	v.Description = p.Digest
	v.OGType = "article"
	v.OGImage = s.absImage(p)
	v.RemoteImages = p.Remote
	pv := s.postView(p, root)
	pv.URL = "index.html"
	if p.Cover != "" && !isRemoteURL(p.Cover) {
		pv.Cover = linkPath(p.Cover)
	}
	pv.ShowAccount = p.Account != ""
	pv.Gallery = p.Gallery
	pv.GalleryColumns = galleryColumns(len(p.Gallery))
	if coverShownBelow(p, html) {
		pv.Cover = ""
	}
	v.Post = &pv
	// The converter's Markdown is escaped and goldmark runs without raw
	// HTML, so its output is trusted here.
	v.Body = template.HTML(html)
	if i > 0 {
		prev := s.postLink(s.posts[i-1], root)
		v.Prev = &prev
	}
	if i+1 < len(s.posts) {
		next := s.postLink(s.posts[i+1], root)
		v.Next = &next
	}
	rel := p.path() + "index.html"
	p.fp, p.fpOK = s.pages.fingerprint(s.theme, "article", rel, v)
	if p.kept = p.fpOK && s.pages.kept(p.fp, rel); p.kept {
		return nil, nil
	}
	return s.theme.render("article", v)
}

// putPage writes the page of art that htmlPage rendered, and nothing when
// it found the file on disk to be that page already.
func (s *siteBuild) putPage(art *archive.Article, rel string, page []byte) (bool, error) {
	i, ok := s.indexOf(art.Key())
	if !ok {
		return false, fmt.Errorf("article %s was not in the first pass", art.Key())
	}
	p := s.posts[i]
	if p.kept {
		return false, nil
	}
	changed, err := writeOut(s.w.dir, rel, page)
	if err == nil && p.fpOK {
		s.pages.wrote(p.fp, rel)
	}
	return changed, err
}

// absURL is the public address of a site path, or "" without a base URL.
