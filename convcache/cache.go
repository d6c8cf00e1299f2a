// Package convcache keeps the results of converting article bodies between
// builds, so that a rebuild (another theme, a day with a few new articles,
// the same archive built again) converts only what changed.
//
// An entry is named by a key that sums up everything its value depends on
// (the caller's business: body hash, program, format …), so entries are
// never updated, only added, and any of them may be deleted at any time:
// the cache is a folder of files that is safe to delete as a whole or in
// part. A damaged or truncated entry reads as a miss, never as an error
// or as a wrong value.
//
// Layout: ROOT/v1/<ab>/<64 hex digits>, each file
//
//	magic "MPCONV1\n" | key (32 bytes) | length (8, little-endian) | value | SHA-256 of all before (32)
package convcache

import (
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
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxBytes bounds the cache unless told otherwise: beyond it, the
// entries used longest ago are deleted after a build.
const DefaultMaxBytes = 1 << 30

// EnvDir names the environment variable that moves the cache.
const EnvDir = "MPARCHIVE_CACHE_DIR"

const (
	magic      = "MPCONV1\n"
	headerLen  = len(magic) + sha256.Size + 8
	trailerLen = sha256.Size
	// maxValue bounds what Get reads: no converted article comes near it,
	// and a damaged length field must not make a read allocate gigabytes.
	maxValue = 256 << 20
	// touchAfter is how stale an entry's time may get before a hit
	// renews it: eviction goes by that time, and renewing it on every hit
	// would cost a system call per article.
	touchAfter = 24 * time.Hour
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
	dir string // ROOT/v1
	max int64

	made    sync.Map // subfolders known to exist
	written atomic.Int64
	hits    atomic.Int64
	misses  atomic.Int64
}

// Open returns the cache in root, bounded to maxBytes (DefaultMaxBytes
// when <= 0). Nothing is created until the first Put.
func Open(root string, maxBytes int64) *Cache {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return &Cache{dir: filepath.Join(root, "v1"), max: maxBytes}
}

func (c *Cache) path(k Key) string {
	s := k.String()
	return filepath.Join(c.dir, s[:2], s)
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
	f, err := os.Open(c.path(k))
	if err != nil {
		return nil, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() < int64(headerLen+trailerLen) || st.Size() > int64(headerLen+trailerLen+maxValue) {
		return nil, false
	}
	buf := make([]byte, st.Size())
	if _, err := io.ReadFull(f, buf); err != nil {
		return nil, false
	}
	v, ok := decode(k, buf)
	if ok && time.Since(st.ModTime()) > touchAfter {
		now := time.Now()
		os.Chtimes(f.Name(), now, now)
	}
	return v, ok
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

var tempSeq atomic.Uint64

// Put stores v under k, through a temporary file and a rename, so that no
// reader sees half an entry. A cache that cannot be written only makes
// builds slower: the error is returned for tests and otherwise ignored.
func (c *Cache) Put(k Key, v []byte) error {
	if len(v) > maxValue {
		return fmt.Errorf("convcache: value of %d bytes is too large", len(v))
	}
	p := c.path(k)
	dir := filepath.Dir(p)
	if _, ok := c.made.Load(dir); !ok {
		// Private: entries hold HTML that pages include as it is.
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		c.made.Store(dir, true)
	}
	tmp := filepath.Join(dir, fmt.Sprintf(".tmp-%d-%d", os.Getpid(), tempSeq.Add(1)))
	data := encode(k, v)
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return err
	}
	c.written.Add(int64(len(data)))
	return nil
}

// Stats tells how the cache served this process: hits, misses and bytes
// written.
func (c *Cache) Stats() (hits, misses, written int64) {
	return c.hits.Load(), c.misses.Load(), c.written.Load()
}

// Trim keeps the cache within its bound: when it holds more than that,
// the entries used longest ago are deleted until it holds four fifths of
// it. It does nothing after a run that wrote nothing, so that a build
// whose every article was cached does not walk the cache. Temporary files
// left by killed runs go too.
func (c *Cache) Trim() error {
	if c.written.Load() == 0 {
		return nil
	}
	return c.trim(c.max)
}

func (c *Cache) trim(max int64) error {
	type entry struct {
		path string
		size int64
		mod  time.Time
	}
	var (
		entries []entry
		total   int64
	)
	stale := time.Now().Add(-time.Hour)
	err := filepath.WalkDir(c.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil // deleted meanwhile
		}
		if strings.HasPrefix(d.Name(), ".tmp-") {
			if info.ModTime().Before(stale) {
				os.Remove(p)
			}
			return nil
		}
		entries = append(entries, entry{p, info.Size(), info.ModTime()})
		total += info.Size()
		return nil
	})
	if err != nil || total <= max {
		return err
	}
	slices.SortFunc(entries, func(x, y entry) int {
		if c := x.mod.Compare(y.mod); c != 0 {
			return c
		}
		return strings.Compare(x.path, y.path)
	})
	goal := max / 5 * 4
	for _, e := range entries {
		if total <= goal {
			break
		}
		if err := os.Remove(e.path); err == nil || errors.Is(err, fs.ErrNotExist) {
			total -= e.size
		}
	}
	return nil
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

// Delete removes the entry of k, if any.
func (c *Cache) Delete(k Key) {
	os.Remove(c.path(k))
}
