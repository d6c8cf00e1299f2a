package output

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/convcache"
	"github.com/mparchive/mparchive/render"
)

// articleBody is a converted article body: the Markdown, or for a layout
// that renders it to HTML itself (htmlLayout, the site), the HTML and its
// plain text for the search index.
type articleBody struct {
	md   string
	html []byte
	text string
	// textOnly is set when the layout converted less than the whole body
	// (bodySource: a picture post's text, its pictures shown apart).
	textOnly bool
}

// htmlLayout is a postLayout that renders the Markdown itself: the cache
// then keeps its HTML and text rather than the Markdown.
type htmlLayout interface {
	postLayout
	renderBody(md string) (articleBody, error)
	htmlPage(art *archive.Article, slug string, imgs pageImages, b articleBody) ([]byte, error)
}

// A conversion depends on the body and on the answers the converter gets
// to its questions: which local file an image or voice has, which local
// page an article link has. The cache keeps, with the result, every
// question and answer in the order they were asked (and the body's media,
// which the image plan starts from). A later build asks the same questions
// of its own image plan and links: the same answers mean the converter,
// which is deterministic, would write the same result, so it is used; any
// other answer (an image downloaded since, a linked article now in the
// output, another slug) is a miss. Replaying the questions also leaves the
// image plan exactly as the conversion would, missing images included.
type lookup struct {
	kind    byte // lookupImage, lookupMedia or lookupLink
	in, out string
}

const (
	lookupImage byte = 'i'
	lookupMedia byte = 'm'
	lookupLink  byte = 'l'
)

// recorder wraps the converter's callbacks and notes their questions and
// answers. The converter may call them from any goroutine.
type recorder struct {
	mu      sync.Mutex
	lookups []lookup
}

func (r *recorder) wrap(kind byte, f func(string) string) func(string) string {
	if f == nil {
		return nil
	}
	return func(in string) string {
		out := f(in)
		r.mu.Lock()
		r.lookups = append(r.lookups, lookup{kind, in, out})
		r.mu.Unlock()
		return out
	}
}

// convRecord is one cache entry.
type convRecord struct {
	media   []archive.MediaRef // archive.BodyMedia of the article's Content
	lookups []lookup
	body    articleBody
}

// cacheVersion changes whenever the entry layout or the meaning of a key
// part changes.
const cacheVersion = "mparchive article 1"

// articleCacheKey names the conversion of one catalog article in a format:
// this program (its converter and page code), the format, the body and
// what the layout converts of it.
func articleCacheKey(program, format string, ca *catArticle) convcache.Key {
	return convcache.KeyOf([]byte(cacheVersion), []byte(program), []byte(format), ca.body[:], ca.conv[:])
}

func (r *convRecord) encode() []byte {
	n := len(r.body.md) + len(r.body.html) + len(r.body.text) + 64
	for _, m := range r.media {
		n += len(m.Key) + len(m.Kind) + 8
	}
	for _, l := range r.lookups {
		n += len(l.in) + len(l.out) + 8
	}
	b := make([]byte, 0, n)
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendUvarint(b, uint64(len(r.media)))
	for _, m := range r.media {
		str(m.Key)
		str(string(m.Kind))
	}
	b = binary.AppendUvarint(b, uint64(len(r.lookups)))
	for _, l := range r.lookups {
		b = append(b, l.kind)
		str(l.in)
		str(l.out)
	}
	str(r.body.md)
	// nil and empty HTML differ to the site (a feed entry has content
	// only when it is not nil).
	if r.body.html == nil {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		str(string(r.body.html))
	}
	str(r.body.text)
	if r.body.textOnly {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	return b
}

var errBadRecord = errors.New("bad cache record")

func decodeRecord(b []byte) (*convRecord, error) {
	d := recordDecoder{b: b}
	r := &convRecord{}
	n := d.count()
	r.media = make([]archive.MediaRef, 0, n)
	for range n {
		r.media = append(r.media, archive.MediaRef{Key: d.str(), Kind: archive.MediaKind(d.str())})
	}
	n = d.count()
	r.lookups = make([]lookup, 0, n)
	for range n {
		kind := d.byte()
		r.lookups = append(r.lookups, lookup{kind: kind, in: d.str(), out: d.str()})
	}
	r.body.md = d.str()
	switch d.byte() {
	case 0:
	case 1:
		r.body.html = []byte(d.str())
	default:
		d.bad = true
	}
	r.body.text = d.str()
	r.body.textOnly = d.byte() == 1
	if d.bad || len(d.b) != 0 {
		return nil, errBadRecord
	}
	return r, nil
}

// converter is the conversion of one build: the Converter, the layout,
// the links and the cache, which it uses only with mparchive's own
// converter, whose results the program id covers.
type converter struct {
	a       *archive.Archive
	conv    Converter
	l       postLayout
	links   func(href string) string
	cache   *convcache.Cache
	program string
	format  string
}

func newConverter(a *archive.Archive, opts Options, l postLayout, format string) *converter {
	c := &converter{a: a, conv: opts.Converter, l: l, links: bodyLink(opts.links), format: format}
	if _, ours := opts.Converter.(*render.Converter); ours && opts.Cache != nil {
		if id, err := convcache.ProgramID(); err == nil {
			c.cache, c.program = opts.Cache, id
		}
	}
	return c
}

// localFor is the converter's ImageURL and MediaURL for an article: the
// link its page gives the local copy of an image or voice (link, the
// layout's imageLink), or "" to keep the remote address.
func localFor(imgs *imagePlan, link func(name string) string) func(string) string {
	return func(remote string) string {
		if name := imgs.localURL(remote); name != "" {
			return link(name)
		}
		return ""
	}
}

// cached returns the body of an article from the cache, with its image
// plan, when the cache holds a conversion whose questions get the same
// answers now. art needs no Content.
func (c *converter) cached(art *archive.Article, ca *catArticle, link func(string) string) (*imagePlan, articleBody, bool) {
	if c.cache == nil {
		return nil, articleBody{}, false
	}
	v, ok := c.cache.Get(articleCacheKey(c.program, c.format, ca))
	if !ok {
		return nil, articleBody{}, false
	}
	rec, err := decodeRecord(v)
	if err != nil {
		return nil, articleBody{}, false
	}
	imgs := planImagesOf(c.a, art, rec.media)
	local := localFor(imgs, link)
	for _, l := range rec.lookups {
		var got string
		switch l.kind {
		case lookupImage, lookupMedia:
			got = local(l.in)
		case lookupLink:
			got = c.links(l.in)
		default:
			return nil, articleBody{}, false
		}
		if got != l.out {
			return nil, articleBody{}, false
		}
	}
	return imgs, rec.body, true
}

// convert converts an article (art with its Content), and stores the
// result in the cache.
func (c *converter) convert(art *archive.Article, ca *catArticle, link func(string) string) (*imagePlan, articleBody, error) {
	media := archive.BodyMedia(art.Content)
	imgs := planImagesOf(c.a, art, media)
	local := localFor(imgs, link)
	content := art.Content
	if bs, ok := c.l.(bodySource); ok {
		content = bs.body(art)
	}
	var rec recorder
	opts := render.Options{ImageURL: local, MediaURL: local, LinkURL: c.links}
	if c.cache != nil {
		opts = render.Options{
			ImageURL: rec.wrap(lookupImage, local),
			MediaURL: rec.wrap(lookupMedia, local),
			LinkURL:  rec.wrap(lookupLink, c.links),
		}
	}
	md, err := c.conv.Convert(content, opts)
	if err != nil {
		return nil, articleBody{}, fmt.Errorf("convert: %w", err)
	}
	b := articleBody{md: strings.TrimSpace(neutralizeLinks(md))}
	if hl, ok := c.l.(htmlLayout); ok {
		if b, err = hl.renderBody(b.md); err != nil {
			return nil, articleBody{}, fmt.Errorf("front matter: %w", err)
		}
	}
	b.textOnly = content != art.Content
	if c.cache != nil {
		r := convRecord{media: media, lookups: rec.lookups, body: b}
		c.cache.Put(articleCacheKey(c.program, c.format, ca), r.encode())
	}
	return imgs, b, nil
}
