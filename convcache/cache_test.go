package convcache

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

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
		t.Run(tt.name, func(t *testing.T) {
			k := KeyOf([]byte(tt.name))
			if _, ok := c.Get(k); ok {
				t.Fatal("hit before Put")
			}
			if err := c.Put(k, tt.value); err != nil {
				t.Fatal(err)
			}
			got, ok := c.Get(k)
			if !ok || !bytes.Equal(got, tt.value) {
				t.Fatalf("Get = %d bytes, %v; want %d bytes", len(got), ok, len(tt.value))
			}
		})
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

// TestDamagedEntriesMiss damages a stored entry in every way a crash, a
// full disk or a hand edit can, and checks each reads as a miss.
func TestDamagedEntriesMiss(t *testing.T) {
	value := []byte("<p>converted body</p>")
	tests := []struct {
		name   string
		damage func(data []byte) []byte
	}{
		{"truncated to nothing", func([]byte) []byte { return nil }},
		{"truncated in the header", func(d []byte) []byte { return d[:10] }},
		{"truncated in the value", func(d []byte) []byte { return d[:headerLen+5] }},
		{"trailer cut", func(d []byte) []byte { return d[:len(d)-1] }},
		{"byte flipped in the value", func(d []byte) []byte { d[headerLen+2] ^= 1; return d }},
		{"byte flipped in the checksum", func(d []byte) []byte { d[len(d)-1] ^= 1; return d }},
		{"length field wrong", func(d []byte) []byte { d[headerLen-8]++; return d }},
		{"bytes appended", func(d []byte) []byte { return append(d, 0) }},
		{"other magic", func(d []byte) []byte { d[0] = 'X'; return d }},
		{"zeros", func(d []byte) []byte { return make([]byte, len(d)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Open(t.TempDir(), 0)
			k := KeyOf([]byte("k"))
			if err := c.Put(k, value); err != nil {
				t.Fatal(err)
			}
			p := c.path(k)
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, tt.damage(data), 0o600); err != nil {
				t.Fatal(err)
			}
			if got, ok := c.Get(k); ok {
				t.Errorf("damaged entry read as %q", got)
			}
		})
	}
}

// TestEntryUnderAnotherName checks that an entry copied to another key's
// name (a hand-made mix-up) is no hit for that key.
func TestEntryUnderAnotherName(t *testing.T) {
	c := Open(t.TempDir(), 0)
	a, b := KeyOf([]byte("a")), KeyOf([]byte("b"))
	if err := c.Put(a, []byte("value of a")); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(c.path(a))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(c.path(b)), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.path(b), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, ok := c.Get(b); ok {
		t.Errorf("b read a's entry: %q", got)
	}
}

func TestDeletedCacheIsEmpty(t *testing.T) {
	root := t.TempDir()
	c := Open(root, 0)
	k := KeyOf([]byte("k"))
	if err := c.Put(k, []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(root); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get(k); ok {
		t.Error("hit in a deleted cache")
	}
	// The same Cache writes again after its folder went away.
	c.made.Clear()
	if err := c.Put(k, []byte("v")); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get(k); !ok {
		t.Error("miss after Put into a recreated folder")
	}
}

// TestTrimEvictsOldest fills a cache beyond its bound and checks that
// Trim deletes the entries used longest ago, and only as many as needed.
func TestTrimEvictsOldest(t *testing.T) {
	value := bytes.Repeat([]byte("v"), 1000)
	entrySize := int64(len(encode(Key{}, value)))
	c := Open(t.TempDir(), 10*entrySize)
	var keys []Key
	base := time.Now().Add(-100 * time.Hour)
	for i := range 12 {
		k := KeyOf([]byte{byte(i)})
		keys = append(keys, k)
		if err := c.Put(k, value); err != nil {
			t.Fatal(err)
		}
		// Entry i was last used i hours after base.
		at := base.Add(time.Duration(i) * time.Hour)
		if err := os.Chtimes(c.path(k), at, at); err != nil {
			t.Fatal(err)
		}
	}
	stale := filepath.Join(filepath.Dir(c.path(keys[0])), ".tmp-1-1")
	if err := os.WriteFile(stale, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(stale, old, old)

	if err := c.Trim(); err != nil {
		t.Fatal(err)
	}
	// 12 entries, bound 10: down to 8 (four fifths), the 4 oldest gone.
	for i, k := range keys {
		_, ok := c.Get(k)
		if want := i >= 4; ok != want {
			t.Errorf("entry %d: present %v, want %v", i, ok, want)
		}
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("stale temporary file kept")
	}
}

func TestTrimWithinBoundKeepsAll(t *testing.T) {
	c := Open(t.TempDir(), 1<<20)
	k := KeyOf([]byte("k"))
	if err := c.Put(k, []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := c.Trim(); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get(k); !ok {
		t.Error("entry evicted from a cache within its bound")
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv(EnvDir, filepath.Join(t.TempDir(), "c"))
	d, err := DefaultDir()
	if err != nil || !strings.HasSuffix(d, string(filepath.Separator)+"c") {
		t.Errorf("DefaultDir() = %q, %v; want the %s folder", d, err, EnvDir)
	}
}
