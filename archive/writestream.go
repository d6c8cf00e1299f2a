package archive

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

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
