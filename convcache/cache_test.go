package convcache

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func key(s string) Key { return KeyOf([]byte(s)) }

// reopen closes c and opens its folder again, as the next run would.
func reopen(t *testing.T, c *Cache) *Cache {
	t.Helper()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	return Open(filepath.Dir(c.dir), c.max)
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		value []byte
	}{
		{"empty", []byte{}},
		{"text", []byte("<p>正文</p>")},
		{"large", bytes.Repeat([]byte("x"), 1<<20)},
	}
	c := Open(t.TempDir(), 0)
	for _, tt := range tests {
		if _, ok := c.Get(key(tt.name)); ok {
			t.Fatalf("%s: hit before Put", tt.name)
		}
		if err := c.Put(key(tt.name), tt.value); err != nil {
			t.Fatal(err)
		}
	}
	check := func(c *Cache, when string) {
		for _, tt := range tests {
			got, ok := c.Get(key(tt.name))
			if !ok || !bytes.Equal(got, tt.value) {
				t.Errorf("%s, %s: Get = %d bytes, %v; want %d bytes", when, tt.name, len(got), ok, len(tt.value))
			}
		}
	}
	check(c, "same run")
	c = reopen(t, c)
	check(c, "next run")
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestKeyOfSeparatesParts(t *testing.T) {
	if KeyOf([]byte("ab"), []byte("c")) == KeyOf([]byte("a"), []byte("bc")) {
		t.Error("parts that concatenate alike give one key")
	}
	if KeyOf([]byte("a")) != KeyOf([]byte("a")) {
		t.Error("KeyOf is not deterministic")
	}
}

// packFiles lists the packs of a cache folder and their indexes.
func packFiles(t *testing.T, c *Cache, ext string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(c.dir, "*"+ext))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDamagedPacksMiss damages a pack and its index in every way a crash,
// a full disk or a hand edit can, and checks that each damaged entry reads
// as a miss and each intact one as itself.
func TestDamagedPacksMiss(t *testing.T) {
	values := map[string][]byte{"a": []byte("<p>first body</p>"), "b": []byte("<p>second body</p>"), "c": []byte("<p>third</p>")}
	tests := []struct {
		name string
		// damage changes the pack's bytes and says which keys survive.
		damage func(t *testing.T, pack, idx string, offs map[string][2]int64) []string
	}{
		{"pack emptied", func(t *testing.T, pack, _ string, _ map[string][2]int64) []string {
			write(t, pack, nil)
			return nil
		}},
		{"last entry cut, no index", func(t *testing.T, pack, idx string, offs map[string][2]int64) []string {
			os.Remove(idx)
			data := read(t, pack)
			write(t, pack, data[:len(data)-5])
			return keysBefore(offs, int64(len(data)-5))
		}},
		{"last entry cut, index kept", func(t *testing.T, pack, _ string, offs map[string][2]int64) []string {
			data := read(t, pack)
			write(t, pack, data[:len(data)-5])
			return keysBefore(offs, int64(len(data)-5))
		}},
		{"byte flipped in a value", func(t *testing.T, pack, _ string, offs map[string][2]int64) []string {
			data := read(t, pack)
			data[offs["b"][0]+int64(headerLen)+2] ^= 1
			write(t, pack, data)
			return []string{"a", "c"}
		}},
		{"byte flipped in a checksum", func(t *testing.T, pack, _ string, offs map[string][2]int64) []string {
			data := read(t, pack)
			o := offs["a"]
			data[o[0]+o[1]-1] ^= 1
			write(t, pack, data)
			return []string{"b", "c"}
		}},
		{"index damaged", func(t *testing.T, _, idx string, _ map[string][2]int64) []string {
			data := read(t, idx)
			data[3] ^= 1
			write(t, idx, data)
			return []string{"a", "b", "c"} // read by scanning the pack
		}},
		{"first entry cut off the pack", func(t *testing.T, pack, idx string, offs map[string][2]int64) []string {
			// The index no longer fits the pack, which is then scanned.
			data := read(t, pack)
			a := offs["a"]
			write(t, pack, data[a[0]+a[1]:])
			return []string{"b", "c"}
		}},
		{"pack replaced by a shorter one", func(t *testing.T, pack, idx string, offs map[string][2]int64) []string {
			// Every offset of the index lands on the wrong key or
			// mid-entry, within the file.
			data := read(t, pack)
			a := offs["a"]
			write(t, pack, append(data[a[0]+a[1]:], make([]byte, a[1])...))
			return nil
		}},
		{"zeros", func(t *testing.T, pack, _ string, _ map[string][2]int64) []string {
			write(t, pack, make([]byte, len(read(t, pack))))
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Open(t.TempDir(), 0)
			offs := map[string][2]int64{}
			for _, k := range []string{"a", "b", "c"} {
				if err := c.Put(key(k), values[k]); err != nil {
					t.Fatal(err)
				}
				l := c.index[key(k).half()]
				offs[k] = [2]int64{l.off, int64(l.n)}
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			packs, idxs := packFiles(t, c, ".pack"), packFiles(t, c, ".idx")
			if len(packs) != 1 || len(idxs) != 1 {
				t.Fatalf("packs %v, indexes %v; want one of each", packs, idxs)
			}
			survive := tt.damage(t, packs[0], idxs[0], offs)
			c = Open(filepath.Dir(c.dir), 0)
			for _, k := range []string{"a", "b", "c"} {
				got, ok := c.Get(key(k))
				want := strings.Contains(strings.Join(survive, ","), k)
				if ok != want || (ok && !bytes.Equal(got, values[k])) {
					t.Errorf("%s: Get = %q, %v; want present %v", k, got, ok, want)
				}
			}
			c.Close()
		})
	}
}

func keysBefore(offs map[string][2]int64, end int64) []string {
	var out []string
	for k, o := range offs {
		if o[0]+o[1] <= end {
			out = append(out, k)
		}
	}
	return out
}

func read(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func write(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestDeletedCacheIsEmpty(t *testing.T) {
	root := t.TempDir()
	c := Open(root, 0)
	if err := c.Put(key("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	c = reopen(t, c)
	if err := os.RemoveAll(root); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get(key("k")); ok {
		t.Error("hit in a deleted cache")
	}
	// A run after the deletion stores again.
	if err := c.Put(key("k2"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	c = reopen(t, c)
	if _, ok := c.Get(key("k2")); !ok {
		t.Error("miss after Put into a recreated folder")
	}
	c.Close()
}

// TestTwoRunsShareAFolder has two caches on one folder at once, as two
// builds would, and checks each sees its own entries and, on the next
// run, the other's.
func TestTwoRunsShareAFolder(t *testing.T) {
	root := t.TempDir()
	a, b := Open(root, 0), Open(root, 0)
	a.Put(key("a"), []byte("from a"))
	b.Put(key("b"), []byte("from b"))
	if _, ok := a.Get(key("a")); !ok {
		t.Error("a misses its own entry")
	}
	a.Close()
	b.Close()
	c := Open(root, 0)
	for _, k := range []string{"a", "b"} {
		if got, ok := c.Get(key(k)); !ok || string(got) != "from "+k {
			t.Errorf("%s: Get = %q, %v", k, got, ok)
		}
	}
	c.Close()
}

// TestEvictsPacksUsedLongestAgo fills a cache beyond its bound over
// several runs and checks that the packs used longest ago go first, and
// that using an entry keeps its pack.
func TestEvictsPacksUsedLongestAgo(t *testing.T) {
	value := bytes.Repeat([]byte("v"), 1000)
	entry := int64(len(encode(Key{}, value)))
	root := t.TempDir()
	base := time.Now().Add(-100 * time.Hour)
	// Runs 0…4 write one entry each, run i last used i hours after base.
	for i := range 5 {
		c := Open(root, 1<<30)
		c.Put(key(fmt.Sprint(i)), value)
		c.Close()
		for _, p := range packFiles(t, c, ".pack") {
			if fi, _ := os.Stat(p); time.Since(fi.ModTime()) < time.Hour {
				at := base.Add(time.Duration(i) * time.Hour)
				os.Chtimes(p, at, at)
			}
		}
	}
	// Run 5 reads entry 0, which makes its pack the most recently used,
	// and writes one more; the bound holds three entries.
	c := Open(root, 3*entry)
	if _, ok := c.Get(key("0")); !ok {
		t.Fatal("entry 0 missing before eviction")
	}
	c.Put(key("5"), value)
	c.Close()

	c = Open(root, 0)
	defer c.Close()
	for i := range 6 {
		_, ok := c.Get(key(fmt.Sprint(i)))
		want := i == 0 || i >= 4
		if ok != want {
			t.Errorf("entry %d: present %v, want %v", i, ok, want)
		}
	}
}

// TestMergesSmallPacks runs many small builds and checks the packs are
// merged, with every entry kept.
func TestMergesSmallPacks(t *testing.T) {
	root := t.TempDir()
	runs := maxPacks + 4
	for i := range runs {
		c := Open(root, 0)
		c.Put(key(fmt.Sprint(i)), []byte(fmt.Sprint("value ", i)))
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	c := Open(root, 0)
	defer c.Close()
	if n := len(packFiles(t, c, ".pack")); n > maxPacks {
		t.Errorf("%d packs after %d runs, want at most %d", n, runs, maxPacks)
	}
	for i := range runs {
		if got, ok := c.Get(key(fmt.Sprint(i))); !ok || string(got) != fmt.Sprint("value ", i) {
			t.Errorf("entry %d: %q, %v", i, got, ok)
		}
	}
}

func TestState(t *testing.T) {
	c := Open(t.TempDir(), 0)
	k := key("folder")
	if _, ok := c.GetState(k); ok {
		t.Fatal("state before PutState")
	}
	for _, v := range []string{"one", "two"} {
		if err := c.PutState(k, []byte(v)); err != nil {
			t.Fatal(err)
		}
		if got, ok := c.GetState(k); !ok || string(got) != v {
			t.Errorf("GetState = %q, %v; want %q", got, ok, v)
		}
	}
	p := c.statePath(k)
	data := read(t, p)
	data[len(data)-1] ^= 1
	write(t, p, data)
	if _, ok := c.GetState(k); ok {
		t.Error("damaged state read")
	}
	c.DeleteState(k)
	if _, ok := c.GetState(k); ok {
		t.Error("state after DeleteState")
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv(EnvDir, filepath.Join(t.TempDir(), "c"))
	d, err := DefaultDir()
	if err != nil || !strings.HasSuffix(d, string(filepath.Separator)+"c") {
		t.Errorf("DefaultDir() = %q, %v; want the %s folder", d, err, EnvDir)
	}
}

// TestNewerPutReplaces checks that a value put again under a key replaces
// the old one, in the same run and in the runs after it, also when the old
// value came from an earlier run's pack: a build puts only what it had to
// convert again because the stored value no longer fitted.
func TestNewerPutReplaces(t *testing.T) {
	c := Open(t.TempDir(), 0)
	if err := c.Put(key("k"), []byte("guess")); err != nil {
		t.Fatal(err)
	}
	if err := c.Put(key("k"), []byte("same run")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"same run", "next run", "run after"} {
		if got, ok := c.Get(key("k")); !ok || string(got) != want {
			t.Fatalf("Get = %q, %v; want %q", got, ok, want)
		}
		c = reopen(t, c)
		if want == "same run" {
			if got, ok := c.Get(key("k")); !ok || string(got) != "same run" {
				t.Fatalf("after reopening: Get = %q, %v; want %q", got, ok, "same run")
			}
			c.Put(key("k"), []byte("next run"))
		} else if want == "next run" {
			c.Put(key("k"), []byte("run after"))
		}
	}
	c.Close()
}

// The index keeps half of each key: two keys that share it must never
// read each other's value, before or after the pack is indexed, and the
// written index holds whole keys.
func TestKeysSharingAHalf(t *testing.T) {
	k1 := key("first")
	k2 := k1
	k2[len(k2)-1] ^= 1
	tests := []struct {
		name string
		put  []Key
	}{
		{"first only", []Key{k1}},
		{"second replaces first", []Key{k1, k2}},
		{"first again", []Key{k1, k2, k1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Open(t.TempDir(), 0)
			for _, k := range tt.put {
				if err := c.Put(k, k[:]); err != nil {
					t.Fatal(err)
				}
			}
			last := tt.put[len(tt.put)-1]
			check := func(when string, c *Cache) {
				for _, k := range []Key{k1, k2} {
					v, ok := c.Get(k)
					if ok && !bytes.Equal(v, k[:]) {
						t.Errorf("%s: Get(%v) returned another key's value", when, k)
					}
					if ok != (k == last) {
						t.Errorf("%s: Get(%v) hit = %v, want %v", when, k, ok, k == last)
					}
				}
			}
			check("before Close", c)
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			again := Open(filepath.Dir(c.dir), 0)
			check("reopened", again)
			again.Close()
		})
	}
}
