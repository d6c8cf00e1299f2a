package archive

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The media index maps each media key (MediaKey) to its stored file. It
// lives in two files:
//
//   - index.json, the compacted index: one JSON object, keys sorted, as
//     every earlier version wrote it (and reads it);
//   - index.jsonl, the journal: one JSON line per key stored since
//     index.json was written, appended at each Flush.
//
// A run appends what it stored to the journal, which costs what was
// stored, not what the account holds, and folds the journal into
// index.json when it ends (Compact) or when the journal has grown larger
// than index.json: every key is rewritten a bounded number of times
// however large the account.
const (
	mediaIndexFile   = "media/index.json"
	mediaJournalFile = "media/index.jsonl"
	// minCompactBytes is the journal size below which a Flush never
	// compacts: small journals cost nothing to replay.
	minCompactBytes = 1 << 20
)

// mediaRec is a MediaEntry as the index holds it in memory: the file is
// named by its hash (media/<ab>/<sha256><ext>), so the hash is kept once,
// as bytes, and the extension and type are shared strings. An account's
// index is tens of thousands of these.
type mediaRec struct {
	sum  [sha256.Size]byte
	ext  string
	typ  string
	size int64
}

// mediaIndex is the media index in memory, and where its files stand. The
// Archive's mu guards it.
type mediaIndex struct {
	recs map[string]mediaRec
	// odd holds the entries whose file is not named by their hash, which
	// no version of mparchive wrote, but a hand-edited index may hold.
	odd   map[string]MediaEntry
	names map[string]string // interned extensions and types

	// pending holds the journal lines of the keys stored since the last
	// Flush: they are written once their files are on disk.
	pending []byte
	// journalSize is how many bytes of whole lines the journal holds;
	// journalTorn says the file holds more (a line cut by a crash), to be
	// cut off before the next append.
	journalSize int64
	journalTorn bool
	compactSize int64 // the size of index.json
	// stale says index.json does not hold the index as it is: keys were
	// journaled, or read in an older form (MediaKey changed) or from a
	// damaged journal line. Compact has work to do.
	stale bool
}

// journalLine is one line of the journal.
type journalLine struct {
	Key string `json:"key"`
	MediaEntry
}

func (ix *mediaIndex) intern(s string) string {
	if v, ok := ix.names[s]; ok {
		return v
	}
	if ix.names == nil {
		ix.names = map[string]string{}
	}
	ix.names[s] = s
	return s
}

// rec packs e, or reports that its file is not named by its hash.
func (ix *mediaIndex) rec(e MediaEntry) (mediaRec, bool) {
	var r mediaRec
	if len(e.SHA256) != 2*sha256.Size || e.SHA256 != strings.ToLower(e.SHA256) {
		return r, false
	}
	if _, err := hex.Decode(r.sum[:], []byte(e.SHA256)); err != nil {
		return r, false
	}
	ext, ok := strings.CutPrefix(e.File, e.SHA256[:2]+"/"+e.SHA256)
	if !ok || strings.Contains(ext, "/") {
		return r, false
	}
	r.ext, r.typ, r.size = ix.intern(ext), ix.intern(e.Type), e.Size
	return r, true
}

func (r mediaRec) entry() MediaEntry {
	sum := hex.EncodeToString(r.sum[:])
	return MediaEntry{File: sum[:2] + "/" + sum + r.ext, SHA256: sum, Type: r.typ, Size: r.size}
}

func (ix *mediaIndex) get(key string) (MediaEntry, bool) {
	if r, ok := ix.recs[key]; ok {
		return r.entry(), true
	}
	e, ok := ix.odd[key]
	return e, ok
}

// set records e under key (a MediaKey) and reports whether that changed
// anything.
func (ix *mediaIndex) set(key string, e MediaEntry) bool {
	if old, ok := ix.get(key); ok && old == e {
		return false
	}
	if ix.recs == nil {
		ix.recs = map[string]mediaRec{}
	}
	if r, ok := ix.rec(e); ok {
		ix.recs[key] = r
		delete(ix.odd, key)
	} else {
		if ix.odd == nil {
			ix.odd = map[string]MediaEntry{}
		}
		ix.odd[key] = e
		delete(ix.recs, key)
	}
	return true
}

func (ix *mediaIndex) count() int { return len(ix.recs) + len(ix.odd) }

func (ix *mediaIndex) sortedKeys() []string {
	keys := make([]string, 0, ix.count())
	for k := range ix.recs {
		keys = append(keys, k)
	}
	for k := range ix.odd {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// add records a file stored in this run, to be journaled at the next Flush.
func (ix *mediaIndex) add(key string, e MediaEntry) {
	if !ix.set(key, e) {
		return
	}
	b, err := json.Marshal(journalLine{Key: key, MediaEntry: e})
	if err != nil {
		panic(err) // strings and a number: cannot fail
	}
	ix.pending = append(append(ix.pending, b...), '\n')
	ix.stale = true
}

// digest writes the index's contents to h, in key order.
func (ix *mediaIndex) digest(h hash.Hash) {
	for _, k := range ix.sortedKeys() {
		e, _ := ix.get(k)
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d\n", k, e.File, e.Type, e.Size)
	}
}

// load reads index.json, then the journal over it. Keys are brought to
// their MediaKey form: an index written before MediaKey existed, or by a
// version that folded fewer spellings, finds its files under the keys
// lookups use now, and is rewritten in that form by the next Compact.
func (ix *mediaIndex) load(dir string) error {
	ix.recs = map[string]mediaRec{}
	path := filepath.Join(dir, filepath.FromSlash(mediaIndexFile))
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("archive: %w", err)
	default:
		err := ix.loadIndex(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("archive: %s is damaged (%v); move it away and re-run to rebuild it", path, err)
		}
	}
	return ix.loadJournal(filepath.Join(dir, filepath.FromSlash(mediaJournalFile)))
}

// loadIndex streams index.json in, so that opening a large archive never
// holds the file and its decoded copy at once.
func (ix *mediaIndex) loadIndex(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	ix.compactSize = st.Size()
	dec := json.NewDecoder(bufio.NewReaderSize(f, 64<<10))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil // "null": what marshalling a nil map writes
	}
	if tok != json.Delim('{') {
		return fmt.Errorf("not a JSON object")
	}
	// folded lists the keys that hold an entry read under another
	// spelling: the entry read under the key itself replaces it, and of
	// two other spellings the first in the file (sorted) stays.
	var folded map[string]bool
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		var e MediaEntry
		if err := dec.Decode(&e); err != nil {
			return err
		}
		ck := MediaKey(key)
		if ck != key {
			ix.stale = true
			if _, taken := ix.get(ck); taken {
				continue
			}
			if folded == nil {
				folded = map[string]bool{}
			}
			folded[ck] = true
		} else if _, taken := ix.get(ck); taken && !folded[ck] {
			continue
		} else {
			delete(folded, ck)
		}
		ix.set(ck, e)
	}
	_, err = dec.Token()
	return err
}

// loadJournal replays the journal. A line a crash cut short (the last,
// without its newline) is ignored and cut off before the next append;
// a line that does not decode (a power cut can leave zeros in a file) is
// skipped, and the next Compact drops it. Its file stays in the store,
// and a run that meets its key downloads it again.
func (ix *mediaIndex) loadJournal(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			if len(line) > 0 {
				ix.journalTorn = true
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("archive: %w", err)
		}
		ix.journalSize += int64(len(line))
		ix.stale = true
		var l journalLine
		if json.Unmarshal(line, &l) != nil || l.Key == "" {
			continue
		}
		ix.set(MediaKey(l.Key), l.MediaEntry)
	}
}

// Media looks up a stored media file by a reference to it: any spelling
// of its URL that MediaKey folds to its key, or its MaterialKey or
// VoiceKey.
func (a *Archive) Media(ref string) (MediaEntry, bool) {
	key := MediaKey(ref)
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.media.get(key)
}

// addMedia records a stored file in the media index, under the MediaKey
// of ref.
func (a *Archive) addMedia(ref string, entry MediaEntry) {
	key := MediaKey(ref)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.media.add(key, entry)
}

// MediaCount is the number of keys in the media index.
func (a *Archive) MediaCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.media.count()
}

// SortedMediaKeys lists the media index's keys, sorted.
func (a *Archive) SortedMediaKeys() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.media.sortedKeys()
}

// Flush makes everything written so far durable and journals the media
// stored since the last Flush. Callers flush after each page so that a
// killed run keeps what it downloaded. The files go to disk before the
// journal lines that name them, so after a power cut the index never points
// at a lost file: the lines written are those from before the sync, and
// what downloads add meanwhile waits for the next Flush. A Flush costs
// what was stored since the last one; once the journal outgrows index.json
// it is folded into it (Compact).
func (a *Archive) Flush() error {
	a.flushMu.Lock()
	defer a.flushMu.Unlock()
	a.mu.Lock()
	pending := a.media.pending
	a.media.pending = nil
	a.mu.Unlock()
	err := SyncFS(a.dir)
	if err == nil && len(pending) > 0 {
		err = a.appendJournal(pending)
	}
	if err != nil {
		a.mu.Lock()
		a.media.pending = append(pending, a.media.pending...)
		a.mu.Unlock()
		return err
	}
	if a.media.journalSize > max(a.media.compactSize, minCompactBytes) {
		return a.compact()
	}
	return nil
}

// appendJournal writes lines at the end of the journal's whole lines and
// syncs them. flushMu held.
func (a *Archive) appendJournal(lines []byte) error {
	path := filepath.Join(a.dir, filepath.FromSlash(mediaJournalFile))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	ix := &a.media
	at := ix.journalSize
	if ix.journalTorn {
		if err := f.Truncate(at); err != nil {
			f.Close()
			return err
		}
		ix.journalTorn = false
	}
	_, err = f.WriteAt(lines, at)
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		// Leave no half line for the next append to follow.
		if f.Truncate(at) != nil {
			ix.journalTorn = true
		}
		f.Close()
		return fmt.Errorf("archive: journaling media: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if at == 0 {
		syncDir(filepath.Dir(path))
	}
	ix.journalSize += int64(len(lines))
	return nil
}

// Compact folds the journal into index.json, written whole in its sorted
// form, and removes the journal: what a run does when it ends, so that
// the archive it leaves is the same whatever order its downloads finished
// in. It flushes first, and does nothing when index.json is up to date.
func (a *Archive) Compact() error {
	a.flushMu.Lock()
	defer a.flushMu.Unlock()
	return a.compact()
}

// compact is Compact; flushMu held. It holds mu throughout, so that no
// file is added between the sync and the index that names it.
func (a *Archive) compact() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	ix := &a.media
	if !ix.stale && !ix.journalTorn && len(ix.pending) == 0 {
		return nil
	}
	if err := SyncFS(a.dir); err != nil {
		return err
	}
	path := filepath.Join(a.dir, filepath.FromSlash(mediaIndexFile))
	size, err := writeFileStream(path, ix.writeIndex)
	if err != nil {
		return err
	}
	journal := filepath.Join(a.dir, filepath.FromSlash(mediaJournalFile))
	if err := os.Remove(journal); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	syncDir(filepath.Dir(journal))
	ix.pending, ix.journalSize, ix.journalTorn, ix.stale, ix.compactSize = nil, 0, false, false, size
	return nil
}

// writeIndex writes index.json's content: what json.MarshalIndent of the
// index as a map writes (keys sorted, HTML characters escaped), one entry
// at a time.
func (ix *mediaIndex) writeIndex(w io.Writer) error {
	keys := ix.sortedKeys()
	if len(keys) == 0 {
		_, err := io.WriteString(w, "{}\n")
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("{\n")
	for i, k := range keys {
		e, _ := ix.get(k)
		kb, err := json.Marshal(k)
		if err != nil {
			return err
		}
		eb, err := json.MarshalIndent(e, "  ", "  ")
		if err != nil {
			return err
		}
		bw.WriteString("  ")
		bw.Write(kb)
		bw.WriteString(": ")
		bw.Write(eb)
		if i < len(keys)-1 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// writeFileStream is WriteFileDurable for content written by write: it
// makes path hold what write writes, durably, and leaves a file that
// already holds exactly that alone. It returns the content's size.
func writeFileStream(path string, write func(io.Writer) error) (size int64, err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	tmp, err := createTemp(dir, filepath.Base(path))
	if err != nil {
		return 0, err
	}
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(tmp, h)}
	if err := write(cw); err != nil {
		return 0, fmt.Errorf("write %s: %w", path, err)
	}
	if same, _ := sameContent(path, cw.n, h.Sum(nil)); same {
		return cw.n, nil
	}
	if err := tmp.Sync(); err != nil {
		return 0, fmt.Errorf("sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, err
	}
	tmp = nil
	syncDir(dir)
	return cw.n, nil
}

// sameContent reports whether path holds size bytes summing to sum.
func sameContent(path string, size int64, sum []byte) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.Size() != size {
		return false, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false, err
	}
	return bytes.Equal(h.Sum(nil), sum), nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
