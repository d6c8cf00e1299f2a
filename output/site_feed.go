package output

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mparchive/mparchive/archive"
)

// xmlWriter writes indented XML elements whose text and attributes are
// always escaped.
type xmlWriter struct {
	buf   bytes.Buffer
	depth int
}

func (x *xmlWriter) indent() { x.buf.WriteString(strings.Repeat("  ", x.depth)) }

func (x *xmlWriter) attrs(kv []string) {
	for i := 0; i+1 < len(kv); i += 2 {
		x.buf.WriteString(" " + kv[i] + `="`)
		xml.EscapeText(&x.buf, []byte(kv[i+1]))
		x.buf.WriteByte('"')
	}
}

func (x *xmlWriter) open(name string, kv ...string) {
	x.indent()
	x.buf.WriteString("<" + name)
	x.attrs(kv)
	x.buf.WriteString(">\n")
	x.depth++
}

func (x *xmlWriter) close(name string) {
	x.depth--
	x.indent()
	x.buf.WriteString("</" + name + ">\n")
}

// text writes <name attrs>text</name>.
func (x *xmlWriter) text(name, text string, kv ...string) {
	x.indent()
	x.buf.WriteString("<" + name)
	x.attrs(kv)
	x.buf.WriteByte('>')
	xml.EscapeText(&x.buf, []byte(text))
	x.buf.WriteString("</" + name + ">\n")
}

// empty writes <name attrs/>.
func (x *xmlWriter) empty(name string, kv ...string) {
	x.indent()
	x.buf.WriteString("<" + name)
	x.attrs(kv)
	x.buf.WriteString("/>\n")
}

// siteLink is a site path as the feed writes it: absolute with a base URL,
// otherwise relative to the site's root, which Atom allows and readers
// resolve against the feed's own address.
func (s *siteBuild) siteLink(p string) string {
	if abs := s.absURL(p); abs != "" {
		return abs
	}
	if p == "" {
		return "./"
	}
	return (&url.URL{Path: p}).EscapedPath()
}

func atomTime(t time.Time) string { return t.In(archive.ChinaTime).Format(time.RFC3339) }

// writeFeed writes an Atom feed (RFC 4287) of the newest articles with
// their whole bodies.
func (s *siteBuild) writeFeed() error {
	var entries []*sitePost
	for _, p := range s.live {
		if len(entries) == siteFeedEntries {
			break
		}
		entries = append(entries, p)
	}
	// The feed changes when an entry does, never with the clock.
	var updated time.Time
	for _, p := range entries {
		for _, t := range []time.Time{p.Date, p.Updated} {
			if t.After(updated) {
				updated = t
			}
		}
	}
	if updated.IsZero() {
		updated = time.Unix(0, 0)
	}

	x := &xmlWriter{}
	x.buf.WriteString(xml.Header)
	x.open("feed", "xmlns", "http://www.w3.org/2005/Atom", "xml:lang", "zh-CN")
	x.text("title", s.w.opts.SiteTitle)
	x.text("id", s.feedID(""))
	x.text("updated", atomTime(updated))
	x.empty("link", "rel", "self", "type", "application/atom+xml", "href", s.siteLink("feed.xml"))
	x.empty("link", "rel", "alternate", "type", "text/html", "href", s.siteLink(""))
	x.text("generator", "mparchive")
	// The account wrote what the feed holds: it is the feed's author.
	if s.account != nil && strings.TrimSpace(s.account.Name) != "" {
		x.open("author")
		x.text("name", strings.TrimSpace(s.account.Name))
		x.close("author")
	}
	for _, p := range entries {
		link := s.siteLink(p.path())
		x.open("entry")
		x.text("title", p.Title)
		x.text("id", s.feedID(p.Key))
		x.empty("link", "rel", "alternate", "type", "text/html", "href", link)
		if p.WeChatURL != "" {
			x.empty("link", "rel", "related", "type", "text/html", "title", "微信原文", "href", p.WeChatURL)
		}
		up := p.Updated
		if up.IsZero() || up.Before(p.Date) {
			up = p.Date
		}
		if up.IsZero() {
			up = updated
		}
		x.text("updated", atomTime(up))
		if !p.Date.IsZero() {
			x.text("published", atomTime(p.Date))
		}
		// Atom requires an author per entry unless the feed has one;
		// each names its own all the same, the writer's or else its
		// account's, since a share's original is another account's.
		author := p.Author
		if author == "" {
			author = p.Account
		}
		if author == "" {
			author = s.w.opts.SiteTitle
		}
		x.open("author")
		x.text("name", author)
		x.close("author")
		if p.Digest != "" {
			x.text("summary", p.Digest)
		}
		if p.HTML != nil {
			// xml:base makes the images, named relative to the page,
			// resolve against the page's address.
			x.text("content", string(p.HTML), "type", "html", "xml:base", link)
		}
		x.close("entry")
	}
	x.close("feed")
	_, err := writeOut(s.w.dir, "feed.xml", x.buf.Bytes())
	return err
}

// feedID is the permanent id of the feed or of an entry: its address with
// a base URL, otherwise a URN built from the article key, which never
// changes even if the slug did.
func (s *siteBuild) feedID(key string) string {
	if s.w.opts.BaseURL != "" && key == "" {
		return s.w.opts.BaseURL
	}
	if key == "" {
		return "urn:mparchive:site"
	}
	return "urn:mparchive:article:" + url.PathEscape(key)
}

// writeSitemap lists the home page, the archive, the materials page and
// every article (sitemaps.org protocol 0.9). The protocol wants absolute
// addresses, so a site without a base URL gets no sitemap: a relative
// <loc> is rejected by every search engine. One left by an earlier run with
// a base URL is removed, since it would list that run's pages forever.
func (s *siteBuild) writeSitemap() error {
	path := filepath.Join(s.w.dir, "sitemap.xml")
	if s.w.opts.BaseURL == "" {
		return removeOurSitemap(path)
	}
	x := &xmlWriter{}
	x.buf.WriteString(xml.Header)
	x.open("urlset", "xmlns", sitemapNS)
	add := func(p string, mod time.Time) {
		x.open("url")
		x.text("loc", s.absURL(p))
		if !mod.IsZero() {
			x.text("lastmod", atomTime(mod))
		}
		x.close("url")
	}
	var newest time.Time
	if len(s.live) > 0 {
		newest = s.live[0].Date
	}
	add("", newest)
	add("archive/", newest)
	if len(s.materials) > 0 {
		add(MaterialsDir+"/", s.newestMaterial())
	}
	for _, p := range s.live {
		mod := p.Updated
		if mod.Before(p.Date) {
			mod = p.Date
		}
		add(p.path(), mod)
	}
	x.close("urlset")
	_, err := writeOut(s.w.dir, "sitemap.xml", x.buf.Bytes())
	return err
}

const sitemapNS = "http://www.sitemaps.org/schemas/sitemap/0.9"

// removeOurSitemap deletes path if it is a sitemap as writeSitemap writes
// them, and leaves any other file (one the user put there) alone.
func removeOurSitemap(path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(data, []byte(xml.Header+`<urlset xmlns="`+sitemapNS+`">`+"\n")) {
		return nil
	}
	return removeOut(filepath.Dir(path), filepath.Base(path))
}

// writeRobots allows everything but the archive folder, which a static
// host would otherwise serve along with the site, and names the sitemap
// when the site's address is known (robots.txt wants it absolute); without
// it, it says how to get one.
func (s *siteBuild) writeRobots() error {
	prefix := "/"
	if s.w.opts.BaseURL != "" {
		if u, err := url.Parse(s.w.opts.BaseURL); err == nil {
			prefix = u.EscapedPath()
		}
	}
	var b strings.Builder
	b.WriteString("User-agent: *\n")
	b.WriteString("Disallow: " + prefix + ".mparchive/\n")
	if abs := s.absURL("sitemap.xml"); abs != "" {
		b.WriteString("\nSitemap: " + abs + "\n")
	} else {
		b.WriteString("\n# No sitemap: sitemaps need absolute addresses. Build with\n# --base-url https://your.host/path/ to get sitemap.xml.\n")
	}
	_, err := writeOut(s.w.dir, "robots.txt", []byte(b.String()))
	return err
}
