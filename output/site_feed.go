package output

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"strings"
	"time"

	"github.com/mparchive/mparchive/archive"
)

// atomFeed is an Atom feed (RFC 4287) as encoding/xml writes it.
type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang      string      `xml:"xml:lang,attr"`
	Title     string      `xml:"title"`
	ID        string      `xml:"id"`
	Updated   string      `xml:"updated"`
	Links     []atomLink  `xml:"link"`
	Generator string      `xml:"generator"`
	Author    *atomPerson `xml:"author"`
	Entries   []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel   string `xml:"rel,attr"`
	Type  string `xml:"type,attr"`
	Title string `xml:"title,attr,omitempty"`
	Href  string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	Title     string       `xml:"title"`
	ID        string       `xml:"id"`
	Links     []atomLink   `xml:"link"`
	Updated   string       `xml:"updated"`
	Published string       `xml:"published,omitempty"`
	Author    atomPerson   `xml:"author"`
	Summary   string       `xml:"summary,omitempty"`
	Content   *atomContent `xml:"content"`
}

// atomContent is an entry's body as escaped HTML. Base (xml:base) makes
// the images, named relative to the page, resolve against the page's
// address.
type atomContent struct {
	Type string `xml:"type,attr"`
	Base string `xml:"xml:base,attr"`
	HTML string `xml:",chardata"`
}

// sitemapURLSet is a sitemap (sitemaps.org protocol 0.9).
type sitemapURLSet struct {
	XMLName xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

// xmlDocument is v as an indented XML document, with its declaration and
// a final newline. encoding/xml escapes every text and attribute, and
// replaces characters XML cannot hold.
func xmlDocument(v any) ([]byte, error) {
	body, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	doc := make([]byte, 0, len(xml.Header)+len(body)+1)
	doc = append(doc, xml.Header...)
	doc = append(doc, body...)
	return append(doc, '\n'), nil
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

	feed := atomFeed{
		Lang:    "zh-CN",
		Title:   s.w.opts.SiteTitle,
		ID:      s.feedID(""),
		Updated: atomTime(updated),
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: s.siteLink("feed.xml")},
			{Rel: "alternate", Type: "text/html", Href: s.siteLink("")},
		},
		Generator: "mparchive",
	}
	// The account wrote what the feed holds: it is the feed's author.
	if s.account != nil && strings.TrimSpace(s.account.Name) != "" {
		feed.Author = &atomPerson{Name: strings.TrimSpace(s.account.Name)}
	}
	for _, p := range entries {
		link := s.siteLink(p.path())
		e := atomEntry{
			Title: p.Title,
			ID:    s.feedID(p.Key),
			Links: []atomLink{{Rel: "alternate", Type: "text/html", Href: link}},
		}
		if u := s.wechatURL(p); u != "" {
			e.Links = append(e.Links, atomLink{Rel: "related", Type: "text/html", Title: "微信原文", Href: u})
		}
		up := p.Updated
		if up.IsZero() || up.Before(p.Date) {
			up = p.Date
		}
		if up.IsZero() {
			up = updated
		}
		e.Updated = atomTime(up)
		if !p.Date.IsZero() {
			e.Published = atomTime(p.Date)
		}
		// Atom requires an author per entry unless the feed has one;
		// each names its own all the same, the writer's or else its
		// account's, since a share's original is another account's.
		e.Author.Name = p.Author
		if e.Author.Name == "" {
			e.Author.Name = p.Account
		}
		if e.Author.Name == "" {
			e.Author.Name = s.w.opts.SiteTitle
		}
		e.Summary = p.Digest
		if p.HTML != nil {
			e.Content = &atomContent{Type: "html", Base: link, HTML: string(p.HTML)}
		}
		feed.Entries = append(feed.Entries, e)
	}
	doc, err := xmlDocument(feed)
	if err != nil {
		return err
	}
	_, err = writeOut(s.w.dir, "feed.xml", doc)
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
	if s.w.opts.BaseURL == "" {
		return removeOurs(s.w.dir, "sitemap.xml", isOurSitemap)
	}
	var set sitemapURLSet
	add := func(p string, mod time.Time) {
		u := sitemapURL{Loc: s.absURL(p)}
		if !mod.IsZero() {
			u.LastMod = atomTime(mod)
		}
		set.URLs = append(set.URLs, u)
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
	doc, err := xmlDocument(set)
	if err != nil {
		return err
	}
	_, err = writeOut(s.w.dir, "sitemap.xml", doc)
	return err
}

const sitemapNS = "http://www.sitemaps.org/schemas/sitemap/0.9"

// isOurSitemap tells a sitemap as writeSitemap writes them from any other
// file (one the user put there).
func isOurSitemap(content []byte) bool {
	return bytes.HasPrefix(content, []byte(xml.Header+`<urlset xmlns="`+sitemapNS+`">`+"\n"))
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
