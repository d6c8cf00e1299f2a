package output

import (
	"fmt"
	"math"
	"reflect"

	"github.com/mparchive/mparchive/archive"
)

// A catalog holds the metadata of every article of the archive for the
// whole build, so it is kept compact: each article's fields encoded one
// after the other into one string (encodeValue, as the catalog cache
// stores them), instead of an archive.Article of some 400 bytes plus a
// dozen strings allocated one by one. Decoding is cheap and allocates
// no strings but the encoding, when read back from the catalog's file
// (catalogspill.go): those of the decoded Article are substrings of it.
// An article this encoding cannot hold (a field of a kind it does not
// know, a time in another zone) is kept as it is.

// meta returns the article's metadata (Content is "").
func (ca *catArticle) meta() archive.Article {
	if ca.full != nil {
		return *ca.full
	}
	var art archive.Article
	d := stringDecoder{b: ca.encoding()}
	if !decodeValue(&d, reflect.ValueOf(&art).Elem()) || d.b != "" {
		// setMeta encoded it from a value: it always decodes.
		panic("output: catalog article does not decode")
	}
	return art
}

// ownMeta is meta for a value that outlives the catalog: its strings
// are copies, where meta's are substrings of the encoding, which would
// keep the whole encoding of every article alive as long as any one of
// its fields is (the site's list records outlast the catalog).
func (ca *catArticle) ownMeta() archive.Article {
	if ca.full != nil {
		return *ca.full
	}
	var art archive.Article
	d := stringDecoder{b: ca.encoding(), own: true}
	if !decodeValue(&d, reflect.ValueOf(&art).Elem()) || d.b != "" {
		panic("output: catalog article does not decode")
	}
	return art
}

// setMeta stores art (whose Content is "") as the article's metadata.
func (ca *catArticle) setMeta(art *archive.Article) {
	b, ok := encodeValue(nil, reflect.ValueOf(art).Elem())
	if !ok {
		c := *art
		ca.enc, ca.full, ca.n = "", &c, 0
		return
	}
	ca.enc, ca.full, ca.n = string(b), nil, 0
	ca.moveTo(ca.spill)
}

// encoding is the article's encoded metadata, wherever it lies.
func (ca *catArticle) encoding() string {
	if ca.n == 0 {
		return ca.enc
	}
	enc, err := ca.spill.get(ca.off, ca.n)
	if err != nil {
		// The file was written a moment ago by this process: losing it
		// is losing memory.
		panic(fmt.Errorf("output: reading the catalog back from its temporary file: %w", err))
	}
	return enc
}

// moveTo moves the article's encoding into s, if s is not nil and takes
// it; otherwise it stays in memory.
func (ca *catArticle) moveTo(s *metaSpill) {
	ca.spill = s
	if s == nil || ca.full != nil || ca.enc == "" || len(ca.enc) > math.MaxUint32 {
		return
	}
	if off, ok := s.put(ca.enc); ok {
		ca.enc, ca.off, ca.n = "", off, uint32(len(ca.enc))
	}
}
