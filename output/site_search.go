package output

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/convcache"
)

// The search index. themes/site/common/assets/search.js reads it and must
// cut terms exactly as searchTerms does; see the comment at its top for the
// file layout.
const (
	// searchMaxPrefix bounds the prefixes indexed for a word, so that a
	// long word does not add dozens of terms.
	searchMaxPrefix = 15
	// searchTextPerShard is how many documents' texts share a file: a
	// search loads only the files of the hits it shows.
	searchTextPerShard = 64
	// searchPostingsPerShard is the average number of postings aimed at
	// per index file; the shard count is a power of two near total/this.
	searchPostingsPerShard = 1 << 16
	// searchMaxText bounds the text kept per article for snippets and
	// checking hits, in runes.
	searchMaxText = 50000
)

func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }

// searchTerms calls add once per occurrence of each term of text: for a run
// of CJK characters, each character and each pair of neighbours; for a run
// of other letters and digits, its prefixes of 2…searchMaxPrefix runes.
func searchTerms(text string, add func(term string)) {
	text = strings.ToLower(text)
	start := -1
	runCJK := false
	flush := func(end int) {
		if start < 0 {
			return
		}
		run := text[start:end]
		start = -1
		if runCJK {
			prev := 0
			for i, r := range run {
				size := utf8.RuneLen(r)
				add(run[i : i+size])
				if i > 0 {
					add(run[prev : i+size])
				}
				prev = i
			}
			return
		}
		n := 0
		for i, r := range run {
			n++
			if n > searchMaxPrefix {
				break
			}
			if n >= 2 {
				add(run[:i+utf8.RuneLen(r)])
			}
		}
	}
	for i, r := range text {
		cjk := isCJK(r)
		word := !cjk && isWordRune(r)
		if !cjk && !word {
			flush(i)
			continue
		}
		if start >= 0 && cjk != runCJK {
			flush(i)
		}
		if start < 0 {
			start, runCJK = i, cjk
		}
	}
	flush(len(text))
}

// searchShard is the index file of a term: FNV-1a (32 bits) of its UTF-8
// bytes, computed here rather than through hash/fnv, which allocates, for
// every posting of the account.
func searchShard(term string, shards int) int {
	h := uint32(2166136261)
	for i := 0; i < len(term); i++ {
		h ^= uint32(term[i])
		h *= 16777619
	}
	return int(h % uint32(shards))
}

// writeSearchIndex writes the search files of the live posts; document
// numbers are their places in s.live, newest first. The texts come from
// the workers' temporary file; their terms go to more temporary files by
// index file (searchSpill), from which the index files are built on all
// cores, a few at a time. With a cache, the files of an index made from
// the same documents (paths, titles, dates, authors and texts) are taken
// from it: a rebuild with another theme cuts no text into terms.
func (s *siteBuild) writeSearchIndex(ctx context.Context) error {
	sp := s.search
	if err := sp.flushText(); err != nil {
		return err
	}
	posts := make([]int, len(s.live)) // index in s.posts of each document
	for d, p := range s.live {
		i, _ := s.indexOf(p.Key)
		if !sp.docs[i].added {
			return fmt.Errorf("search: article %s was not indexed", p.Key)
		}
		posts[d] = i
	}
	type meta struct {
		Shards int        `json:"shards"`
		Per    int        `json:"per"`
		Docs   [][]string `json:"docs"` // path from the root, title, date, author
	}
	m := meta{Per: searchTextPerShard, Docs: make([][]string, len(s.live))}
	for i, p := range s.live {
		date := ""
		if !p.Date.IsZero() {
			date = p.Date.In(archive.ChinaTime).Format("2006-01-02")
		}
		m.Docs[i] = []string{linkPath(p.path()) + "index.html", p.Title, date, p.Author}
	}
	cached := newSearchCache(s.w.opts.Cache, m.Docs, func(d int) []byte { return sp.docs[posts[d]].textSum[:] })
	if cached.cache != nil {
		cached.rec = s.pages
	}
	if cached.write(ctx, s.w.dir, s.w.opts.Workers) {
		return nil
	}

	counts := make([]int, len(posts))
	err := parallel(ctx, s.w.opts.Workers, len(posts), func(d int) error {
		text, err := sp.textOf(posts[d])
		if err != nil {
			return err
		}
		p := s.live[d]
		counts[d] = sp.addTerms(d, p.Title, p.Author, text)
		return nil
	})
	if err != nil {
		return err
	}
	if err := sp.flushTerms(); err != nil {
		return err
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	shards := 1
	for shards < 1024 && total/shards > searchPostingsPerShard {
		shards *= 2
	}

	// Index files: with at most searchSpillBuckets of them each reads the
	// buckets whose terms it holds; with more, each bucket gives a few.
	if shards <= searchSpillBuckets {
		err = parallel(ctx, s.w.opts.Workers, shards, func(n int) error {
			postings := map[string][]int32{}
			for b := n; b < searchSpillBuckets; b += shards {
				err := sp.readBucket(b, func(t string, d int32) { postings[t] = append(postings[t], d) })
				if err != nil {
					return err
				}
			}
			return s.writeSearchShard(cached, n, postings)
		})
	} else {
		err = parallel(ctx, s.w.opts.Workers, searchSpillBuckets, func(b int) error {
			byShard := map[int]map[string][]int32{}
			for n := b; n < shards; n += searchSpillBuckets {
				byShard[n] = map[string][]int32{}
			}
			err := sp.readBucket(b, func(t string, d int32) {
				m := byShard[searchShard(t, shards)]
				m[t] = append(m[t], d)
			})
			if err != nil {
				return err
			}
			for n := b; n < shards; n += searchSpillBuckets {
				if err := s.writeSearchShard(cached, n, byShard[n]); err != nil {
					return err
				}
				delete(byShard, n)
			}
			return nil
		})
	}
	if err != nil {
		return err
	}

	textShards := (len(s.live) + searchTextPerShard - 1) / searchTextPerShard
	err = parallel(ctx, s.w.opts.Workers, textShards, func(n int) error {
		var buf bytes.Buffer
		start := n * searchTextPerShard
		fmt.Fprintf(&buf, "mpSearch.text(%d,[", n)
		for d := start; d < min(start+searchTextPerShard, len(posts)); d++ {
			if d > start {
				buf.WriteString(",\n")
			}
			text, err := sp.textOf(posts[d])
			if err != nil {
				return err
			}
			writeJSON(&buf, truncateRunes(text, searchMaxText))
		}
		buf.WriteString("]);\n")
		return cached.emit(s.w.dir, "search/t/"+itoa(n)+".js", buf.Bytes())
	})
	if err != nil {
		return err
	}

	m.Shards = shards
	var buf bytes.Buffer
	buf.WriteString("mpSearch.meta(")
	writeJSON(&buf, m)
	buf.WriteString(");\n")
	if err := cached.emit(s.w.dir, "search/meta.js", buf.Bytes()); err != nil {
		return err
	}
	cached.finish()
	return nil
}

// writeSearchShard writes index file n: its terms sorted, each with the
// documents it is in, ascending, as differences.
func (s *siteBuild) writeSearchShard(cached *searchCache, n int, postings map[string][]int32) error {
	terms := make([]string, 0, len(postings))
	for t := range postings {
		terms = append(terms, t)
	}
	slices.Sort(terms)
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "mpSearch.index(%d,{", n)
	for i, term := range terms {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeJSON(&buf, term)
		buf.WriteString(":[")
		list := postings[term]
		slices.Sort(list)
		last := int32(0)
		for j, d := range list {
			if j > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(itoa(int(d - last)))
			last = d
		}
		buf.WriteByte(']')
	}
	buf.WriteString("});\n")
	return cached.emit(s.w.dir, "search/i/"+itoa(n)+".js", buf.Bytes())
}

// searchCache keeps the files of a search index in the conversion cache,
// under a key made of everything they are made from. Its methods do
// nothing on a nil one or without a cache, but write the files.
type searchCache struct {
	cache *convcache.Cache
	key   convcache.Key
	mu    sync.Mutex
	names []string
	// rec, when set, records the files written, and a file it finds
	// as written for this key is neither read from the cache nor
	// compared (siterecord.go).
	rec *pageRecord
}

const searchCacheVersion = "mparchive search index 1"

func newSearchCache(c *convcache.Cache, docs [][]string, textSum func(doc int) []byte) *searchCache {
	if c == nil {
		return &searchCache{}
	}
	program, err := convcache.ProgramID()
	if err != nil {
		return &searchCache{}
	}
	h := sha256.New()
	for d, fields := range docs {
		var n [binary.MaxVarintLen64]byte
		for _, f := range fields {
			h.Write(n[:binary.PutUvarint(n[:], uint64(len(f)))])
			h.Write([]byte(f))
		}
		h.Write(textSum(d))
	}
	return &searchCache{cache: c, key: convcache.KeyOf([]byte(searchCacheVersion), []byte(program), h.Sum(nil))}
}

// searchFileName matches the files of an index; no other name in the
// cache is written.
var searchFileName = regexp.MustCompile(`^search/(meta|[it]/[0-9]+)\.js$`)

func (c *searchCache) fileKey(name string) convcache.Key {
	return convcache.KeyOf(c.key[:], []byte(name))
}

// write writes the index files from the cache and reports whether it
// could; a file missing from it makes the caller build them all.
func (c *searchCache) write(ctx context.Context, dir string, workers int) bool {
	if c.cache == nil {
		return false
	}
	list, ok := c.cache.Get(c.key)
	if !ok {
		return false
	}
	names := strings.Split(string(list), "\n")
	err := parallel(ctx, workers, len(names), func(i int) error {
		if !searchFileName.MatchString(names[i]) {
			return errors.New("miss")
		}
		fp, recorded := c.rec.fileFingerprint(c.key, names[i])
		if recorded && c.rec.kept(fp, names[i]) {
			return nil
		}
		data, ok := c.cache.Get(c.fileKey(names[i]))
		if !ok {
			return errors.New("miss")
		}
		_, err := writeOut(dir, names[i], data)
		if err == nil && recorded {
			c.rec.wrote(fp, names[i])
		}
		return err
	})
	return err == nil
}

// emit writes an index file and keeps it.
func (c *searchCache) emit(dir, name string, data []byte) error {
	if _, err := writeOut(dir, name, data); err != nil {
		return err
	}
	if fp, ok := c.rec.fileFingerprint(c.key, name); ok {
		c.rec.wrote(fp, name)
	}
	if c.cache != nil {
		c.cache.Put(c.fileKey(name), data)
		c.mu.Lock()
		c.names = append(c.names, name)
		c.mu.Unlock()
	}
	return nil
}

// finish records the list of files, once all are kept.
func (c *searchCache) finish() {
	if c.cache != nil {
		slices.Sort(c.names)
		c.cache.Put(c.key, []byte(strings.Join(c.names, "\n")))
	}
}

// writeJSON appends v as JSON; encoding/json escapes <, > and &, and the
// line separators JavaScript once rejected, so it is safe in a script.
func writeJSON(buf *bytes.Buffer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only strings and slices of them are written: Marshal cannot fail.
		panic(err)
	}
	buf.Write(b)
}

func itoa(n int) string { return strconv.Itoa(n) }

func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}
