package archive

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
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
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return false, nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
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
	// CreateTemp makes files 0600; outputs are meant to be published.
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
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
