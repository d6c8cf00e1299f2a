package archive

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

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
	if err := a.mediaIn(); err != nil {
		a.mu.Unlock()
		return err
	}
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
	if err := a.mediaIn(); err != nil {
		return err
	}
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
	obj := newJSONObject(bw, 0)
	put := func(key string) error {
		e, ok := ix.get(hashKey(key))
		if !ok {
			return nil // a spelling another key replaced
		}
		return obj.entry(key, e)
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
	return obj.endFile(err)
}
