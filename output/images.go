package output

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/mparchive/mparchive/archive"
)

// bundleImage is one stored image placed into a page bundle.
type bundleImage struct {
	name  string
	entry archive.MediaEntry
}

// imagePlan maps the images of one article to the files of its bundle. The
// converter may call localURL from any goroutine, hence the lock.
type imagePlan struct {
	a *archive.Archive

	mu      sync.Mutex
	byURL   map[string]string             // URL as asked → bundle file name, "" when missing
	files   map[string]archive.MediaEntry // bundle file name → stored image
	byHash  map[string]string             // SHA-256 → bundle file name
	order   []string                      // bundle file names, first use first
	missing []string                      // media keys the archive lacks, first use first
	usable  map[archive.MediaEntry]bool   // whether the stored file is really there
	voices  map[string]bool               // bundle file names that are voices, not pictures
	cover   struct {
		name, key string
		ok        bool
	}
}

// planImagesOf resolves the media the article needs (archive.ArticleMedia:
// its cover, body images and voices) against the archive before
// conversion, so that missing files are counted the same way whatever the
// converter asks for. body is what archive.BodyMedia found in the article's
// body: art's Content is not read.
func planImagesOf(a *archive.Archive, art *archive.Article, body []archive.MediaRef) *imagePlan {
	p := &imagePlan{
		a:      a,
		byURL:  map[string]string{},
		files:  map[string]archive.MediaEntry{},
		byHash: map[string]string{},
		usable: map[archive.MediaEntry]bool{},
		voices: map[string]bool{},
	}
	for _, m := range archive.ArticleMediaOf(art, body) {
		name, ok := p.resolve(m.Key)
		switch m.Kind {
		case archive.MediaCover:
			p.cover.key, p.cover.name, p.cover.ok = m.Key, name, ok
		case archive.MediaVoice:
			if ok {
				p.mu.Lock()
				p.voices[name] = true
				p.mu.Unlock()
			}
		}
	}
	return p
}

// localURL is render.Options.ImageURL and MediaURL: the bundle file name
// of a remote image or voice, or "" to keep the remote URL.
func (p *imagePlan) localURL(remote string) string {
	name, _ := p.resolve(remote)
	return name
}

// resolve finds u in the archive and gives its bundle file name, recording a
// miss for remote URLs the archive does not hold.
func (p *imagePlan) resolve(u string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if name, seen := p.byURL[u]; seen {
		return name, name != ""
	}
	for _, c := range archive.LookupKeys(u) {
		e, ok := p.a.Media(c)
		if !ok || !p.isUsable(e) {
			continue
		}
		name, ok := p.place(e)
		if !ok {
			continue
		}
		p.byURL[u] = name
		return name, true
	}
	p.byURL[u] = ""
	if isRemoteURL(u) || strings.HasPrefix(u, "wechat-material:") {
		p.missing = append(p.missing, u)
	}
	return "", false
}

// isUsable checks once per entry that the media index does not point at a
// file that has gone from the store: a local link to it would be broken,
// the remote one may still work.
func (p *imagePlan) isUsable(e archive.MediaEntry) bool {
	ok, seen := p.usable[e]
	if !seen {
		st, err := os.Stat(p.a.MediaPath(e))
		ok = err == nil && st.Mode().IsRegular()
		p.usable[e] = ok
	}
	return ok
}

// place names a stored image inside the bundle after its content hash: the
// same bytes get the same name on every run, whatever URL they came from.
// In the unlikely case that two images share the first 12 hex digits, the
// later one gets the full hash. A file that is no image or audio is not
// placed (articleMediaExt).
func (p *imagePlan) place(e archive.MediaEntry) (string, bool) {
	if name, ok := p.byHash[e.SHA256]; ok {
		return name, true
	}
	ext, ok := articleMediaExt(e)
	if !ok {
		return "", false
	}
	name := shortHash(e.SHA256) + ext
	if _, clash := p.files[name]; clash {
		name = e.SHA256 + ext
	}
	p.byHash[e.SHA256] = name
	p.files[name] = e
	p.order = append(p.order, name)
	return name, true
}

func shortHash(sum string) string {
	if len(sum) > 12 {
		return sum[:12]
	}
	return sum
}

var safeExtPattern = regexp.MustCompile(`^\.[a-z0-9]{1,8}$`)

// safeExt keeps a stored extension only when it is a plain one; the archive
// chose it, but the bundle is published, so it is checked again here.
func safeExt(ext string) string {
	ext = strings.ToLower(ext)
	if safeExtPattern.MatchString(ext) {
		return ext
	}
	return ""
}

func (p *imagePlan) missingKeys() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.missing)
}

// sortedFiles lists the files to copy in name order, so that copying (and
// any error it reports) does not depend on map order.
func (p *imagePlan) sortedFiles() []bundleImage {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]bundleImage, 0, len(p.files))
	for name, e := range p.files {
		out = append(out, bundleImage{name: name, entry: e})
	}
	slices.SortFunc(out, func(x, y bundleImage) int { return strings.Compare(x.name, y.name) })
	return out
}

// coverAndImages gives the cover and images front matter values: the cover
// as a bundle file (or its remote URL when the archive lacks it and it has
// one), and images as the cover followed by the body's stored images.
func (p *imagePlan) coverAndImages(art *archive.Article) (string, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cover := p.cover.name
	if !p.cover.ok && isRemoteURL(art.ThumbURL) {
		cover = art.ThumbURL
	}
	var images []string
	if cover != "" {
		images = append(images, cover)
	}
	for _, name := range p.order {
		if name != cover && !p.voices[name] {
			images = append(images, name)
		}
	}
	return cover, images
}

func isRemoteURL(u string) bool {
	l := strings.ToLower(u)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "//")
}
