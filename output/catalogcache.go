package output

import (
	"crypto/sha256"
	"encoding/binary"
	"reflect"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/convcache"
)

// Decoding the archive's JSON is a sixth of a rebuild with nothing else to
// convert. With a cache, the catalog articles of each item are kept under
// the item's bytes: a later build reads and hashes the item and takes its
// articles from the cache instead of decoding it.
//
// The articles are encoded field by field through reflection, so that a
// field added to archive.Article is kept without anyone remembering to
// add it here; a field of a kind this code does not know (a map, an
// interface…) makes the item uncacheable, never wrongly cached. Strings
// keep their exact bytes, nil and empty slices and pointers stay apart,
// and times keep their zone (Beijing time or UTC; any other is not
// cached).

const catalogCacheVersion = "mparchive catalog item 1"

// itemCacheKey names the catalog articles of an item: this program, the
// source, whether the layout converts less than the body (bodySource),
// and the item's bytes.
func itemCacheKey(program string, src archive.Source, bodySource bool, raw []byte) convcache.Key {
	sum := sha256.Sum256(raw)
	bs := []byte{0}
	if bodySource {
		bs[0] = 1
	}
	return convcache.KeyOf([]byte(catalogCacheVersion), []byte(program), []byte(src), bs, sum[:])
}

var timeType = reflect.TypeFor[time.Time]()

// encodeCatArticles encodes the articles of one item (Removed unset, as
// DecodeItem gives them); false when one holds a value it cannot encode.
func encodeCatArticles(arts []catArticle) ([]byte, bool) {
	b := binary.AppendUvarint(nil, uint64(len(arts)))
	for i := range arts {
		if arts[i].full != nil {
			return nil, false
		}
		// Its encoding is what encodeValue wrote of the metadata.
		b = append(b, arts[i].encoding()...)
		b = append(b, arts[i].body[:]...)
		b = append(b, arts[i].conv[:]...)
		b = binary.AppendUvarint(b, uint64(arts[i].bodyLen))
	}
	return b, true
}

func decodeCatArticles(b []byte, item int32) ([]catArticle, bool) {
	d := recordDecoder{b: b}
	n := d.count()
	arts := make([]catArticle, n)
	for i := range arts {
		// Decoded to check it; the catalog keeps the bytes as they are.
		start := d.b
		var meta archive.Article
		if !decodeValue(&d, reflect.ValueOf(&meta).Elem()) {
			return nil, false
		}
		arts[i].enc = string(start[:len(start)-len(d.b)])
		copy(arts[i].body[:], d.take(sha256.Size))
		copy(arts[i].conv[:], d.take(sha256.Size))
		arts[i].bodyLen = int(d.uvarint())
		arts[i].item = item
	}
	if d.bad || len(d.b) != 0 {
		return nil, false
	}
	return arts, true
}

func encodeValue(b []byte, v reflect.Value) ([]byte, bool) {
	switch v.Kind() {
	case reflect.String:
		b = binary.AppendUvarint(b, uint64(v.Len()))
		return append(b, v.String()...), true
	case reflect.Bool:
		if v.Bool() {
			return append(b, 1), true
		}
		return append(b, 0), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return binary.AppendVarint(b, v.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return binary.AppendUvarint(b, v.Uint()), true
	case reflect.Slice:
		if v.IsNil() {
			return append(b, 0), true
		}
		b = binary.AppendUvarint(b, uint64(v.Len())+1)
		for i := range v.Len() {
			var ok bool
			if b, ok = encodeValue(b, v.Index(i)); !ok {
				return nil, false
			}
		}
		return b, true
	case reflect.Pointer:
		if v.IsNil() {
			return append(b, 0), true
		}
		return encodeValue(append(b, 1), v.Elem())
	case reflect.Struct:
		if v.Type() == timeType {
			return encodeTime(b, v.Interface().(time.Time))
		}
		t := v.Type()
		for i := range t.NumField() {
			if !t.Field(i).IsExported() {
				return nil, false
			}
			var ok bool
			if b, ok = encodeValue(b, v.Field(i)); !ok {
				return nil, false
			}
		}
		return b, true
	}
	return nil, false
}

func encodeTime(b []byte, t time.Time) ([]byte, bool) {
	switch {
	case t.IsZero() && t == (time.Time{}):
		return append(b, 0), true
	case t.Location() == archive.ChinaTime:
		b = append(b, 1)
	case t.Location() == time.UTC:
		b = append(b, 2)
	default:
		return nil, false
	}
	// Only times without a monotonic reading, as decoding gives them.
	if t != t.Round(0) {
		return nil, false
	}
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond())), true
}

// valueDecoder reads what encodeValue wrote: recordDecoder from bytes,
// stringDecoder from a string (decoder.go).
type valueDecoder interface {
	str() string
	byte() byte
	varint() int64
	uvarint() uint64
	count() int
	failed() bool
}

func decodeValue(d valueDecoder, v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		v.SetString(d.str())
	case reflect.Bool:
		v.SetBool(d.byte() == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(d.varint())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(d.uvarint())
	case reflect.Slice:
		n := d.count()
		if n == 0 {
			return !d.failed()
		}
		s := reflect.MakeSlice(v.Type(), n-1, n-1)
		for i := range n - 1 {
			if !decodeValue(d, s.Index(i)) {
				return false
			}
		}
		v.Set(s)
	case reflect.Pointer:
		if d.byte() == 0 {
			return !d.failed()
		}
		p := reflect.New(v.Type().Elem())
		if !decodeValue(d, p.Elem()) {
			return false
		}
		v.Set(p)
	case reflect.Struct:
		if v.Type() == timeType {
			t, ok := decodeTime(d)
			v.Set(reflect.ValueOf(t))
			return ok
		}
		for i := range v.NumField() {
			if !decodeValue(d, v.Field(i)) {
				return false
			}
		}
	default:
		return false
	}
	return !d.failed()
}

func decodeTime(d valueDecoder) (time.Time, bool) {
	var loc *time.Location
	switch d.byte() {
	case 0:
		return time.Time{}, !d.failed()
	case 1:
		loc = archive.ChinaTime
	case 2:
		loc = time.UTC
	default:
		return time.Time{}, false
	}
	sec := d.varint()
	nsec := d.uvarint()
	if nsec >= 1e9 {
		return time.Time{}, false
	}
	return time.Unix(sec, int64(nsec)).In(loc), !d.failed()
}
