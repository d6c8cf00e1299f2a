package output

import (
	"encoding/binary"
	"strings"
)

// decoder reads the records mparchive encodes for itself (the conversion
// cache's entries, the catalog, the media folders' record, the search
// spill): unsigned varints, zig-zag varints, counts, bytes and strings,
// as encoding/binary appends them. Any inconsistency sets bad, and the
// reads that follow return zero values. It reads from bytes
// (recordDecoder) or, where the record is kept as a string, from the
// string itself (stringDecoder), without copying it first.
type decoder[T string | []byte] struct {
	b   T
	bad bool
	// own has str return copies rather than substrings of b, for the
	// strings that must outlive the record.
	own bool
}

type (
	recordDecoder = decoder[[]byte]
	stringDecoder = decoder[string]
)

func (d *decoder[T]) failed() bool { return d.bad }

// uvarint reads what binary.AppendUvarint wrote, refusing what
// binary.Uvarint refuses: a number cut short or over 64 bits.
func (d *decoder[T]) uvarint() uint64 {
	if d.bad {
		return 0
	}
	var v uint64
	var shift uint
	for i := 0; i < len(d.b) && i < binary.MaxVarintLen64; i++ {
		c := d.b[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				break
			}
			d.b = d.b[i+1:]
			return v | uint64(c)<<shift
		}
		v |= uint64(c&0x7f) << shift
		shift += 7
	}
	d.bad = true
	return 0
}

// varint reads what binary.AppendVarint wrote (zig-zag).
func (d *decoder[T]) varint() int64 {
	ux := d.uvarint()
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
}

// count reads a number of list elements, each of which takes at least one
// byte, so a damaged count cannot make a huge allocation.
func (d *decoder[T]) count() int {
	v := d.uvarint()
	if v > uint64(len(d.b)) {
		d.bad = true
		return 0
	}
	return int(v)
}

func (d *decoder[T]) byte() byte {
	if d.bad || len(d.b) == 0 {
		d.bad = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// take returns the next n bytes.
func (d *decoder[T]) take(n int) T {
	if d.bad || n > len(d.b) {
		d.bad = true
		return d.b[:0]
	}
	b := d.b[:n]
	d.b = d.b[n:]
	return b
}

func (d *decoder[T]) str() string {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.b)) {
		d.bad = true
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	if d.own {
		return strings.Clone(s)
	}
	return s
}
