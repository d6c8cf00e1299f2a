package output

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"sync"
)

// The search index of a large account is tens of millions of postings and
// its texts tens of megabytes: held in memory until the articles are all
// converted, they made a build's memory grow with the account. The
// workers instead write each article's text to a temporary file as they
// go (searchSpill); writeSearchIndex then reads the texts back to cut them
// into terms, which go to more temporary files by index file, and builds
// the index files a few at a time. The files written are the same either
// way.

// searchSpillBuckets is how many files the terms are spread over, by the
// same hash as the index files (searchShard); it divides every shard count
// or is divided by it, both being powers of two, so each index file comes
// from one bucket or each bucket from a few index files.
const searchSpillBuckets = 64

type searchSpill struct {
	dir     string
	buckets [searchSpillBuckets]spillFile
	text    spillFile
	// docs is per post (its index in siteBuild.posts); each is written by
	// the one worker that renders the post.
	docs []spillDoc
}

type spillDoc struct {
	added   bool
	textOff int64 // of the whole text in the text file
	textLen int
	textSum [sha256.Size]byte
}

type spillFile struct {
	mu  sync.Mutex
	f   *os.File
	w   *bufio.Writer
	off int64
	err error
}

func (f *spillFile) open(dir, name string) error {
	var err error
	f.f, err = os.Create(dir + string(os.PathSeparator) + name)
	f.w = bufio.NewWriterSize(f.f, 16<<10)
	return err
}

// write appends b and returns where it starts.
func (f *spillFile) write(b []byte) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	off := f.off
	if f.err == nil {
		_, f.err = f.w.Write(b)
		f.off += int64(len(b))
	}
	return off
}

func (f *spillFile) flush() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = f.w.Flush()
	}
	return f.err
}

func newSearchSpill(posts int) (*searchSpill, error) {
	dir, err := os.MkdirTemp("", "mparchive-search-")
	if err != nil {
		return nil, err
	}
	s := &searchSpill{dir: dir, docs: make([]spillDoc, posts)}
	for i := range s.buckets {
		if err := s.buckets[i].open(dir, "b"+itoa(i)); err != nil {
			s.close()
			return nil, err
		}
	}
	if err := s.text.open(dir, "text"); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// close removes the files.
func (s *searchSpill) close() {
	for i := range s.buckets {
		if f := s.buckets[i].f; f != nil {
			f.Close()
		}
	}
	if s.text.f != nil {
		s.text.f.Close()
	}
	os.RemoveAll(s.dir)
}

// add keeps the text of post i. Workers call it at once for different
// posts.
func (s *searchSpill) add(i int, text string) {
	d := &s.docs[i]
	d.added, d.textLen, d.textSum = true, len(text), sha256.Sum256([]byte(text))
	d.textOff = s.text.write([]byte(text))
}

func (s *searchSpill) flushText() error { return s.text.flush() }

func (s *searchSpill) flushTerms() error {
	for i := range s.buckets {
		if err := s.buckets[i].flush(); err != nil {
			return err
		}
	}
	return nil
}

// textOf reads back the text of post i.
func (s *searchSpill) textOf(i int) (string, error) {
	d := s.docs[i]
	b := make([]byte, d.textLen)
	if _, err := s.text.f.ReadAt(b, d.textOff); err != nil && !(errors.Is(err, io.EOF) && d.textLen == 0) {
		return "", err
	}
	return string(b), nil
}

// addTerms records the distinct terms of document doc, by bucket, and
// returns how many there are. Callers index different documents at once.
func (s *searchSpill) addTerms(doc int, title, author, text string) int {
	// The set of an article's terms is reused from one article to the
	// next: grown afresh, its growing was half the cost of indexing.
	seen := termSets.Get().(map[string]bool)
	defer func() {
		clear(seen)
		termSets.Put(seen)
	}()
	var byBucket [searchSpillBuckets][]string
	index := func(term string) {
		if seen[term] {
			return
		}
		seen[term] = true
		b := searchShard(term, searchSpillBuckets)
		byBucket[b] = append(byBucket[b], term)
	}
	searchTerms(title, index)
	searchTerms(author, index)
	searchTerms(text, index)
	var rec []byte
	for b, terms := range byBucket {
		if len(terms) == 0 {
			continue
		}
		rec = binary.AppendUvarint(rec[:0], uint64(doc))
		rec = binary.AppendUvarint(rec, uint64(len(terms)))
		for _, t := range terms {
			rec = binary.AppendUvarint(rec, uint64(len(t)))
			rec = append(rec, t...)
		}
		s.buckets[b].write(rec)
	}
	return len(seen)
}

// termSets holds the emptied term sets of addTerms, which workers call at
// once.
var termSets = sync.Pool{New: func() any { return map[string]bool{} }}

// readBucket calls fn for every posting in bucket b, in no particular
// order.
func (s *searchSpill) readBucket(b int, fn func(term string, doc int32)) error {
	data, err := os.ReadFile(s.buckets[b].f.Name())
	if err != nil {
		return err
	}
	d := recordDecoder{b: data}
	for len(d.b) > 0 && !d.bad {
		doc := d.uvarint()
		n := d.count()
		if d.bad || doc >= 1<<31 {
			return errDamagedSpill
		}
		for range n {
			fn(d.str(), int32(doc))
		}
	}
	if d.bad {
		return errDamagedSpill
	}
	return nil
}

var errDamagedSpill = errors.New("search: a temporary file of the index is damaged")
