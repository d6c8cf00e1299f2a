package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mparchive/mparchive/archive"
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

// searchShard is the index file of a term: FNV-1a of its UTF-8 bytes.
func searchShard(term string, shards int) int {
	h := fnv.New32a()
	h.Write([]byte(term))
	return int(h.Sum32() % uint32(shards))
}

// writeSearchIndex writes the search files of the live posts; document
// numbers are their places in s.live, newest first.
func (s *siteBuild) writeSearchIndex() error {
	postings := map[string][]int32{}
	total := 0
	seen := map[string]bool{}
	for doc, p := range s.live {
		clear(seen)
		index := func(term string) {
			if seen[term] {
				return
			}
			seen[term] = true
			postings[term] = append(postings[term], int32(doc))
			total++
		}
		searchTerms(p.Title, index)
		searchTerms(p.Author, index)
		searchTerms(p.Text, index)
	}
	shards := 1
	for shards < 1024 && total/shards > searchPostingsPerShard {
		shards *= 2
	}
	byShard := make([][]string, shards)
	for term := range postings {
		n := searchShard(term, shards)
		byShard[n] = append(byShard[n], term)
	}

	var buf bytes.Buffer
	for n, terms := range byShard {
		slices.Sort(terms)
		buf.Reset()
		fmt.Fprintf(&buf, "mpSearch.index(%d,{", n)
		for i, term := range terms {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSON(&buf, term)
			buf.WriteString(":[")
			last := int32(0)
			for j, d := range postings[term] {
				if j > 0 {
					buf.WriteByte(',')
				}
				buf.WriteString(itoa(int(d - last)))
				last = d
			}
			buf.WriteByte(']')
		}
		buf.WriteString("});\n")
		if _, err := writeOut(s.w.dir, "search/i/"+itoa(n)+".js", buf.Bytes()); err != nil {
			return err
		}
	}

	for start := 0; start < len(s.live); start += searchTextPerShard {
		buf.Reset()
		fmt.Fprintf(&buf, "mpSearch.text(%d,[", start/searchTextPerShard)
		for i, p := range s.live[start:min(start+searchTextPerShard, len(s.live))] {
			if i > 0 {
				buf.WriteString(",\n")
			}
			writeJSON(&buf, truncateRunes(p.Text, searchMaxText))
		}
		buf.WriteString("]);\n")
		if _, err := writeOut(s.w.dir, "search/t/"+itoa(start/searchTextPerShard)+".js", buf.Bytes()); err != nil {
			return err
		}
	}

	type meta struct {
		Shards int        `json:"shards"`
		Per    int        `json:"per"`
		Docs   [][]string `json:"docs"` // path from the root, title, date, author
	}
	m := meta{Shards: shards, Per: searchTextPerShard, Docs: make([][]string, len(s.live))}
	for i, p := range s.live {
		date := ""
		if !p.Date.IsZero() {
			date = p.Date.In(archive.ChinaTime).Format("2006-01-02")
		}
		m.Docs[i] = []string{linkPath(p.path()) + "index.html", p.Title, date, p.Author}
	}
	buf.Reset()
	buf.WriteString("mpSearch.meta(")
	writeJSON(&buf, m)
	buf.WriteString(");\n")
	_, err := writeOut(s.w.dir, "search/meta.js", buf.Bytes())
	return err
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
