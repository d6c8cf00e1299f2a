package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
)

// WriteFileAtomic makes path hold data, so that a reader, or a run killed
// half-way, only ever sees the old file or the new one, never half of one.
// A file that already holds exactly data is left alone, content and mtime,
// so that a run with nothing new touches nothing and git and rsync see no
// change. It reports whether it wrote.
//
// It does not fsync: a killed process loses nothing that reached the page
// cache, and syncing every image and page made exports several times
// slower. What must survive a power cut is made durable in batches by
// SyncFS before the index that refers to it is written with
// WriteFileDurable.
func WriteFileAtomic(path string, data []byte) (changed bool, err error) {
	return writeFile(path, data, false)
}

// WriteFileDurable is WriteFileAtomic plus fsync of the file and its folder
// before it returns, for the few files (indexes, state) whose loss after a
// power cut would make the archive forget what it holds.
func WriteFileDurable(path string, data []byte) (changed bool, err error) {
	return writeFile(path, data, true)
}

func writeFile(path string, data []byte, durable bool) (changed bool, err error) {
	// Only a file of the same size can hold data: a rebuild with another
	// theme changes every page, and reading each first cost it a fifth of
	// its time.
	if st, err := os.Stat(path); err == nil && st.Size() == int64(len(data)) {
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
			return false, nil
		}
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	tmp, err := createTemp(dir, filepath.Base(path))
	if err != nil {
		return false, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	if durable {
		// Sync before rename: otherwise a power cut can leave the new name
		// pointing at an empty file on some file systems.
		if err = tmp.Sync(); err != nil {
			return false, fmt.Errorf("sync %s: %w", path, err)
		}
	}
	if err = tmp.Close(); err != nil {
		return false, err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return false, err
	}
	if durable {
		syncDir(dir)
	}
	return true, nil
}

// syncDir makes a rename durable. Some systems cannot sync a directory; the
// rename is still atomic there, only less durable, so errors are ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

var tempSeq atomic.Uint64

// createTemp makes ".<base>.tmp-<digits>" in dir, readable by all (outputs
// are published; os.CreateTemp would make it 0600 and cost a chmod). The
// digits are the process id and a counter, so names never collide between
// the goroutines of a run, and RemoveTempFiles recognises them.
func createTemp(dir, base string) (*os.File, error) {
	for {
		name := filepath.Join(dir, fmt.Sprintf(".%s.tmp-%d%06d", base, os.Getpid(), tempSeq.Add(1)%1000000))
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue // left by a killed run with the same pid
		}
		return f, err
	}
}
