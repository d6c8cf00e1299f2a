package output

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mparchive/mparchive/archive"
)

// Bounds of a slug. Titles are cut at maxTitleRunes so that URLs stay
// readable; the byte bounds keep a slug plus a collision suffix far below the
// 255 bytes most file systems allow in one name (a CJK character is 3 bytes
// in UTF-8), and leave room in Windows' 260-character paths.
const (
	maxTitleRunes = 60
	maxTitleBytes = 150
	maxSlugBytes  = 200
)

// Slug proposes the folder name of an article: its date and the words of its
// title, e.g. "2024-03-01-hello-world" or "2024-03-01-春节快乐". ASCII letters
// are lowercased, letters and digits of any script kept, everything else
// (punctuation, spaces, symbols, emoji) becomes a single "-". A title that
// leaves nothing falls back to the article's id. The result is always a safe
// single path element on Windows, macOS and Linux; it is not yet unique, see
// assignSlugs.
func Slug(a *archive.Article) string {
	var prefix string
	if d := a.Date(); !d.IsZero() {
		prefix = d.In(archive.ChinaTime).Format("2006-01-02") + "-"
	}
	words := slugWords(a.Title, maxTitleRunes, maxTitleBytes)
	if words == "" {
		words = idSlug(a)
	}
	s := prefix + words
	if isReservedName(s) {
		// Only possible without a date prefix: "con" cannot be a file on
		// Windows, "con-post" can.
		s += "-post"
	}
	return s
}

// slugWords keeps letters and digits and turns every run of anything else
// into one "-", bounded in runes and in bytes.
func slugWords(title string, maxRunes, maxBytes int) string {
	var b strings.Builder
	runes := 0
	pendingDash := false
	for _, r := range title {
		keep := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		if !keep || r == utf8.RuneError {
			pendingDash = b.Len() > 0
			continue
		}
		r = unicode.ToLower(r)
		needBytes, needRunes := utf8.RuneLen(r), 1
		if pendingDash {
			needBytes++
			needRunes++
		}
		if runes+needRunes > maxRunes || b.Len()+needBytes > maxBytes {
			break
		}
		if pendingDash {
			b.WriteByte('-')
			pendingDash = false
		}
		b.WriteRune(r)
		runes += needRunes
	}
	return b.String()
}

// idSlug names an article whose title gives no word: by its message id,
// reduced to lowercase ASCII, and its index inside the message.
func idSlug(a *archive.Article) string {
	id := slugWords(strings.ToLower(asciiOnly(a.ItemID)), 40, 40)
	if id == "" {
		id = "article"
	}
	if a.Index > 1 {
		id += "-" + strconv.Itoa(a.Index)
	}
	return id
}

func asciiOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r < utf8.RuneSelf {
			return r
		}
		return -1
	}, s)
}

// isReservedName reports names Windows refuses for any file, whatever the
// extension: CON, PRN, AUX, NUL, COM1-9, LPT1-9 (and their superscript-digit
// forms).
func isReservedName(name string) bool {
	base, _, _ := strings.Cut(name, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) >= 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) {
		switch base[3:] {
		case "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
			return true
		}
	}
	return false
}

// ValidSlug reports whether s can be used as an article's folder name: one
// path element that every common file system accepts and no hand-edited
// slugs.json entry can turn into a path outside the output folder.
func ValidSlug(s string) bool {
	if s == "" || len(s) > maxSlugBytes || !utf8.ValidString(s) {
		return false
	}
	if s == "." || s == ".." || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.HasSuffix(s, " ") || strings.HasPrefix(s, " ") {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`<>:"/\|?*`, r) || r == utf8.RuneError {
			return false
		}
	}
	return !isReservedName(s)
}

// slugKey is what two slugs are compared by: Windows and macOS file systems
// ignore case, so "Hello" and "hello" would be one folder there.
func slugKey(s string) string { return strings.ToLower(s) }

// slugMap is the persisted article key → slug table.
type slugMap struct {
	Version int               `json:"version"`
	Slugs   map[string]string `json:"slugs"`
}

const slugMapVersion = 1

// slugMapPath is where a build remembers the slugs it gave out, so that an
// article that appears later, earlier in walk order, cannot take the slug of
// one that is already published.
func slugMapPath(dir string) string {
	return filepath.Join(dir, ".mparchive", "slugs.json")
}

func loadSlugMap(dir string) (map[string]string, error) {
	b, err := os.ReadFile(slugMapPath(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	var m slugMap
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s is damaged (%v); delete it to assign slugs afresh (links to existing pages may change)", slugMapPath(dir), err)
	}
	if m.Slugs == nil {
		m.Slugs = map[string]string{}
	}
	return m.Slugs, nil
}

func saveSlugMap(dir string, slugs map[string]string) error {
	// encoding/json sorts map keys, which keeps the file deterministic.
	b, err := json.MarshalIndent(slugMap{Version: slugMapVersion, Slugs: slugs}, "", "  ")
	if err != nil {
		return err
	}
	_, err = archive.WriteFileDurable(slugMapPath(dir), append(b, '\n'))
	return err
}

// slugRequest is what slug assignment needs of one article: far less than
// the article, so that a first pass over a large archive stays small.
type slugRequest struct {
	Key      string
	Proposed string
	// free, when set, tells whether a slug new to the article is free in
	// the output folder: no file or folder of the user's, or of anyone's,
	// is where its page or images would go (the slug table names all that
	// mparchive wrote, so anything else there is not ours to overwrite).
	free func(slug string) bool
}

func newSlugRequest(a *archive.Article) slugRequest {
	return slugRequest{Key: a.Key(), Proposed: Slug(a)}
}

// freeIn is slugRequest.free for an article written into dir in layout l:
// neither its page nor its media folder exists. a must stay as it is
// until the slugs are assigned (a catalog's article does).
func freeIn(dir string, l postLayout, a *archive.Article) func(string) bool {
	return func(slug string) bool {
		page, media := l.paths(a, slug)
		return !outExists(dir, page) && !outExists(dir, media)
	}
}

// assignSlugs gives every article a unique slug. Slugs already in known are
// kept (when still valid and not claimed twice); new articles get their
// proposed slug, or it with -2, -3… when taken or not free in the output
// folder (slugRequest.free), in walk order. Entries of
// articles no longer in the archive stay in known and keep their slug
// reserved, so a page that comes back gets its old address. known is
// updated in place and the returned map holds the slug of each request.
func assignSlugs(reqs []slugRequest, known map[string]string) map[string]string {
	taken := make(map[string]string, len(known)+len(reqs)) // slugKey → article key
	// Honour the persisted table in a fixed order so that two entries
	// claiming one slug (a hand edit) always resolve the same way.
	keys := make([]string, 0, len(known))
	for k := range known {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		s := known[k]
		if !ValidSlug(s) {
			delete(known, k)
			continue
		}
		if _, dup := taken[slugKey(s)]; dup {
			delete(known, k)
			continue
		}
		taken[slugKey(s)] = k
	}
	out := make(map[string]string, len(reqs))
	for _, r := range reqs {
		if s, ok := known[r.Key]; ok {
			out[r.Key] = s
			continue
		}
		s := r.Proposed
		for n := 2; ; n++ {
			if _, dup := taken[slugKey(s)]; !dup && (r.free == nil || r.free(s)) {
				break
			}
			s = withSuffix(r.Proposed, n)
		}
		taken[slugKey(s)] = r.Key
		known[r.Key] = s
		out[r.Key] = s
	}
	return out
}

// withSuffix appends -n, shortening base at a rune boundary if the result
// would pass the byte bound.
func withSuffix(base string, n int) string {
	suffix := "-" + strconv.Itoa(n)
	for len(base)+len(suffix) > maxSlugBytes {
		_, size := utf8.DecodeLastRuneInString(base)
		base = base[:len(base)-size]
	}
	return strings.TrimRight(base, "-") + suffix
}
