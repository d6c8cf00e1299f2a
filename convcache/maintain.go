package convcache

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

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
	c.packIDs[p.id] = nil
	for k, l := range c.index {
		if l.pack == p.id {
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
	moved := map[halfKey]location{}
	for k, l := range c.index {
		p := c.packIDs[l.pack]
		if !slices.Contains(from, p) {
			continue
		}
		src, err := p.open(c.dir)
		if err != nil {
			continue
		}
		buf := make([]byte, l.n)
		if _, err := src.ReadAt(buf, l.off); err != nil || len(buf) < headerLen {
			continue
		}
		// The whole key is the entry's own, if its half is k.
		full := Key(buf[len(magic) : len(magic)+sha256.Size])
		if full.half() != k {
			continue
		}
		if _, ok := decode(full, buf); !ok {
			continue
		}
		if _, err := w.Write(buf); err != nil {
			f.Close()
			os.Remove(f.Name())
			return err
		}
		moved[k] = location{off: merged.size, n: l.n}
		merged.size += int64(l.n)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	c.addPack(merged)
	for k, l := range moved {
		l.pack = merged.id
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
