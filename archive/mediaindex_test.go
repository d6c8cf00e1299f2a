package archive

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMediaKey(t *testing.T) {
	const pic = "https://mmbiz.qpic.cn/mmbiz_png/AbC-d_1/640?wx_fmt=png"
	tests := []struct {
		name, ref, want string
	}{
		{"canonical already", pic, pic},
		{"http", "http://mmbiz.qpic.cn/mmbiz_png/AbC-d_1/640?wx_fmt=png", pic},
		{"scheme-relative", "//mmbiz.qpic.cn/mmbiz_png/AbC-d_1/640?wx_fmt=png", pic},
		{"qlogo alias", "https://mmbiz.qlogo.cn/mmbiz_png/AbC-d_1/640?wx_fmt=png", pic},
		{"host case, trailing dot, default port", "HTTPS://MMBIZ.QLOGO.CN.:443/mmbiz_png/AbC-d_1/640?wx_fmt=png", pic},
		{"tracking dropped", "https://mmbiz.qpic.cn/mmbiz_png/AbC-d_1/640?wx_fmt=png&from=appmsg&tp=webp&wxfrom=5&wx_lazy=1&wx_co=1", pic},
		{"wx_fmt after the tracking", "http://mmbiz.qpic.cn/mmbiz_png/AbC-d_1/640?from=appmsg&wx_fmt=png#imgIndex=3", pic},
		{"entities left in a hand-written src", "https://mmbiz.qpic.cn/mmbiz_png/AbC-d_1/640?wx_fmt=png&amp;from=appmsg", pic},
		{"wx_fmt chooses the format", "https://mmbiz.qpic.cn/mmbiz_png/AbC-d_1/640?wx_fmt=jpeg", "https://mmbiz.qpic.cn/mmbiz_png/AbC-d_1/640?wx_fmt=jpeg"},
		{"wx_fmt other", "https://mmbiz.qpic.cn/mmbiz_jpg/X/640?wx_fmt=other&tp=webp", "https://mmbiz.qpic.cn/mmbiz_jpg/X/640?wx_fmt=other"},
		{"no wx_fmt", "http://mmbiz.qpic.cn/mmbiz/X/0?tp=webp", "https://mmbiz.qpic.cn/mmbiz/X/0"},
		{"another size is another file", "https://mmbiz.qpic.cn/mmbiz_png/AbC-d_1/0?wx_fmt=png", "https://mmbiz.qpic.cn/mmbiz_png/AbC-d_1/0?wx_fmt=png"},
		{"other WeChat hosts: scheme only", "http://mmecoa.qpic.cn/sz_mmecoa_jpg/X/0?wx_fmt=jpeg&from=1#x", "https://mmecoa.qpic.cn/sz_mmecoa_jpg/X/0?wx_fmt=jpeg&from=1"},
		{"avatar host", "http://wx.qlogo.cn/mmhead/X/132", "https://wx.qlogo.cn/mmhead/X/132"},
		{"other hosts keep their identity", "http://example.org/a.png?from=appmsg#x", "http://example.org/a.png?from=appmsg#x"},
		{"a look-alike host", "http://mmbiz.qpic.cn.example.org/mmbiz_png/X/0", "http://mmbiz.qpic.cn.example.org/mmbiz_png/X/0"},
		{"another port", "http://mmbiz.qpic.cn:8080/mmbiz_png/X/0", "http://mmbiz.qpic.cn:8080/mmbiz_png/X/0"},
		{"user info", "http://u@mmbiz.qpic.cn/mmbiz_png/X/0", "http://u@mmbiz.qpic.cn/mmbiz_png/X/0"},
		{"voice", VoiceKey("ab+/=="), VoiceKey("ab+/==")},
		{"material", MaterialKey("M1"), MaterialKey("M1")},
		{"spaces trimmed", "  " + pic + " ", pic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MediaKey(tt.ref); got != tt.want {
				t.Errorf("MediaKey(%q) = %q, want %q", tt.ref, got, tt.want)
			}
			if got := MediaKey(tt.want); got != tt.want {
				t.Errorf("MediaKey is not idempotent on %q: %q", tt.want, got)
			}
		})
	}
}

// readIndexFiles returns index.json and the journal, "" for a missing one.
func readIndexFiles(t *testing.T, dir string) (index, journal string) {
	t.Helper()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return string(b)
	}
	return read(mediaIndexFile), read(mediaJournalFile)
}

func mustOpen(t *testing.T, dir string) *Archive {
	t.Helper()
	a, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func putPic(t *testing.T, a *Archive, key, content string) MediaEntry {
	t.Helper()
	e, err := a.PutMedia(key, []byte(content), ".png", "image/png")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestMediaJournal: a Flush appends what was stored since the last one
// and leaves index.json alone; Compact writes index.json as a marshalled
// map of the whole index and removes the journal; a reopened archive
// finds everything either way.
func TestMediaJournal(t *testing.T) {
	dir := t.TempDir()
	a := mustOpen(t, dir)
	e1 := putPic(t, a, "https://mmbiz.qpic.cn/mmbiz_png/A/0?wx_fmt=png", "a")
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := a.Compact(); err != nil {
		t.Fatal(err)
	}
	index, journal := readIndexFiles(t, dir)
	if journal != "" || !strings.Contains(index, "/A/0") {
		t.Fatalf("after Compact: index %q, journal %q", index, journal)
	}
	st, _ := os.Stat(filepath.Join(dir, filepath.FromSlash(mediaIndexFile)))

	e2 := putPic(t, a, "http://mmbiz.qlogo.cn/mmbiz_png/B/0?wx_fmt=png&from=appmsg", "b")
	e3 := putPic(t, a, "https://example.org/<c>.png", "c")
	// The same picture again, its bytes changed (another format).
	e1 = putPic(t, a, "http://mmbiz.qpic.cn/mmbiz_png/A/0?wx_fmt=png&tp=webp", "a as webp")
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
	index2, journal := readIndexFiles(t, dir)
	if index2 != index {
		t.Error("a Flush rewrote index.json")
	}
	if n := strings.Count(journal, "\n"); n != 3 || !strings.HasSuffix(journal, "\n") {
		t.Errorf("journal of %d lines:\n%s", n, journal)
	}
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, again := readIndexFiles(t, dir); again != journal {
		t.Error("a Flush with nothing new appended to the journal")
	}

	want := map[string]MediaEntry{
		"https://mmbiz.qpic.cn/mmbiz_png/A/0?wx_fmt=png": e1,
		"https://mmbiz.qpic.cn/mmbiz_png/B/0?wx_fmt=png": e2,
		"https://example.org/<c>.png":                    e3,
	}
	b := mustOpen(t, dir)
	fp1, err := b.Fingerprint()
	if err != nil {
		t.Fatal(err)
	}
	for k, e := range want {
		if got, ok := b.Media(k); !ok || got != e {
			t.Errorf("reopened: Media(%q) = %+v, %v; want %+v", k, got, ok, e)
		}
	}
	if err := b.Compact(); err != nil {
		t.Fatal(err)
	}
	index, journal = readIndexFiles(t, dir)
	marshalled, _ := json.MarshalIndent(want, "", "  ")
	if journal != "" || index != string(marshalled)+"\n" {
		t.Errorf("compacted index:\n%s\nwant:\n%s\njournal %q", index, marshalled, journal)
	}
	if fp2, _ := mustOpen(t, dir).Fingerprint(); fp2 != fp1 {
		t.Error("compacting changed the fingerprint")
	}

	// Nothing new: Compact touches nothing.
	old := time.Now().Add(-time.Hour)
	path := filepath.Join(dir, filepath.FromSlash(mediaIndexFile))
	os.Chtimes(path, old, old)
	c := mustOpen(t, dir)
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := c.Compact(); err != nil {
		t.Fatal(err)
	}
	if st2, _ := os.Stat(path); !st2.ModTime().Equal(old) {
		t.Errorf("a Compact with nothing new rewrote index.json (%v, before %v)", st2.ModTime(), st.ModTime())
	}
}

// TestMediaJournalCrashes: what a killed run or a power cut leaves of the
// journal is read as far as it is whole: a torn last line is ignored (and
// cut off before the next append), a damaged line is skipped, and nothing
// else is lost.
func TestMediaJournalCrashes(t *testing.T) {
	line := func(key, content string) string {
		sum := fmt.Sprintf("%064x", len(content)+len(key))
		b, _ := json.Marshal(journalLine{Key: key, MediaEntry: MediaEntry{File: sum[:2] + "/" + sum + ".png", SHA256: sum, Type: "image/png", Size: 1}})
		return string(b) + "\n"
	}
	a1, a2, a3 := line("https://e/1", "x"), line("https://e/2", "xy"), line("https://e/3", "xyz")
	tests := []struct {
		name    string
		journal string
		want    []string // keys found
		missing []string
	}{
		{"whole", a1 + a2, []string{"https://e/1", "https://e/2"}, nil},
		{"torn last line", a1 + a2 + a3[:len(a3)/2], []string{"https://e/1", "https://e/2"}, []string{"https://e/3"}},
		{"torn right before its newline", a1 + a2[:len(a2)-1], []string{"https://e/1"}, []string{"https://e/2"}},
		{"zeros from a power cut", a1 + strings.Repeat("\x00", 300), []string{"https://e/1"}, nil},
		{"a damaged line amid whole ones", a1 + strings.Repeat("\x00", 40) + "\n" + a3, []string{"https://e/1", "https://e/3"}, nil},
		{"empty", "", nil, []string{"https://e/1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, filepath.FromSlash(mediaJournalFile))
			os.MkdirAll(filepath.Dir(path), 0o755)
			if err := os.WriteFile(path, []byte(tt.journal), 0o644); err != nil {
				t.Fatal(err)
			}
			a := mustOpen(t, dir)
			check := func(a *Archive, when string, extra ...string) {
				t.Helper()
				for _, k := range append(tt.want, extra...) {
					if _, ok := a.Media(k); !ok {
						t.Errorf("%s: %s lost", when, k)
					}
				}
				for _, k := range tt.missing {
					if _, ok := a.Media(k); ok {
						t.Errorf("%s: %s found from a torn line", when, k)
					}
				}
			}
			check(a, "opened")
			// The next run appends after the whole lines.
			putPic(t, a, "https://e/new", "new")
			if err := a.Flush(); err != nil {
				t.Fatal(err)
			}
			_, journal := readIndexFiles(t, dir)
			for _, l := range strings.SplitAfter(journal, "\n") {
				if l != "" && !strings.HasSuffix(l, "\n") {
					t.Errorf("journal ends in a partial line %q", l)
				}
			}
			check(mustOpen(t, dir), "after an append", "https://e/new")
			if err := a.Compact(); err != nil {
				t.Fatal(err)
			}
			check(mustOpen(t, dir), "after Compact", "https://e/new")
		})
	}
}

// TestOldMediaIndex: an index.json written before keys were canonical
// (MediaKey) keeps finding its files under every spelling, and the first
// write brings it to canonical keys.
func TestOldMediaIndex(t *testing.T) {
	dir := t.TempDir()
	a := mustOpen(t, dir)
	// Files as an older version stored them, under the URLs as found.
	http := putPic(t, a, "http://mmbiz.qpic.cn/mmbiz_jpg/P/640?wx_fmt=jpeg&from=appmsg", "first")
	https := putPic(t, a, "https://mmbiz.qlogo.cn/mmbiz_jpg/P/640?wx_fmt=jpeg&tp=webp", "second")
	other := putPic(t, a, "http://example.org/x.png", "other")
	old := map[string]MediaEntry{
		"http://mmbiz.qpic.cn/mmbiz_jpg/P/640?wx_fmt=jpeg&from=appmsg": http,
		"https://mmbiz.qlogo.cn/mmbiz_jpg/P/640?wx_fmt=jpeg&tp=webp":   https,
		"http://example.org/x.png":                                     other,
	}
	b, _ := json.MarshalIndent(old, "", "  ")
	os.WriteFile(filepath.Join(dir, filepath.FromSlash(mediaIndexFile)), append(b, '\n'), 0o644)
	os.Remove(filepath.Join(dir, filepath.FromSlash(mediaJournalFile)))

	o := mustOpen(t, dir)
	for _, k := range []string{
		"http://mmbiz.qpic.cn/mmbiz_jpg/P/640?wx_fmt=jpeg&from=appmsg",
		"https://mmbiz.qlogo.cn/mmbiz_jpg/P/640?wx_fmt=jpeg&tp=webp",
		"https://mmbiz.qpic.cn/mmbiz_jpg/P/640?wx_fmt=jpeg",
		"//mmbiz.qpic.cn/mmbiz_jpg/P/640?wx_fmt=jpeg&wx_lazy=1",
	} {
		// The first spelling in the sorted file wins, whichever it is.
		if e, ok := o.Media(k); !ok || e != http {
			t.Errorf("Media(%q) = %+v, %v; want %+v", k, e, ok, http)
		}
	}
	if e, ok := o.Media("http://example.org/x.png"); !ok || e != other {
		t.Errorf("a non-WeChat key: %+v, %v", e, ok)
	}
	if e, ok := o.Media("https://example.org/x.png"); ok {
		t.Errorf("a non-WeChat key answers another scheme: %+v", e)
	}
	if err := o.Compact(); err != nil {
		t.Fatal(err)
	}
	index, _ := readIndexFiles(t, dir)
	want, _ := json.MarshalIndent(map[string]MediaEntry{
		"https://mmbiz.qpic.cn/mmbiz_jpg/P/640?wx_fmt=jpeg": http,
		"http://example.org/x.png":                          other,
	}, "", "  ")
	if index != string(want)+"\n" {
		t.Errorf("migrated index:\n%s\nwant:\n%s", index, want)
	}
}

// TestMediaJournalFoldsAsItGrows: a long run folds its journal into
// index.json whenever the journal outgrows a quarter of it, so neither the
// journal nor a Flush grows with the account, and nothing is lost on the
// way.
func TestMediaJournalFoldsAsItGrows(t *testing.T) {
	defer func(n int64) { minCompactBytes = n }(minCompactBytes)
	minCompactBytes = 2 << 10
	dir := t.TempDir()
	a := mustOpen(t, dir)
	want := map[string]MediaEntry{}
	folds, lastIndex := 0, ""
	for flush := range 40 {
		for i := range 5 {
			key := fmt.Sprintf("https://mmbiz.qpic.cn/mmbiz_png/K%03d-%d/0?wx_fmt=png", 37*flush%40, i)
			want[key] = putPic(t, a, key+"&from=appmsg", key)
		}
		if err := a.Flush(); err != nil {
			t.Fatal(err)
		}
		index, journal := readIndexFiles(t, dir)
		if limit := max(len(index)/4, int(minCompactBytes)) + 5*300; len(journal) > limit {
			t.Fatalf("flush %d: a journal of %d bytes beside an index of %d", flush, len(journal), len(index))
		}
		if index != lastIndex {
			folds++
			lastIndex = index
		}
	}
	if folds < 3 || folds > 20 {
		t.Errorf("index.json was written %d times in 40 flushes", folds)
	}
	if err := a.Compact(); err != nil {
		t.Fatal(err)
	}
	index, journal := readIndexFiles(t, dir)
	marshalled, _ := json.MarshalIndent(want, "", "  ")
	if journal != "" || index != string(marshalled)+"\n" {
		t.Errorf("compacted index differs from the marshalled map of %d keys", len(want))
	}
}

// TestMediaIndexRecords stores entries in the packed records and in the
// map of those they cannot hold, across more than one block of records,
// and reads each back as it was given.
func TestMediaIndexRecords(t *testing.T) {
	sum := func(i int) string { return fmt.Sprintf("%064x", i) }
	entry := func(i int, size int64) MediaEntry {
		s := sum(i)
		return MediaEntry{File: s[:2] + "/" + s + ".jpg", SHA256: s, Type: "image/jpeg", Size: size}
	}
	var ix mediaIndex
	want := map[string]MediaEntry{}
	for i := range 2*recChunk + 3 {
		want[fmt.Sprint("k", i)] = entry(i, int64(i))
	}
	for _, tc := range []struct {
		key string
		e   MediaEntry
	}{
		{"over 4 GiB", entry(1, 5<<30)},
		{"negative size", entry(2, -1)},
		{"not named by its hash", MediaEntry{File: "x/y.png", SHA256: sum(3), Type: "image/png", Size: 9}},
		{"upper-case hash", MediaEntry{File: "AB/AB.png", SHA256: strings.Repeat("AB", 32), Size: 1}},
		{"largest packed", entry(4, math.MaxUint32)},
	} {
		want[tc.key] = tc.e
	}
	for k, e := range want {
		ix.set(hashKey(k), e)
	}
	// Moved between the two: packed, then odd, then packed again.
	ix.set(hashKey("k5"), entry(5, 6<<30))
	ix.set(hashKey("k6"), entry(6, 6<<30))
	ix.set(hashKey("k6"), entry(6, 7))
	want["k5"], want["k6"] = entry(5, 6<<30), entry(6, 7)
	if ix.count() != len(want) {
		t.Errorf("%d keys; want %d", ix.count(), len(want))
	}
	for k, e := range want {
		if got, ok := ix.get(hashKey(k)); !ok || got != e {
			t.Errorf("%s: %+v, %v; want %+v", k, got, ok, e)
		}
	}
}

// TestMeetMedia checks the marks a fetch tells first meetings by: a key
// the index holds is met first once, until ForgetMeetings; one it lacks is
// never known; packed and odd entries alike.
func TestMeetMedia(t *testing.T) {
	a, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	packed := "https://mmbiz.qpic.cn/mmbiz_jpg/packed/0?wx_fmt=jpeg"
	odd := "https://mmbiz.qpic.cn/mmbiz_jpg/odd/0?wx_fmt=jpeg"
	s := fmt.Sprintf("%064x", 7)
	a.addMedia(packed, MediaEntry{File: s[:2] + "/" + s + ".jpg", SHA256: s, Type: "image/jpeg", Size: 3})
	a.addMedia(odd, MediaEntry{File: "elsewhere/x.jpg", SHA256: s, Type: "image/jpeg", Size: 3})
	for i := range 3 * 64 { // marks past the first word
		a.addMedia(fmt.Sprint("k", i), MediaEntry{File: s[:2] + "/" + s + ".jpg", SHA256: s, Type: "image/jpeg", Size: int64(i)})
	}
	type meeting struct {
		ref          string
		known, first bool
	}
	walk := []meeting{
		{packed, true, true},
		{packed, true, false},
		// Another spelling of the same key is the same key.
		{"http://mmbiz.qpic.cn/mmbiz_jpg/packed/0?wx_fmt=jpeg", true, false},
		{odd, true, true},
		{odd, true, false},
		{"k150", true, true},
		{"k150", true, false},
		{"k149", true, true},
		{"https://mmbiz.qpic.cn/mmbiz_jpg/missing/0", false, false},
		{"https://mmbiz.qpic.cn/mmbiz_jpg/missing/0", false, false},
	}
	for round := range 2 {
		for _, m := range walk {
			known, first := a.MeetMedia(m.ref)
			if known != m.known || first != m.first {
				t.Errorf("round %d, %s: known %v, first %v; want %v, %v", round, m.ref, known, first, m.known, m.first)
			}
		}
		a.ForgetMeetings()
	}
}

// ReleaseMedia drops the index only when its files hold all of it, and
// any later use finds what was there before.
func TestReleaseMedia(t *testing.T) {
	const k1, k2 = "https://mmbiz.qpic.cn/mmbiz_png/A/0?wx_fmt=png", "https://mmbiz.qpic.cn/mmbiz_png/B/0?wx_fmt=png"
	tests := []struct {
		name     string
		prepare  func(t *testing.T, a *Archive)
		released bool
	}{
		{"flushed", func(t *testing.T, a *Archive) {
			if err := a.Flush(); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"compacted", func(t *testing.T, a *Archive) {
			if err := a.Compact(); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"stored since the last flush", func(*testing.T, *Archive) {}, false},
		{"met in a walk", func(t *testing.T, a *Archive) {
			if err := a.Flush(); err != nil {
				t.Fatal(err)
			}
			a.MeetMedia(k1)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			a := mustOpen(t, dir)
			e1 := putPic(t, a, k1, "a")
			tt.prepare(t, a)
			a.ReleaseMedia()
			a.mu.Lock()
			released := a.media.released
			a.mu.Unlock()
			if released != tt.released {
				t.Fatalf("released = %v, want %v", released, tt.released)
			}
			if got, ok := a.Media(k1); !ok || got != e1 {
				t.Errorf("Media after ReleaseMedia = %+v, %v; want %+v", got, ok, e1)
			}
			if n := a.MediaCount(); n != 1 {
				t.Errorf("MediaCount = %d, want 1", n)
			}
			// The index loaded again takes new media and writes them.
			a.ReleaseMedia()
			e2 := putPic(t, a, k2, "b")
			if err := a.Compact(); err != nil {
				t.Fatal(err)
			}
			b := mustOpen(t, dir)
			for k, want := range map[string]MediaEntry{k1: e1, k2: e2} {
				if got, ok := b.Media(k); !ok || got != want {
					t.Errorf("reopened: Media(%s) = %+v, %v; want %+v", k, got, ok, want)
				}
			}
		})
	}
}
