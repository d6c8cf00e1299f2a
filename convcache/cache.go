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
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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
	index    map[Key]location
	packs    map[string]*pack // by file name
	out      *pack            // the pack this process appends to
	outW     *bufio.Writer
	outErr   error

	hits, misses, written atomic.Int64
}

type location struct {
	pack   *pack
	off, n int64 // the whole entry
}

type pack struct {
	name    string
	size    int64
	mod     time.Time
	indexed bool // has its .idx

	mu      sync.Mutex
	f       *os.File // opened on first read
	touched bool
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
		c.index = map[Key]location{}
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
			locs, indexed := readIndex(c.dir, p)
			if !indexed {
				locs = scanPack(c.dir, p)
			}
			p.indexed = indexed
			c.packs[name] = p
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
	loc, ok := c.index[k]
	if ok && loc.pack == c.out {
		// Written by this process and maybe still buffered.
		if c.outErr != nil || c.outW.Flush() != nil {
			ok = false
		}
	}
	c.mu.Unlock()
	if !ok || loc.n > int64(headerLen+trailerLen+maxValue) {
		return nil, false
	}
	f, err := loc.pack.open(c.dir)
	if err != nil {
		return nil, false
	}
	buf := make([]byte, loc.n)
	if _, err := f.ReadAt(buf, loc.off); err != nil {
		return nil, false
	}
	return decode(k, buf)
}

func (p *pack) open(dir string) (*os.File, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.f == nil {
		f, err := os.Open(filepath.Join(dir, p.name+".pack"))
		if err != nil {
			return nil, err
		}
		p.f = f
	}
	if !p.touched {
		// The pack is in use: eviction goes by this time.
		p.touched = true
		now := time.Now()
		os.Chtimes(p.f.Name(), now, now)
		p.mod = now
	}
	return p.f, nil
}

func decode(k Key, buf []byte) ([]byte, bool) {
	if len(buf) < headerLen+trailerLen || string(buf[:len(magic)]) != magic || !bytes.Equal(buf[len(magic):len(magic)+len(k)], k[:]) {
		return nil, false
	}
	n := binary.LittleEndian.Uint64(buf[headerLen-8 : headerLen])
	if n != uint64(len(buf)-headerLen-trailerLen) {
		return nil, false
	}
	body := buf[:len(buf)-trailerLen]
	sum := sha256.Sum256(body)
	if !bytes.Equal(sum[:], buf[len(body):]) {
		return nil, false
	}
	return body[headerLen:], true
}

func encode(k Key, v []byte) []byte {
	buf := make([]byte, 0, headerLen+len(v)+trailerLen)
	buf = append(buf, magic...)
	buf = append(buf, k[:]...)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(len(v)))
	buf = append(buf, v...)
	sum := sha256.Sum256(buf)
	return append(buf, sum[:]...)
}

// Put stores v under k. A cache that cannot be written only makes builds
// slower: the error is returned for tests and otherwise ignored.
func (c *Cache) Put(k Key, v []byte) error {
	if len(v) > maxValue {
		return fmt.Errorf("convcache: value of %d bytes is too large", len(v))
	}
	c.load()
	data := encode(k, v)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.index[k]; ok {
		return nil
	}
	if err := c.startPack(); err != nil {
		return err
	}
	off := c.out.size
	if _, err := c.outW.Write(data); err != nil {
		c.outErr = err
		return err
	}
	c.out.size += int64(len(data))
	c.index[k] = location{pack: c.out, off: off, n: int64(len(data))}
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
	c.packs[name] = c.out
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

// writeIndex writes p.idx: its entries' keys, offsets and lengths.
func (c *Cache) writeIndex(p *pack) error {
	var b []byte
	for k, l := range c.index {
		if l.pack == p {
			b = append(b, k[:]...)
			b = binary.LittleEndian.AppendUint64(b, uint64(l.off))
			b = binary.LittleEndian.AppendUint64(b, uint64(l.n))
		}
	}
	sum := sha256.Sum256(b)
	b = append(b, sum[:]...)
	tmp := filepath.Join(c.dir, "."+p.name+".idx.tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(c.dir, p.name+".idx")); err != nil {
		os.Remove(tmp)
		return err
	}
	p.indexed = true
	return nil
}

// readIndex reads a pack's index; false when it has none or it is damaged.
func readIndex(dir string, p *pack) (map[Key]location, bool) {
	b, err := os.ReadFile(filepath.Join(dir, p.name+".idx"))
	const rec = sha256.Size + 16
	if err != nil || len(b) < sha256.Size || (len(b)-sha256.Size)%rec != 0 {
		return nil, false
	}
	body := b[:len(b)-sha256.Size]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], b[len(body):]) {
		return nil, false
	}
	locs := make(map[Key]location, len(body)/rec)
	for i := 0; i < len(body); i += rec {
		var k Key
		copy(k[:], body[i:])
		off := int64(binary.LittleEndian.Uint64(body[i+sha256.Size:]))
		n := int64(binary.LittleEndian.Uint64(body[i+sha256.Size+8:]))
		if off < 0 || n < 0 || off+n > p.size {
			return nil, false
		}
		locs[k] = location{pack: p, off: off, n: n}
	}
	return locs, true
}

// scanPack finds the entries of a pack without an index (its run was
// killed, or is still writing) from their headers; a damaged or cut entry
// ends the scan. Values are checked when read.
func scanPack(dir string, p *pack) map[Key]location {
	locs := map[Key]location{}
	f, err := os.Open(filepath.Join(dir, p.name+".pack"))
	if err != nil {
		return locs
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	var off int64
	head := make([]byte, headerLen)
	for {
		if _, err := io.ReadFull(r, head); err != nil || string(head[:len(magic)]) != magic {
			return locs
		}
		n := binary.LittleEndian.Uint64(head[headerLen-8:])
		if n > maxValue {
			return locs
		}
		total := int64(headerLen) + int64(n) + trailerLen
		if off+total > p.size {
			return locs
		}
		var k Key
		copy(k[:], head[len(magic):])
		locs[k] = location{pack: p, off: off, n: total}
		if _, err := r.Discard(int(n) + trailerLen); err != nil {
			return locs
		}
		off += total
	}
}

// maintain deletes the packs used longest ago while the cache is over its
// bound, and merges the smaller packs when there are too many; c.mu is
// held and this process's pack is complete.
func (c *Cache) maintain() error {
	c.removeLeftovers()
	packs := make([]*pack, 0, len(c.packs))
	var total int64
	for _, p := range c.packs {
		if p.stale() {
			// A killed run's pack: indexed once, not scanned by every
			// run from now on.
			c.writeIndex(p)
		}
		packs = append(packs, p)
		total += p.size
	}
	slices.SortFunc(packs, func(x, y *pack) int {
		if d := x.mod.Compare(y.mod); d != 0 {
			return d
		}
		return strings.Compare(x.name, y.name)
	})
	for len(packs) > 0 && total > c.max {
		p := packs[0]
		if p == c.out && len(packs) == 1 {
			break
		}
		c.drop(p)
		total -= p.size
		packs = packs[1:]
	}
	if len(packs) <= maxPacks {
		return nil
	}
	// Merge all but the largest maxPacks/2 into one.
	slices.SortFunc(packs, func(x, y *pack) int { return cmpInt64(x.size, y.size) })
	return c.merge(packs[:len(packs)-maxPacks/2])
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// drop deletes a pack and forgets its entries.
func (c *Cache) drop(p *pack) {
	if p.f != nil {
		p.f.Close()
		p.f = nil
	}
	os.Remove(filepath.Join(c.dir, p.name+".idx"))
	os.Remove(filepath.Join(c.dir, p.name+".pack"))
	delete(c.packs, p.name)
	for k, l := range c.index {
		if l.pack == p {
			delete(c.index, k)
		}
	}
}

// stale tells a pack without an index that no running process writes to
// any more, by the time in its name.
func (p *pack) stale() bool {
	if p.indexed {
		return false
	}
	ns, _, _ := strings.Cut(p.name, "-")
	n, err := strconv.ParseInt(ns, 10, 64)
	return err != nil || time.Since(time.Unix(0, n)) > staleAfter
}

// merge copies the entries of packs into a new pack and deletes them. A
// pack without an index may belong to a run still writing: it is left.
func (c *Cache) merge(packs []*pack) error {
	var from []*pack
	for _, p := range packs {
		if p.indexed || p.stale() {
			from = append(from, p)
		}
	}
	if len(from) < 2 {
		return nil
	}
	name := fmt.Sprintf("%d-%d-%d", time.Now().UnixNano(), os.Getpid(), packSeq.Add(1))
	f, err := os.OpenFile(filepath.Join(c.dir, name+".pack"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	merged := &pack{name: name, f: f, mod: time.Now(), touched: true}
	w := bufio.NewWriterSize(f, 256<<10)
	moved := map[Key]location{}
	for k, l := range c.index {
		if !slices.Contains(from, l.pack) {
			continue
		}
		src, err := l.pack.open(c.dir)
		if err != nil {
			continue
		}
		buf := make([]byte, l.n)
		if _, err := src.ReadAt(buf, l.off); err != nil {
			continue
		}
		if _, ok := decode(k, buf); !ok {
			continue
		}
		if _, err := w.Write(buf); err != nil {
			f.Close()
			os.Remove(f.Name())
			return err
		}
		moved[k] = location{pack: merged, off: merged.size, n: l.n}
		merged.size += l.n
	}
	if err := w.Flush(); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	c.packs[name] = merged
	for k, l := range moved {
		c.index[k] = l
	}
	if err := c.writeIndex(merged); err != nil {
		return err
	}
	for _, p := range from {
		c.drop(p)
	}
	return nil
}

// removeLeftovers deletes temporary files of killed runs.
func (c *Cache) removeLeftovers() {
	for _, dir := range []string{c.dir, filepath.Join(c.dir, "state")} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), ".") || !strings.HasSuffix(e.Name(), ".tmp") {
				continue
			}
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleAfter {
				os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
}

// State values are small files that a build replaces (what it left in an
// output folder, say), kept beside the packs under their key.

func (c *Cache) statePath(k Key) string { return filepath.Join(c.dir, "state", k.String()) }

// GetState returns the state value stored under k.
func (c *Cache) GetState(k Key) ([]byte, bool) {
	b, err := os.ReadFile(c.statePath(k))
	if err != nil {
		return nil, false
	}
	return decode(k, b)
}

// PutState stores a state value under k, replacing any.
func (c *Cache) PutState(k Key, v []byte) error {
	p := c.statePath(k)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(p), "."+k.String()+"."+strconv.Itoa(os.Getpid())+".tmp")
	if err := os.WriteFile(tmp, encode(k, v), 0o600); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// DeleteState removes the state value of k, if any.
func (c *Cache) DeleteState(k Key) {
	if err := os.Remove(c.statePath(k)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return
	}
}

// ProgramID identifies the running program by the SHA-256 of its
// executable. Keys include it, so that a new version (another converter,
// another page layout) never reads what an older one stored. It costs one
// read of the executable per process.
var ProgramID = sync.OnceValues(func() (string, error) {
	path, err := os.Executable()
	if err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
})
