// Package convcache keeps the results of converting article bodies between
// builds, so that a rebuild (another theme, a day with a few new articles,
// the same archive built again) converts only what changed.
//
// An entry is named by a key that sums up everything its value depends on
// (the caller's business: body hash, program, format …), so entries are
// never updated, only added. The cache is a folder of files any of which
// may be deleted at any time, or the whole folder: a missing, damaged or
// truncated entry reads as a miss, never as an error or a wrong value.
//
// Entries are appended to pack files, one per process that writes, rather
// than kept one per file: creating tens of thousands of small files cost a
// first build a fifth of its time. Layout of ROOT/v2:
//
//	<name>.pack   entries, each: magic "MPCONV2\n" | key (32) |
//	              length (8, little-endian) | value | SHA-256 of all before (32)
//	<name>.idx    the pack's keys and offsets, written when the pack is complete
//	state/<key>   small values that are replaced, not added (PutState)
//
// The cache is bounded (DefaultMaxBytes): after a build the packs used
// longest ago are deleted until it fits, and many small packs are merged
// into one.
package convcache

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxBytes bounds the cache unless told otherwise.
const DefaultMaxBytes = 1 << 30

// EnvDir names the environment variable that moves the cache.
const EnvDir = "MPARCHIVE_CACHE_DIR"

const (
	magic      = "MPCONV2\n"
	headerLen  = len(magic) + sha256.Size + 8
	trailerLen = sha256.Size
	// maxValue bounds an entry: no converted article comes near it, and
	// a damaged length field must not make a read allocate gigabytes.
	maxValue = 256 << 20
	// maxPacks is how many packs may pile up before the smaller ones are
	// merged: each build that converts anything adds one.
	maxPacks = 16
	// staleAfter is the age after which a pack without its index is taken
	// for the leftover of a killed run, not the pack of a running one.
	staleAfter = time.Hour
)

// Key names an entry.
type Key [sha256.Size]byte

// KeyOf sums parts into a key; each part is length-prefixed, so no two
// different lists of parts give the same key.
func KeyOf(parts ...[]byte) Key {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	for _, p := range parts {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(p)))])
		h.Write(p)
	}
	var k Key
	h.Sum(k[:0])
	return k
}

func (k Key) String() string { return hex.EncodeToString(k[:]) }

// DefaultDir is where the cache lives unless told otherwise: the folder
// $MPARCHIVE_CACHE_DIR names, else mparchive in the user's cache folder
// (~/.cache on Linux, ~/Library/Caches on macOS, %LocalAppData% on
// Windows).
func DefaultDir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		return d, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "mparchive"), nil
}

// Cache is a folder of entries. Its methods are safe for concurrent use,
// and several processes may share one folder.
type Cache struct {
	dir string // ROOT/v2
	max int64

	loadOnce sync.Once
	mu       sync.Mutex
	// index holds every entry of every pack, by the first half of its
	// key: a build puts an entry or two per article, and the index lives
	// as long as the build. An entry read is checked against its whole
	// key (decode), so two keys that share a half only miss.
	index   map[halfKey]location
	packs   map[string]*pack // by file name
	packIDs []*pack          // by pack.id; nil once dropped
	out     *pack            // the pack this process appends to
	outW    *bufio.Writer
	outErr  error

	hits, misses, written atomic.Int64
}

// halfKey is a Key as the index holds it.
type halfKey [sha256.Size / 2]byte

func (k Key) half() halfKey { return halfKey(k[:sha256.Size/2]) }

// location is where an entry lies: in pack packIDs[pack], n bytes (the
// whole entry, which maxEntry bounds) at off.
type location struct {
	off  int64
	n    uint32
	pack uint32
}

// maxEntry bounds a whole entry: header, value and trailer.
const maxEntry = int64(headerLen + maxValue + trailerLen)

// addPack gives p its id; c.mu held or the cache loading.
func (c *Cache) addPack(p *pack) {
	p.id = uint32(len(c.packIDs))
	c.packIDs = append(c.packIDs, p)
	c.packs[p.name] = p
}

// Open returns the cache in root, bounded to maxBytes (DefaultMaxBytes
// when <= 0). Nothing is read or created until it is used.
func Open(root string, maxBytes int64) *Cache {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return &Cache{dir: filepath.Join(root, "v2"), max: maxBytes}
}

// load reads the indexes of the packs there are.
func (c *Cache) load() {
	c.loadOnce.Do(func() {
		c.index = map[halfKey]location{}
		c.packs = map[string]*pack{}
		entries, err := os.ReadDir(c.dir)
		if err != nil {
			return
		}
		for _, e := range entries {
			name, ok := strings.CutSuffix(e.Name(), ".pack")
			if !ok || e.IsDir() || strings.HasPrefix(name, ".") {
				continue
			}
			info, err := e.Info()
			if err != nil {
				continue
			}
			p := &pack{name: name, size: info.Size(), mod: info.ModTime()}
			c.addPack(p)
			locs, indexed := readIndex(c.dir, p)
			if !indexed {
				locs = scanPack(c.dir, p)
			}
			p.indexed = indexed
			for k, l := range locs {
				c.index[k] = l
			}
		}
	})
}

// Get returns the value stored under k. Anything but a whole, intact entry
// of that key is a miss.
func (c *Cache) Get(k Key) ([]byte, bool) {
	v, ok := c.get(k)
	if ok {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
	return v, ok
}

func (c *Cache) get(k Key) ([]byte, bool) {
	c.load()
	c.mu.Lock()
	loc, ok := c.index[k.half()]
	var p *pack
	if ok {
		p = c.packIDs[loc.pack]
	}
	if ok && p == c.out {
		// Written by this process and maybe still buffered.
		if c.outErr != nil || c.outW.Flush() != nil {
			ok = false
		}
	}
	c.mu.Unlock()
	if !ok || p == nil || int64(loc.n) > maxEntry {
		return nil, false
	}
	f, err := p.open(c.dir)
	if err != nil {
		return nil, false
	}
	buf := make([]byte, loc.n)
	if _, err := f.ReadAt(buf, loc.off); err != nil {
		return nil, false
	}
	return decode(k, buf)
}

// Put stores v under k, in place of what k held: a caller puts only what
// it converted because the stored value no longer fitted (a pre-converted
// guess, an image that arrived since), and the newer value must win, in this
// process and in the next (packs load oldest first, so a later pack's entry
// replaces an earlier one's). A cache that cannot be written only makes
// builds slower: the error is returned for tests and otherwise ignored.
func (c *Cache) Put(k Key, v []byte) error {
	if len(v) > maxValue {
		return fmt.Errorf("convcache: value of %d bytes is too large", len(v))
	}
	c.load()
	data := encode(k, v)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.startPack(); err != nil {
		return err
	}
	off := c.out.size
	if _, err := c.outW.Write(data); err != nil {
		c.outErr = err
		return err
	}
	c.out.size += int64(len(data))
	c.index[k.half()] = location{pack: c.out.id, off: off, n: uint32(len(data))}
	c.written.Add(int64(len(data)))
	return nil
}

var packSeq atomic.Uint64

// startPack creates this process's pack on its first Put; c.mu is held.
func (c *Cache) startPack() error {
	if c.outErr != nil {
		return c.outErr
	}
	if c.out != nil {
		return nil
	}
	// Private: entries hold HTML that pages include as it is.
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		c.outErr = err
		return err
	}
	name := fmt.Sprintf("%d-%d-%d", time.Now().UnixNano(), os.Getpid(), packSeq.Add(1))
	f, err := os.OpenFile(filepath.Join(c.dir, name+".pack"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		c.outErr = err
		return err
	}
	c.out = &pack{name: name, f: f, mod: time.Now(), touched: true}
	c.outW = bufio.NewWriterSize(f, 256<<10)
	c.addPack(c.out)
	return nil
}

// Stats tells how the cache served this process: hits, misses and bytes
// written.
func (c *Cache) Stats() (hits, misses, written int64) {
	return c.hits.Load(), c.misses.Load(), c.written.Load()
}

// Close completes this process's pack (its index), keeps the cache within
// its bound and merges small packs, then closes the files. The Cache must
// not be used afterwards. After a run that wrote nothing it only closes.
func (c *Cache) Close() error {
	c.load()
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	if c.out != nil && c.outErr == nil {
		if err = c.outW.Flush(); err == nil {
			err = c.writeIndex(c.out)
		}
	}
	if c.written.Load() > 0 && err == nil {
		err = c.maintain()
	}
	for _, p := range c.packs {
		if p.f != nil {
			p.f.Close()
			p.f = nil
		}
	}
	return err
}
