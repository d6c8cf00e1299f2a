package convcache

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// State values are small files that a build replaces (what it left in an
// output folder, say), kept beside the packs under their key.

func (c *Cache) statePath(k Key) string { return filepath.Join(c.dir, "state", k.String()) }

// GetState returns the state value stored under k.
func (c *Cache) GetState(k Key) ([]byte, bool) {
	b, err := os.ReadFile(c.statePath(k))
	if err != nil {
		return nil, false
	}
	return decode(k, b)
}

// PutState stores a state value under k, replacing any.
func (c *Cache) PutState(k Key, v []byte) error {
	p := c.statePath(k)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(p), "."+k.String()+"."+strconv.Itoa(os.Getpid())+".tmp")
	if err := os.WriteFile(tmp, encode(k, v), 0o600); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// DeleteState removes the state value of k, if any.
func (c *Cache) DeleteState(k Key) {
	if err := os.Remove(c.statePath(k)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return
	}
}

// ProgramID identifies the running program by the SHA-256 of its
// executable. Keys include it, so that a new version (another converter,
// another page layout) never reads what an older one stored. It costs one
// read of the executable per process.
var ProgramID = sync.OnceValues(func() (string, error) {
	path, err := os.Executable()
	if err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
})
