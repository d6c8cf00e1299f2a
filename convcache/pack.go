package convcache

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// A pack is one file of entries, written by one process and read by any
// (layout in the package comment); this file reads and writes packs and
// their indexes.
type pack struct {
	name    string
	id      uint32 // in Cache.packIDs
	size    int64
	mod     time.Time
	indexed bool // has its .idx

	mu      sync.Mutex
	f       *os.File // opened on first read
	touched bool
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

// writeIndex writes p.idx: its entries' keys, offsets and lengths. The
// index in memory holds half of each key: the whole key is read back from
// the entry's header, which p's writer has flushed.
func (c *Cache) writeIndex(p *pack) error {
	f, err := os.Open(filepath.Join(c.dir, p.name+".pack"))
	if err != nil {
		return err
	}
	defer f.Close()
	var b []byte
	head := make([]byte, len(magic)+sha256.Size)
	for k, l := range c.index {
		if l.pack != p.id {
			continue
		}
		if _, err := f.ReadAt(head, l.off); err != nil || string(head[:len(magic)]) != magic || Key(head[len(magic):]).half() != k {
			// Not the entry the index says: leave it out, a miss.
			continue
		}
		b = append(b, head[len(magic):]...)
		b = binary.LittleEndian.AppendUint64(b, uint64(l.off))
		b = binary.LittleEndian.AppendUint64(b, uint64(l.n))
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
func readIndex(dir string, p *pack) (map[halfKey]location, bool) {
	b, err := os.ReadFile(filepath.Join(dir, p.name+".idx"))
	const rec = sha256.Size + 16
	if err != nil || len(b) < sha256.Size || (len(b)-sha256.Size)%rec != 0 {
		return nil, false
	}
	body := b[:len(b)-sha256.Size]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], b[len(body):]) {
		return nil, false
	}
	locs := make(map[halfKey]location, len(body)/rec)
	for i := 0; i < len(body); i += rec {
		var k Key
		copy(k[:], body[i:])
		off := int64(binary.LittleEndian.Uint64(body[i+sha256.Size:]))
		n := int64(binary.LittleEndian.Uint64(body[i+sha256.Size+8:]))
		if off < 0 || n < 0 || n > maxEntry || off+n > p.size {
			return nil, false
		}
		locs[k.half()] = location{pack: p.id, off: off, n: uint32(n)}
	}
	return locs, true
}

// scanPack finds the entries of a pack without an index (its run was
// killed, or is still writing) from their headers; a damaged or cut entry
// ends the scan. Values are checked when read.
func scanPack(dir string, p *pack) map[halfKey]location {
	locs := map[halfKey]location{}
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
		locs[k.half()] = location{pack: p.id, off: off, n: uint32(total)}
		if _, err := r.Discard(int(n) + trailerLen); err != nil {
			return locs
		}
		off += total
	}
}

// maintain deletes the packs used longest ago while the cache is over its
// bound, and merges the smaller packs when there are too many; c.mu is
// held and this process's pack is complete.
