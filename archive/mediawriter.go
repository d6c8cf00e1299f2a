package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
)

// MediaWriter stores one media file as it arrives: the bytes go to a temp
// file in the media folder and through SHA-256 at once, so a file of any
// size costs no memory, and Commit files it under its hash like PutMedia.
// Head keeps the first bytes, which is all that telling a file's type
// needs.
type MediaWriter struct {
	a    *Archive
	f    *os.File
	h    hash.Hash
	n    int64
	head []byte
	err  error
}

// MediaHeadBytes is how much of a file MediaWriter.Head keeps: what
// http.DetectContentType reads.
const MediaHeadBytes = 512

// NewMediaWriter starts a media file. Call Commit or Discard.
func (a *Archive) NewMediaWriter() (*MediaWriter, error) {
	dir := filepath.Join(a.dir, mediaDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// The temp name is one RemoveTempFiles knows, so a killed run leaves
	// nothing behind for long.
	f, err := createTemp(dir, "incoming")
	if err != nil {
		return nil, err
	}
	return &MediaWriter{a: a, f: f, h: sha256.New()}, nil
}

// Write adds p to the file.
func (w *MediaWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if len(w.head) < MediaHeadBytes {
		w.head = append(w.head, p[:min(len(p), MediaHeadBytes-len(w.head))]...)
	}
	n, err := w.f.Write(p)
	w.h.Write(p[:n])
	w.n += int64(n)
	if err != nil {
		w.err = fmt.Errorf("archive: writing %s: %w", w.f.Name(), err)
		return n, w.err
	}
	return n, nil
}

// Head is the file's first bytes (up to MediaHeadBytes).
func (w *MediaWriter) Head() []byte { return w.head }

// Size is how many bytes were written.
func (w *MediaWriter) Size() int64 { return w.n }

// SHA256 is the hex SHA-256 of what was written so far.
func (w *MediaWriter) SHA256() string { return hex.EncodeToString(w.h.Sum(nil)) }

// Commit files what was written under key, as PutMedia does with bytes:
// once per content, named by its hash with ext (with dot).
func (w *MediaWriter) Commit(key, ext, mimeType string) (MediaEntry, error) {
	if w.f == nil {
		return MediaEntry{}, errors.New("archive: media file committed twice or after Discard")
	}
	if w.err != nil {
		w.Discard()
		return MediaEntry{}, w.err
	}
	hash := w.SHA256()
	entry := MediaEntry{File: hash[:2] + "/" + hash + ext, SHA256: hash, Type: mimeType, Size: w.n}
	tmp := w.f.Name()
	err := w.f.Close()
	w.f = nil
	if err != nil {
		os.Remove(tmp)
		return MediaEntry{}, err
	}
	path := w.a.MediaPath(entry)
	if st, err := os.Stat(path); err == nil && st.Size() == w.n {
		// Same content stored already (under another key, or before a
		// crash): the name is its hash, so there is nothing to replace.
		os.Remove(tmp)
	} else {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			os.Remove(tmp)
			return MediaEntry{}, err
		}
		if err := os.Rename(tmp, path); err != nil {
			os.Remove(tmp)
			return MediaEntry{}, err
		}
	}
	w.a.addMedia(key, entry)
	return entry, nil
}

// Discard drops the file. It is safe to call more than once, and after
// Commit.
func (w *MediaWriter) Discard() {
	if w == nil || w.f == nil {
		return
	}
	name := w.f.Name()
	w.f.Close()
	os.Remove(name)
	w.f = nil
}

// PutMediaFrom stores what r holds under key, streamed (see MediaWriter).
func (a *Archive) PutMediaFrom(key string, r io.Reader, ext, mimeType string) (MediaEntry, error) {
	w, err := a.NewMediaWriter()
	if err != nil {
		return MediaEntry{}, err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Discard()
		return MediaEntry{}, err
	}
	return w.Commit(key, ext, mimeType)
}
