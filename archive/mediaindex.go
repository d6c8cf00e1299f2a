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
	"math"
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
// index.json when it ends (Compact) or when the journal has grown past a
// quarter of index.json: every key is rewritten a bounded number of times
// however large the account. In memory the index holds no keys, only
// their hashes (keyHash).
const (
	mediaIndexFile   = "media/index.json"
	mediaJournalFile = "media/index.jsonl"
)

// minCompactBytes is the journal size below which a Flush never compacts:
// small journals cost nothing to replay. Tests lower it.
var minCompactBytes int64 = 1 << 20

// keyHash names a media key in memory: the first half of its SHA-256.
// The index holds tens of thousands of keys of a hundred bytes each; their
// hashes are a sixth of that, and the keys themselves are needed only to
// write index.json, which reads them back from the files.
type keyHash [16]byte

func hashKey(key string) keyHash {
	sum := sha256.Sum256([]byte(key))
	return keyHash(sum[:16])
}

// mediaRec is a MediaEntry as the index holds it in memory: the file is
// named by its hash (media/<ab>/<sha256><ext>), so the hash is kept once,
// as bytes, and the extension and type are numbers in mediaIndex.names.
type mediaRec struct {
	sum      [sha256.Size]byte
	size     int64
	ext, typ uint16
}

// mediaIndex is the media index in memory, and where its files stand. The
// Archive's mu guards it.
type mediaIndex struct {
	// at says where each key's mediaRec is in recs: a map of small
	// values and a slice take half the memory of a map of mediaRecs.
	at   map[keyHash]uint32
	recs []mediaRec
	// odd holds the entries that mediaRec cannot hold: a file not named
	// by its hash, which no version of mparchive wrote, but a hand-edited
	// index may hold.
	odd     map[keyHash]MediaEntry
	names   []string // extensions and types
	nameIdx map[string]uint16

	// pending holds the journal lines of the keys stored since the last
	// Flush: they are written once their files are on disk.
	pending []byte
	// journalSize is how many bytes of whole lines the journal holds;
	// journalTorn says the file holds more (a line cut by a crash), to be
	// cut off before the next append.
	journalSize int64
	journalTorn bool
	compactSize int64 // the size of index.json
	// rewrite says index.json is not in the form Compact writes (keys
	// from before MediaKey, or out of order), so the next Compact writes
	// it from all its keys instead of merging the journal into it.
	rewrite bool
}

// journalLine is one line of the journal.
type journalLine struct {
	Key string `json:"key"`
	MediaEntry
}

func (ix *mediaIndex) name(s string) (uint16, bool) {
	if i, ok := ix.nameIdx[s]; ok {
		return i, true
	}
	if len(ix.names) > 0xffff {
		return 0, false
	}
	if ix.nameIdx == nil {
		ix.nameIdx = map[string]uint16{}
	}
	i := uint16(len(ix.names))
	ix.names = append(ix.names, s)
	ix.nameIdx[s] = i
	return i, true
}

// rec packs e, or reports that mediaRec cannot hold it.
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
	var okExt, okType bool
	r.ext, okExt = ix.name(ext)
	r.typ, okType = ix.name(e.Type)
	r.size = e.Size
	return r, okExt && okType
}

func (ix *mediaIndex) entry(r mediaRec) MediaEntry {
	sum := hex.EncodeToString(r.sum[:])
	return MediaEntry{File: sum[:2] + "/" + sum + ix.names[r.ext], SHA256: sum, Type: ix.names[r.typ], Size: r.size}
}

func (ix *mediaIndex) get(h keyHash) (MediaEntry, bool) {
	if i, ok := ix.at[h]; ok {
		return ix.entry(ix.recs[i]), true
	}
	e, ok := ix.odd[h]
	return e, ok
}

// set records e under h and reports whether that changed anything.
func (ix *mediaIndex) set(h keyHash, e MediaEntry) bool {
	if old, ok := ix.get(h); ok && old == e {
		return false
	}
	if ix.at == nil {
		ix.at = map[keyHash]uint32{}
	}
	if r, ok := ix.rec(e); ok && len(ix.recs) < math.MaxUint32 {
		if i, ok := ix.at[h]; ok {
			ix.recs[i] = r
		} else {
			ix.at[h] = uint32(len(ix.recs))
			ix.recs = append(ix.recs, r)
		}
		delete(ix.odd, h)
	} else {
		if ix.odd == nil {
			ix.odd = map[keyHash]MediaEntry{}
		}
		ix.odd[h] = e
		delete(ix.at, h) // its slot in recs stays unused
	}
	return true
}

func (ix *mediaIndex) count() int { return len(ix.at) + len(ix.odd) }

// add records a file stored in this run under key (a MediaKey), to be
// journaled at the next Flush.
func (ix *mediaIndex) add(key string, e MediaEntry) {
	if !ix.set(hashKey(key), e) {
		return
	}
	b, err := json.Marshal(journalLine{Key: key, MediaEntry: e})
	if err != nil {
		panic(err) // strings and a number: cannot fail
	}
	ix.pending = append(append(ix.pending, b...), '\n')
}

// dirty reports whether index.json is not the whole index.
func (ix *mediaIndex) dirty() bool {
	return ix.rewrite || ix.journalSize > 0 || ix.journalTorn || len(ix.pending) > 0
}

// digest writes the index's contents to h, in the order of the keys'
// hashes: the same contents give the same digest, however they are spread
// over index.json and the journal.
func (ix *mediaIndex) digest(h hash.Hash) {
	hashes := make([]keyHash, 0, ix.count())
	for k := range ix.at {
		hashes = append(hashes, k)
	}
	for k := range ix.odd {
		hashes = append(hashes, k)
	}
	slices.SortFunc(hashes, func(a, b keyHash) int { return bytes.Compare(a[:], b[:]) })
	for _, k := range hashes {
		e, _ := ix.get(k)
		fmt.Fprintf(h, "%x\x00%s\x00%s\x00%d\n", k, e.File, e.Type, e.Size)
	}
}

// load reads index.json, then the journal over it. Keys are brought to
// their MediaKey form: an index written before MediaKey existed, or by a
// version that folded fewer spellings, finds its files under the keys
// lookups use now, and is rewritten in that form by the next Compact.
func (ix *mediaIndex) load(dir string) error {
	path := filepath.Join(dir, filepath.FromSlash(mediaIndexFile))
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("archive: %w", err)
	default:
		st, err := f.Stat()
		if err == nil {
			ix.compactSize = st.Size()
			err = ix.loadIndex(f)
		}
		f.Close()
		if err != nil {
			return fmt.Errorf("archive: %s is damaged (%v); move it away and re-run to rebuild it", path, err)
		}
	}
	return ix.loadJournal(filepath.Join(dir, filepath.FromSlash(mediaJournalFile)))
}

// loadIndex reads index.json in. Of the spellings of one key an older
// index may hold, the key itself wins, then the first in the file.
func (ix *mediaIndex) loadIndex(r io.Reader) error {
	var folded map[keyHash]bool // keys that hold an entry read under another spelling
	prev := ""
	return readIndex(r, func(key string, e MediaEntry) {
		ck := MediaKey(key)
		if ck != key || (prev != "" && key <= prev) {
			ix.rewrite = true
		}
		prev = key
		h := hashKey(ck)
		_, taken := ix.get(h)
		switch {
		case ck != key && taken:
			return
		case ck != key:
			if folded == nil {
				folded = map[keyHash]bool{}
			}
			folded[h] = true
		case taken && !folded[h]:
			return
		default:
			delete(folded, h)
		}
		ix.set(h, e)
	})
}

// readIndex streams an index.json to fn, entry by entry, so that a large
// index is never in memory twice.
func readIndex(r io.Reader, fn func(key string, e MediaEntry)) error {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil // "null": what marshalling a nil map writes
	}
	if tok != json.Delim('{') {
		return errors.New("not a JSON object")
	}
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
		fn(key, e)
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
	n, torn, err := readJournal(f, -1, func(key string, e MediaEntry) {
		ix.set(hashKey(MediaKey(key)), e)
	})
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	ix.journalSize, ix.journalTorn = n, torn
	return nil
}

// readJournal reads the whole lines of a journal, up to limit bytes (-1:
// all), passing those that decode to fn. It returns the bytes of whole
// lines read, and whether more followed them than limit allowed.
func readJournal(r io.Reader, limit int64, fn func(key string, e MediaEntry)) (n int64, torn bool, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	for limit < 0 || n < limit {
		line, err := br.ReadBytes('\n')
		if err == io.EOF {
			return n, len(line) > 0, nil
		}
		if err != nil {
			return n, false, err
		}
		n += int64(len(line))
		var l journalLine
		if json.Unmarshal(line, &l) == nil && l.Key != "" {
			fn(l.Key, l.MediaEntry)
		}
	}
	return n, false, nil
}

// Media looks up a stored media file by a reference to it: any spelling
// of its URL that MediaKey folds to its key, or its MaterialKey or
// VoiceKey.
func (a *Archive) Media(ref string) (MediaEntry, bool) {
	h := hashKey(MediaKey(ref))
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.media.get(h)
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

// Flush makes everything written so far durable and journals the media
// stored since the last Flush. Callers flush after each page so that a
// killed run keeps what it downloaded. The files go to disk before the
// journal lines that name them, so after a power cut the index never points
// at a lost file: the lines written are those from before the sync, and
// what downloads add meanwhile waits for the next Flush. A Flush costs
// what was stored since the last one; once the journal outgrows a quarter
// of index.json it is folded into it (Compact).
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
	// Folding the journal in rewrites index.json, and holds the
	// journal's keys in memory meanwhile: a quarter of index.json bounds
	// both, each key being written a few times in all.
	if a.media.journalSize > max(a.media.compactSize/4, minCompactBytes) {
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
	if !ix.dirty() {
		return nil
	}
	if err := SyncFS(a.dir); err != nil {
		return err
	}
	path := filepath.Join(a.dir, filepath.FromSlash(mediaIndexFile))
	journal := filepath.Join(a.dir, filepath.FromSlash(mediaJournalFile))
	// The keys the journal adds, sorted: index.json's are sorted already,
	// and the two merge as they are written. Only a rewrite needs all
	// keys at once.
	var keys []string
	collect := func(key string, _ MediaEntry) { keys = append(keys, MediaKey(key)) }
	if ix.journalSize > 0 {
		f, err := os.Open(journal)
		if err != nil {
			return err
		}
		_, _, err = readJournal(f, ix.journalSize, collect)
		f.Close()
		if err != nil {
			return err
		}
	}
	if _, _, err := readJournal(bytes.NewReader(ix.pending), -1, collect); err != nil {
		return err
	}
	var old *os.File // index.json to merge with, if any
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	case ix.rewrite:
		err := readIndex(f, collect)
		f.Close()
		if err != nil {
			return err
		}
	default:
		old = f
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	size, err := writeFileStream(path, func(w io.Writer) error {
		if old == nil {
			return ix.writeIndex(w, nil, keys)
		}
		err := ix.writeIndex(w, old, keys)
		// Closed before the new file replaces it, which Windows insists on.
		old.Close()
		old = nil
		return err
	})
	if old != nil {
		old.Close()
	}
	if err != nil {
		return err
	}
	if err := os.Remove(journal); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	syncDir(filepath.Dir(journal))
	ix.pending, ix.journalSize, ix.journalTorn, ix.rewrite, ix.compactSize = nil, 0, false, false, size
	return nil
}

// writeIndex writes index.json's content: the keys of old (an index.json,
// sorted; nil for none) and keys (sorted), merged, each with its entry in
// the index, as json.MarshalIndent of the index as a map would (keys
// sorted, HTML characters escaped), an entry at a time.
func (ix *mediaIndex) writeIndex(w io.Writer, old io.Reader, keys []string) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	n := 0
	put := func(key string) error {
		e, ok := ix.get(hashKey(key))
		if !ok {
			return nil // a spelling another key replaced
		}
		kb, err := json.Marshal(key)
		if err != nil {
			return err
		}
		eb, err := json.MarshalIndent(e, "  ", "  ")
		if err != nil {
			return err
		}
		if n == 0 {
			bw.WriteString("{\n  ")
		} else {
			bw.WriteString(",\n  ")
		}
		n++
		bw.Write(kb)
		bw.WriteString(": ")
		_, err = bw.Write(eb)
		return err
	}
	var err error
	if old != nil {
		err = readIndex(old, func(key string, _ MediaEntry) {
			for len(keys) > 0 && keys[0] < key && err == nil {
				err = put(keys[0])
				keys = keys[1:]
			}
			if len(keys) > 0 && keys[0] == key {
				keys = keys[1:]
			}
			if err == nil {
				err = put(key)
			}
		})
	}
	for _, k := range keys {
		if err == nil {
			err = put(k)
		}
	}
	if err != nil {
		return err
	}
	if n == 0 {
		bw.WriteString("{}\n")
	} else {
		bw.WriteString("\n}\n")
	}
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
