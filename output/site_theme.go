package output

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"html/template"
	"math"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/themes"
)

// siteTheme is a theme ready to execute: a template set per page kind and
// the asset files to publish.
type siteTheme struct {
	pages  map[string]*template.Template // page kind → set whose "base" renders it
	assets map[string][]byte             // path below assets/ → content

	// frames holds the fragments of the frame (siteFragments) already
	// rendered, by page kind, fragment, root and section: a site has a
	// handful of each for thousands of pages.
	mu     sync.Mutex
	frames map[frameKey]template.HTML

	// entries renders and keeps the list entries of posts ("entry").
	entries *entryMemo

	// sums holds, by page kind, a hash of the template files its set is
	// parsed from (base.html, the partials and its own file): two themes
	// that differ only in other files render that kind alike, so the page
	// record (siterecord.go) keeps its pages across a change of theme.
	sums map[string][sha256.Size]byte
}

// siteFragments are the templates of the frame that read only .Root,
// .Section and .Site, with the field of pageView that carries each one
// rendered. A theme whose base does not define them renders as before.
var siteFragments = []struct {
	name  string
	field func(*pageView) *template.HTML
}{
	{"headlinks", func(v *pageView) *template.HTML { return &v.HeadLinks }},
	{"siteheader", func(v *pageView) *template.HTML { return &v.Header }},
	{"sitefooter", func(v *pageView) *template.HTML { return &v.Footer }},
}

type frameKey struct{ kind, name, root, section string }

// sitePageKinds are the page templates (layouts/<kind>.html) a theme must
// provide, on top of layouts/base.html and layouts/partials/*.html.
var sitePageKinds = []string{"home", "article", "archive", "authors", "author", "search", "materials", "notfound"}

var siteFuncs = template.FuncMap{
	"date":      func(t time.Time) string { return t.In(archive.ChinaTime).Format("2006年1月2日") },
	"shortDate": func(t time.Time) string { return t.In(archive.ChinaTime).Format("2006-01-02") },
	"isoDate":   func(t time.Time) string { return t.In(archive.ChinaTime).Format(time.RFC3339) },
	"dateTime":  func(t time.Time) string { return t.In(archive.ChinaTime).Format("2006-01-02 15:04") },
	"inc":       func(i int) int { return i + 1 },
	// Bound to each page kind's set by loadSiteTheme (entryMemo.bind).
	"entry": func(string, postView) (template.HTML, error) { return "", errors.New("entry is not bound") },
}

// loadSiteTheme layers the files of the named embedded theme over the
// common ones, and the files of dir (--theme-dir) over both, then parses
// the templates. Every error names the file at fault.
func loadSiteTheme(name, dir string) (*siteTheme, error) {
	theme, err := themes.SiteTheme(name)
	if err != nil {
		return nil, err
	}
	files, err := themeFiles(dir, themes.SiteCommon(), theme)
	if err != nil {
		return nil, err
	}

	base := template.New("").Funcs(siteFuncs)
	var partials []string
	for p := range files {
		if strings.HasPrefix(p, "layouts/partials/") && strings.HasSuffix(p, ".html") {
			partials = append(partials, p)
		}
	}
	slices.Sort(partials)
	for _, p := range append([]string{"layouts/base.html"}, partials...) {
		src, ok := files[p]
		if !ok {
			return nil, fmt.Errorf("theme: %s is missing", p)
		}
		if _, err := base.New(p).Parse(string(src.data)); err != nil {
			return nil, fmt.Errorf("%s: %w", src.origin, err)
		}
	}
	t := &siteTheme{pages: map[string]*template.Template{}, assets: map[string][]byte{}, entries: newEntryMemo(base),
		sums: map[string][sha256.Size]byte{}}
	common := sha256.New()
	for _, p := range append([]string{"layouts/base.html"}, partials...) {
		hashThemeFile(common, p, files[p].data)
	}
	for _, kind := range sitePageKinds {
		p := "layouts/" + kind + ".html"
		src, ok := files[p]
		if !ok {
			return nil, fmt.Errorf("theme: %s is missing", p)
		}
		h := sha256.New()
		h.Write(common.Sum(nil))
		hashThemeFile(h, p, src.data)
		t.sums[kind] = [sha256.Size]byte(h.Sum(nil))
		set, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := set.New(p).Parse(string(src.data)); err != nil {
			return nil, fmt.Errorf("%s: %w", src.origin, err)
		}
		if set.Lookup("main") == nil {
			return nil, fmt.Errorf("%s: defines no \"main\" template", src.origin)
		}
		t.entries.bind(kind, set)
		t.pages[kind] = set
	}
	t.entries.bind("", base)
	for p, f := range files {
		if rest, ok := strings.CutPrefix(p, "assets/"); ok {
			t.assets[rest] = f.data
		}
	}
	return t, nil
}

// hashThemeFile adds a template file, its name and length first, to h.
func hashThemeFile(h hash.Hash, name string, data []byte) {
	var n [binary.MaxVarintLen64]byte
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(name)))])
	h.Write([]byte(name))
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(data)))])
	h.Write(data)
}

// render executes the page template of kind with v.
func (t *siteTheme) render(kind string, v *pageView) ([]byte, error) {
	set, ok := t.pages[kind]
	if !ok {
		return nil, errors.New("no template for " + kind)
	}
	if err := t.frame(kind, set, v); err != nil {
		return nil, err
	}
	// Room for the body and the frame around it up front: growing the
	// buffer as the template writes copied each article's body several
	// times over.
	var buf bytes.Buffer
	buf.Grow(len(v.Body) + 16<<10)
	if err := set.ExecuteTemplate(&buf, "base", v); err != nil {
		return nil, fmt.Errorf("template %s: %w", kind, err)
	}
	return buf.Bytes(), nil
}

// frame sets the fragments of v's frame, rendering each the first time
// its page kind, root and section come up. A fragment sees a view with
// only Root, Section and Site set, so that what it shows can never depend
// on the page that happened to render it first. Site is the same for
// every page of a build.
func (t *siteTheme) frame(kind string, set *template.Template, v *pageView) error {
	for _, f := range siteFragments {
		tmpl := set.Lookup(f.name)
		if tmpl == nil {
			continue
		}
		k := frameKey{kind, f.name, v.Root, v.Section}
		t.mu.Lock()
		h, ok := t.frames[k]
		t.mu.Unlock()
		if !ok {
			var buf bytes.Buffer
			if err := tmpl.Execute(&buf, &pageView{Site: v.Site, Root: v.Root, Section: v.Section}); err != nil {
				return fmt.Errorf("template %s: %w", kind, err)
			}
			h = template.HTML(buf.String())
			t.mu.Lock()
			if t.frames == nil {
				t.frames = map[frameKey]template.HTML{}
			}
			t.frames[k] = h
			t.mu.Unlock()
		}
		*f.field(v) = h
	}
	return nil
}

// assetPaths lists the assets in path order.
func (t *siteTheme) assetPaths() []string {
	out := make([]string, 0, len(t.assets))
	for p := range t.assets {
		if path.Clean(p) == p && !strings.HasPrefix(p, "../") {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// entryMemo backs the templates' "entry NAME POST": the template NAME
// run on one post, which is what a list page shows of it. The same post
// at the same folder depth shows the same, on every home page and author
// page that lists it, so each is rendered once per build.
//
// A page kind whose file redefines none of the templates of base.html and
// the partials renders entries the way the base set does: those kinds
// share the base set's entries. Any other kind keeps its own.
type entryMemo struct {
	base *template.Template
	// own holds the page kinds that render entries in their own set,
	// set while loading, read only after.
	own map[string]*template.Template

	// done holds the entries rendered, by a hash of their key (the
	// owner, "" for the base set, the template's name and the post); the
	// entries themselves wait in spill, read back on each use, so that
	// the memo holds some 40 bytes an entry however long it is.
	mu    sync.Mutex
	done  map[[16]byte]entryLoc
	spill *metaSpill
}

// postViewKey is a postView as a map key: every field but the gallery,
// which list pages never show (a post with one is rendered each time).
type postViewKey struct {
	URL, Title, Author, AuthorURL, Digest, Cover, WeChatURL, SourceURL string
	Date                                                               time.Time
	Dated                                                              bool
	Removed, Draft                                                     bool
	Account                                                            string
	ShowAccount                                                        bool
	TypeLabel, Type                                                    string
	Original, Paid                                                     bool
	SharedFrom, SharedName                                             string
	GalleryColumns                                                     int
}

func keyOfPost(p *postView) (postViewKey, bool) {
	if len(p.Gallery) > 0 {
		return postViewKey{}, false
	}
	k := postViewKey{
		URL: p.URL, Title: p.Title, Author: p.Author, AuthorURL: p.AuthorURL, Digest: p.Digest,
		Cover: p.Cover, WeChatURL: p.WeChatURL, SourceURL: p.SourceURL,
		Removed: p.Removed, Draft: p.Draft, Account: p.Account, ShowAccount: p.ShowAccount,
		TypeLabel: p.TypeLabel, Type: p.Type, Original: p.Original, Paid: p.Paid,
		SharedFrom: p.SharedFrom, SharedName: p.SharedName, GalleryColumns: p.GalleryColumns,
	}
	if p.Date != nil {
		k.Date, k.Dated = *p.Date, true
	}
	return k, true
}

// newEntryMemo returns the memo of a theme whose base.html and partials
// base holds, before any page kind is cloned from it.
func newEntryMemo(base *template.Template) *entryMemo {
	return &entryMemo{base: base, own: map[string]*template.Template{}}
}

// bind gives set (the base set when kind is "") its "entry" function. It
// must run before set is executed, after its page file is parsed.
func (m *entryMemo) bind(kind string, set *template.Template) {
	owner := ""
	if kind != "" && !sameTemplates(m.base, set) {
		owner = kind
		m.own[kind] = set
	}
	set.Funcs(template.FuncMap{"entry": func(name string, p postView) (template.HTML, error) {
		h, err := m.render(owner, name, &p)
		if err != nil && owner == "" && kind != "" {
			// An entry that calls a template only the page's file
			// defines: render it there, each time.
			var buf bytes.Buffer
			if err := set.ExecuteTemplate(&buf, name, p); err != nil {
				return "", err
			}
			return template.HTML(buf.String()), nil
		}
		return h, err
	}})
}

// sameTemplates tells whether every template of base is defined the same
// way in set, which was cloned from it.
func sameTemplates(base, set *template.Template) bool {
	for _, b := range base.Templates() {
		s := set.Lookup(b.Name())
		if s == nil || (s.Tree == nil) != (b.Tree == nil) {
			return false
		}
		if b.Tree != nil && s.Tree.Root.String() != b.Tree.Root.String() {
			return false
		}
	}
	return true
}

func (m *entryMemo) render(owner, name string, p *postView) (template.HTML, error) {
	set := m.base
	if owner != "" {
		set = m.own[owner]
	}
	k, ok := keyOfPost(p)
	var enc []byte
	var sum [16]byte
	if ok {
		enc = k.encode(owner, name)
		full := sha256.Sum256(enc)
		sum = [16]byte(full[:16])
		if h, hit := m.lookup(sum, enc); hit {
			return h, nil
		}
	}
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, name, p); err != nil {
		return "", err
	}
	h := template.HTML(buf.String())
	if ok {
		m.keep(sum, enc, h)
	}
	return h, nil
}

// entryLoc is where a kept entry lies: in the spill file, its key's
// encoding followed by the entry, or in memory where the file failed.
type entryLoc struct {
	off    int64
	keyLen uint32
	n      uint32
	mem    *entryInMemory
}

type entryInMemory struct {
	key  string
	html template.HTML
}

// lookup returns the entry kept under sum if its key's encoding is enc:
// two keys of the same hash never share an entry.
func (m *entryMemo) lookup(sum [16]byte, enc []byte) (template.HTML, bool) {
	m.mu.Lock()
	loc, hit := m.done[sum]
	spill := m.spill
	m.mu.Unlock()
	switch {
	case !hit:
		return "", false
	case loc.mem != nil:
		return loc.mem.html, loc.mem.key == string(enc)
	}
	rec, err := spill.get(loc.off, loc.keyLen+loc.n)
	if err != nil || rec[:loc.keyLen] != string(enc) {
		return "", false
	}
	return template.HTML(rec[loc.keyLen:]), true
}

// keep files h under sum, the hash of enc; a hash already taken keeps
// what it has.
func (m *entryMemo) keep(sum [16]byte, enc []byte, h template.HTML) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, taken := m.done[sum]; taken {
		return
	}
	if m.done == nil {
		m.done = map[[16]byte]entryLoc{}
		m.spill = newMetaSpill()
	}
	loc := entryLoc{keyLen: uint32(len(enc)), n: uint32(len(h))}
	spilled := false
	if m.spill != nil && len(enc)+len(h) <= math.MaxUint32 {
		loc.off, spilled = m.spill.put(string(enc) + string(h))
	}
	if !spilled {
		loc = entryLoc{mem: &entryInMemory{key: string(enc), html: h}}
	}
	m.done[sum] = loc
}

// encode returns k, with the owner and name of the template, as bytes that
// differ whenever any of them does.
func (k *postViewKey) encode(owner, name string) []byte {
	b := make([]byte, 0, 256)
	for _, s := range [...]string{owner, name, k.URL, k.Title, k.Author, k.AuthorURL, k.Digest, k.Cover,
		k.WeChatURL, k.SourceURL, k.Account, k.TypeLabel, k.Type, k.SharedFrom, k.SharedName} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	var flags byte
	for i, f := range [...]bool{k.Dated, k.Removed, k.Draft, k.ShowAccount, k.Original, k.Paid} {
		if f {
			flags |= 1 << i
		}
	}
	b = append(b, flags)
	b = binary.AppendVarint(b, int64(k.GalleryColumns))
	if k.Dated {
		// The instant, the zone's offset and names: all a template can
		// show of a time.
		zone, offset := k.Date.Zone()
		b = binary.AppendVarint(b, k.Date.Unix())
		b = binary.AppendVarint(b, int64(k.Date.Nanosecond()))
		b = binary.AppendVarint(b, int64(offset))
		for _, s := range [...]string{zone, k.Date.Location().String()} {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
	}
	return b
}
