package archive

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

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
