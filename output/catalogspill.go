package output

import (
	"bufio"
	"io"
	"os"
	"sync"
)

// The catalog's encoded metadata is most of what a build holds per
// article from the first pass to the last page: some 600 bytes, where the
// lists need a few fields of the selected articles and the article pages
// read each article's metadata a few times. So loadCatalog moves the
// encodings into a temporary file and each article keeps where its own
// lies; meta reads it back, a read of a page the system has just been
// handed. Where a temporary file cannot be made or deleted while open
// (Windows), the encodings stay in memory.

// metaSpill is the file the encodings of one catalog are appended to.
type metaSpill struct {
	mu    sync.Mutex
	f     *os.File
	w     *bufio.Writer
	size  int64 // bytes appended, buffered included
	flush bool  // w holds bytes not yet in f
	err   error // the first write error: the catalog stops spilling
}

// newMetaSpill creates the file, already deleted, or returns nil.
func newMetaSpill() *metaSpill {
	f, err := os.CreateTemp("", "mparchive-catalog-")
	if err != nil {
		return nil
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil
	}
	// The catalog has no Close: like any os.File no longer reachable,
	// the file is closed by the garbage collector, and its space freed
	// with it.
	return &metaSpill{f: f, w: bufio.NewWriterSize(f, 64<<10)}
}

// put appends enc and returns where it lies; false once the file failed,
// and then the caller keeps enc in memory.
func (s *metaSpill) put(enc string) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return 0, false
	}
	off := s.size
	if _, err := s.w.WriteString(enc); err != nil {
		s.err = err
		return 0, false
	}
	s.size += int64(len(enc))
	s.flush = true
	return off, true
}

// get reads back n bytes put at off.
func (s *metaSpill) get(off int64, n uint32) (string, error) {
	s.mu.Lock()
	if s.flush {
		if err := s.w.Flush(); err != nil {
			s.mu.Unlock()
			return "", err
		}
		s.flush = false
	}
	s.mu.Unlock()
	b := make([]byte, n)
	if m, err := s.f.ReadAt(b, off); m != len(b) {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return "", err
	}
	return string(b), nil
}
