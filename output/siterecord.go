package output

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/convcache"
)

// A rebuild of the site with another theme, or with nothing new, used to
// render every page again only to find most of them equal to the file on
// disk: the article pages and the archive and author lists do not change
// with a theme that restyles the home page. The page record remembers, for
// every page the last complete build wrote, a fingerprint of what decides
// its bytes and the size and modification time the file had then; a page
// whose fingerprint and file are both unchanged is not rendered again.
//
// A page's bytes are siteTheme.render(kind, view): they depend on this
// program, the template files of the kind's set, and the view. The
// fingerprint hashes the program's id, the kind's template files
// (siteTheme.sums), the page's path and every field of the view, walked by
// reflection so that a field added to a view is hashed too; a view holding
// anything the walk does not know (a map, an interface, an unexported
// field) has no fingerprint and is always rendered. Everything else a page
// shows (the base URL, the site's title, flags such as --removed, an
// article's neighbours, its body) reaches the template through the view,
// so changing it changes the fingerprint.
//
// The files of the search index, which the cache keeps under a key of
// everything they are made from, go into the record under that key and
// their name (fileFingerprint).
//
// The file is trusted to be the one written when its size and modification
// time (to the nanosecond) are those recorded: a user who edits or deletes
// a page gets it back on the next build. (An edit of the same size within
// the file system's clock tick of the build's own write, while the build
// runs, would go unnoticed; so would a file put back with its old size and
// time on purpose.) Like the record of media folders
// (prune.go), the record lives in the conversion cache's state, not in the
// output, under the folder's absolute path, and is taken out when a build
// starts: a build that stops half-way leaves none, and the next renders
// every page. Without a cache every page is rendered, as before.
//
// Memory: the last build's record and this one's, 32 bytes per page each,
// plus a fingerprint per article (sitePost.fp).

// pagePutter is a postLayout that writes its article pages itself: the
// site's htmlPage returns no page when the file on disk is that page
// already, and a page it writes goes into the record.
type pagePutter interface {
	putPage(art *archive.Article, rel string, page []byte) (changed bool, err error)
}

const pageRecordVersion = "mparchive site pages 1"

// pageEntry is one page of the record: its fingerprint (which names its
// path) and its file as written.
type pageEntry struct {
	fp    pageFP
	size  int64
	mtime int64 // Unix nanoseconds
}

type pageFP [16]byte

const pageEntrySize = 16 + 8 + 8

// pageRecord is the record of one site build. A nil one keeps nothing and
// finds nothing: every page is rendered.
type pageRecord struct {
	cache   *convcache.Cache
	key     convcache.Key
	dir     string
	program string
	old     []pageEntry // sorted by fp

	mu  sync.Mutex
	now []pageEntry
}

func pageRecordKey(abs string) convcache.Key {
	return convcache.KeyOf([]byte(pageRecordVersion), []byte(abs))
}

// startPageRecord takes the record of the folder dir out of the cache.
func startPageRecord(cache *convcache.Cache, dir string) *pageRecord {
	if cache == nil {
		return nil
	}
	program, err := convcache.ProgramID()
	if err != nil {
		return nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil
	}
	r := &pageRecord{cache: cache, key: pageRecordKey(abs), dir: dir, program: program}
	if v, ok := cache.GetState(r.key); ok {
		r.old = decodePageEntries(v)
	}
	cache.DeleteState(r.key)
	return r
}

func decodePageEntries(b []byte) []pageEntry {
	if len(b)%pageEntrySize != 0 {
		return nil
	}
	out := make([]pageEntry, 0, len(b)/pageEntrySize)
	for ; len(b) > 0; b = b[pageEntrySize:] {
		e := pageEntry{size: int64(binary.LittleEndian.Uint64(b[16:])), mtime: int64(binary.LittleEndian.Uint64(b[24:]))}
		copy(e.fp[:], b)
		out = append(out, e)
	}
	// Written sorted; a record that is not is not used.
	if !slices.IsSortedFunc(out, comparePageEntries) {
		return nil
	}
	return out
}

func comparePageEntries(x, y pageEntry) int { return bytes.Compare(x.fp[:], y.fp[:]) }

// fingerprint sums up what decides the bytes of the page of kind at rel
// (slash-separated, below the site's root) rendered from v; false when v
// holds something it cannot hash.
func (r *pageRecord) fingerprint(theme *siteTheme, kind, rel string, v *pageView) (pageFP, bool) {
	if r == nil {
		return pageFP{}, false
	}
	sum, ok := theme.sums[kind]
	if !ok {
		return pageFP{}, false
	}
	e := viewEncoderPool.Get().(*viewEncoder)
	defer viewEncoderPool.Put(e)
	if e.h == nil {
		e.h = sha256.New()
	}
	e.h.Reset()
	e.b = append(e.b[:0], pageRecordVersion...)
	e.str(r.program)
	e.b = append(e.b, sum[:]...)
	e.str(kind)
	e.str(rel)
	if !e.value(reflect.ValueOf(v).Elem()) {
		return pageFP{}, false
	}
	e.h.Write(e.b)
	var full [sha256.Size]byte
	e.h.Sum(full[:0])
	if cap(e.b) > 1<<20 {
		e.b = nil // an outsized body: let it go rather than pool it
	}
	return pageFP(full[:16]), true
}

// fileFingerprint is the fingerprint of a file whose bytes the cache
// keeps under key and name, made by this program from what key sums up:
// the files of the search index.
func (r *pageRecord) fileFingerprint(key convcache.Key, name string) (pageFP, bool) {
	if r == nil {
		return pageFP{}, false
	}
	h := sha256.New()
	var e viewEncoder
	e.str(pageRecordVersion + " file")
	e.str(r.program)
	e.b = append(e.b, key[:]...)
	e.str(name)
	h.Write(e.b)
	return pageFP(h.Sum(nil)[:16]), true
}

// kept tells whether the page at rel is the file the last build wrote
// from a view of this fingerprint; it then goes into this build's record.
// rel is checked the way writeOut checks it, so a link on the way is
// never taken for the page.
func (r *pageRecord) kept(fp pageFP, rel string) bool {
	if r == nil {
		return false
	}
	i, ok := slices.BinarySearchFunc(r.old, fp, func(e pageEntry, fp pageFP) int { return bytes.Compare(e.fp[:], fp[:]) })
	if !ok {
		return false
	}
	e := r.old[i]
	st, ok := r.stat(rel)
	st.fp = fp
	if !ok || st != e {
		return false
	}
	r.add(e)
	return true
}

// stat returns the entry of the file at rel, fingerprint aside.
func (r *pageRecord) stat(rel string) (pageEntry, bool) {
	p, err := checkOutPath(r.dir, rel)
	if err != nil {
		return pageEntry{}, false
	}
	st, err := os.Lstat(p)
	if err != nil || !st.Mode().IsRegular() {
		return pageEntry{}, false
	}
	return pageEntry{size: st.Size(), mtime: st.ModTime().UnixNano()}, true
}

// wrote records the page at rel, just written from a view of this
// fingerprint.
func (r *pageRecord) wrote(fp pageFP, rel string) {
	if r == nil {
		return
	}
	e, ok := r.stat(rel)
	if !ok {
		return
	}
	e.fp = fp
	r.add(e)
}

func (r *pageRecord) add(e pageEntry) {
	r.mu.Lock()
	r.now = append(r.now, e)
	r.mu.Unlock()
}

// finish stores this build's record; call it once every page is written.
func (r *pageRecord) finish() {
	if r == nil {
		return
	}
	slices.SortFunc(r.now, comparePageEntries)
	r.now = slices.CompactFunc(r.now, func(x, y pageEntry) bool { return x.fp == y.fp })
	b := make([]byte, 0, len(r.now)*pageEntrySize)
	for _, e := range r.now {
		b = append(b, e.fp[:]...)
		b = binary.LittleEndian.AppendUint64(b, uint64(e.size))
		b = binary.LittleEndian.AppendUint64(b, uint64(e.mtime))
	}
	// A record that cannot be stored only costs the next build its
	// rendering.
	_ = r.cache.PutState(r.key, b)
}

// viewEncoder writes a view as bytes for the fingerprint: every field in
// order, strings with their length, pointers and slices marked nil or
// not, so that two different views never write the same bytes. With h,
// the bytes go on to h as they come, a few kilobytes at a time: the views
// of the year and author pages of a large account encode to megabytes.
type viewEncoder struct {
	b []byte
	h hash.Hash
}

// viewEncoderChunk is how many bytes an encoder with a hash holds at most
// (besides what one string adds).
const viewEncoderChunk = 16 << 10

func (e *viewEncoder) drain() {
	if e.h != nil && len(e.b) >= viewEncoderChunk {
		e.h.Write(e.b)
		e.b = e.b[:0]
	}
}

var viewTimeType = reflect.TypeFor[time.Time]()

var viewEncoderPool = sync.Pool{New: func() any { return &viewEncoder{b: make([]byte, 0, 64<<10)} }}

func (e *viewEncoder) str(s string) {
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *viewEncoder) value(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		e.str(v.String())
	case reflect.Bool:
		if v.Bool() {
			e.b = append(e.b, 1)
		} else {
			e.b = append(e.b, 0)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.b = binary.AppendVarint(e.b, v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		e.b = binary.AppendUvarint(e.b, v.Uint())
	case reflect.Slice:
		if v.IsNil() {
			e.b = append(e.b, 0)
			return true
		}
		e.b = binary.AppendUvarint(e.b, uint64(v.Len())+1)
		if v.Type().Elem().Kind() == reflect.Uint8 {
			if e.h != nil {
				e.h.Write(e.b)
				e.b = e.b[:0]
				e.h.Write(v.Bytes())
			} else {
				e.b = append(e.b, v.Bytes()...)
			}
			return true
		}
		for i := range v.Len() {
			if !e.value(v.Index(i)) {
				return false
			}
		}
	case reflect.Pointer:
		if v.IsNil() {
			e.b = append(e.b, 0)
			return true
		}
		e.b = append(e.b, 1)
		return e.value(v.Elem())
	case reflect.Struct:
		t := v.Type()
		if t == viewTimeType {
			e.time(v.Interface().(time.Time))
			return true
		}
		e.drain()
		for i := range t.NumField() {
			if !t.Field(i).IsExported() || !e.value(v.Field(i)) {
				return false
			}
		}
	default:
		return false
	}
	return true
}

// time writes what any formatting of t can show: the instant, and the
// zone's name and offset at that instant.
func (e *viewEncoder) time(t time.Time) {
	name, offset := t.Zone()
	e.b = binary.AppendVarint(e.b, t.Unix())
	e.b = binary.AppendVarint(e.b, int64(t.Nanosecond()))
	e.str(name)
	e.b = binary.AppendVarint(e.b, int64(offset))
	e.str(t.Location().String())
	if t.IsZero() {
		e.b = append(e.b, 0)
	} else {
		e.b = append(e.b, 1)
	}
}
