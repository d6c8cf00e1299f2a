package archive

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"math"
	"slices"
	"strings"
)

// The media index maps each media key (MediaKey) to its stored file. It
// lives in two files:
//
//   - index.json, the compacted index: one JSON object, keys sorted, as
//     every earlier version wrote it (and reads it);
//   - index.jsonl, the journal: one JSON line per key stored since
//     index.json was written, appended at each Flush.
//
// A run appends what it stored to the journal, which costs what was
// stored, not what the account holds, and folds the journal into
// index.json when it ends (Compact) or when the journal has grown past a
// quarter of index.json: every key is rewritten a bounded number of times
// however large the account. In memory the index holds no keys, only
// their hashes (keyHash).
const (
	mediaIndexFile   = "media/index.json"
	mediaJournalFile = "media/index.jsonl"
)

// minCompactBytes is the journal size below which a Flush never compacts:
// small journals cost nothing to replay. Tests lower it.
var minCompactBytes int64 = 1 << 20

// keyHash names a media key in memory: the first half of its SHA-256.
// The index holds tens of thousands of keys of a hundred bytes each; their
// hashes are a sixth of that, and the keys themselves are needed only to
// write index.json, which reads them back from the files.
type keyHash [16]byte

func hashKey(key string) keyHash {
	sum := sha256.Sum256([]byte(key))
	return keyHash(sum[:16])
}

// mediaRec is a MediaEntry as the index holds it in memory: the file is
// named by its hash (media/<ab>/<sha256><ext>), so the hash is kept once,
// as bytes, and the extension and type are numbers in mediaIndex.names.
type mediaRec struct {
	sum      [sha256.Size]byte
	size     uint32 // larger files go to odd
	ext, typ uint16
}

// recChunk is how many mediaRecs one block of mediaIndex.recs holds. The
// records grow in blocks, not in one slice: a slice that doubles holds up
// to twice what it needs, three times while it is copied.
const recChunk = 4096

// mediaIndex is the media index in memory, and where its files stand. The
// Archive's mu guards it.
type mediaIndex struct {
	// at says where each key's mediaRec is in recs: a map of small
	// values and a slice take half the memory of a map of mediaRecs.
	at    map[keyHash]uint32
	recs  [][]mediaRec // blocks of recChunk
	nrecs int
	// odd holds the entries that mediaRec cannot hold: a file not named
	// by its hash, which no version of mparchive wrote, but a hand-edited
	// index may hold.
	odd     map[keyHash]MediaEntry
	names   []string // extensions and types
	nameIdx map[string]uint16
	// met marks the keys met since forgetMeetings (see Archive.MeetMedia):
	// a bit per record, and the odd keys by name.
	met    []uint64
	metOdd map[keyHash]struct{}

	// pending holds the journal lines of the keys stored since the last
	// Flush: they are written once their files are on disk.
	pending []byte
	// journalSize is how many bytes of whole lines the journal holds;
	// journalTorn says the file holds more (a line cut by a crash), to be
	// cut off before the next append.
	journalSize int64
	journalTorn bool
	compactSize int64 // the size of index.json
	// rewrite says index.json is not in the form Compact writes (keys
	// from before MediaKey, or out of order), so the next Compact writes
	// it from all its keys instead of merging the journal into it.
	rewrite bool
	// released says the index was dropped (ReleaseMedia) and must be
	// loaded again before use (Archive.mediaIn).
	released bool
}

// journalLine is one line of the journal.
type journalLine struct {
	Key string `json:"key"`
	MediaEntry
}

func (ix *mediaIndex) name(s string) (uint16, bool) {
	if i, ok := ix.nameIdx[s]; ok {
		return i, true
	}
	if len(ix.names) > 0xffff {
		return 0, false
	}
	if ix.nameIdx == nil {
		ix.nameIdx = map[string]uint16{}
	}
	i := uint16(len(ix.names))
	ix.names = append(ix.names, s)
	ix.nameIdx[s] = i
	return i, true
}

// rec packs e, or reports that mediaRec cannot hold it.
func (ix *mediaIndex) rec(e MediaEntry) (mediaRec, bool) {
	var r mediaRec
	if len(e.SHA256) != 2*sha256.Size || e.SHA256 != strings.ToLower(e.SHA256) {
		return r, false
	}
	if _, err := hex.Decode(r.sum[:], []byte(e.SHA256)); err != nil {
		return r, false
	}
	ext, ok := strings.CutPrefix(e.File, e.SHA256[:2]+"/"+e.SHA256)
	if !ok || strings.Contains(ext, "/") {
		return r, false
	}
	var okExt, okType bool
	r.ext, okExt = ix.name(ext)
	r.typ, okType = ix.name(e.Type)
	if e.Size < 0 || e.Size > math.MaxUint32 {
		return r, false
	}
	r.size = uint32(e.Size)
	return r, okExt && okType
}

func (ix *mediaIndex) recAt(i uint32) *mediaRec { return &ix.recs[i/recChunk][i%recChunk] }

// appendRec adds r to recs and returns its place.
func (ix *mediaIndex) appendRec(r mediaRec) uint32 {
	if ix.nrecs%recChunk == 0 {
		ix.recs = append(ix.recs, make([]mediaRec, 0, recChunk))
	}
	last := &ix.recs[len(ix.recs)-1]
	*last = append(*last, r)
	ix.nrecs++
	return uint32(ix.nrecs - 1)
}

func (ix *mediaIndex) entry(r mediaRec) MediaEntry {
	sum := hex.EncodeToString(r.sum[:])
	return MediaEntry{File: sum[:2] + "/" + sum + ix.names[r.ext], SHA256: sum, Type: ix.names[r.typ], Size: int64(r.size)}
}

func (ix *mediaIndex) get(h keyHash) (MediaEntry, bool) {
	if i, ok := ix.at[h]; ok {
		return ix.entry(*ix.recAt(i)), true
	}
	e, ok := ix.odd[h]
	return e, ok
}

// set records e under h and reports whether that changed anything.
func (ix *mediaIndex) set(h keyHash, e MediaEntry) bool {
	if old, ok := ix.get(h); ok && old == e {
		return false
	}
	if ix.at == nil {
		ix.at = map[keyHash]uint32{}
	}
	if r, ok := ix.rec(e); ok && ix.nrecs < math.MaxUint32 {
		if i, ok := ix.at[h]; ok {
			*ix.recAt(i) = r
		} else {
			ix.at[h] = ix.appendRec(r)
		}
		delete(ix.odd, h)
	} else {
		if ix.odd == nil {
			ix.odd = map[keyHash]MediaEntry{}
		}
		ix.odd[h] = e
		delete(ix.at, h) // its slot in recs stays unused
	}
	return true
}

// meet tells whether the index holds h and whether h was not met before,
// and marks it met. A key moved between recs and odd (a record of another
// form replacing it) counts as not met.
func (ix *mediaIndex) meet(h keyHash) (known, first bool) {
	if i, ok := ix.at[h]; ok {
		w, bit := int(i/64), uint64(1)<<(i%64)
		if w >= len(ix.met) {
			ix.met = append(ix.met, make([]uint64, w+1-len(ix.met))...)
		}
		first = ix.met[w]&bit == 0
		ix.met[w] |= bit
		return true, first
	}
	if _, ok := ix.odd[h]; !ok {
		return false, false
	}
	if _, seen := ix.metOdd[h]; seen {
		return true, false
	}
	if ix.metOdd == nil {
		ix.metOdd = map[keyHash]struct{}{}
	}
	ix.metOdd[h] = struct{}{}
	return true, true
}

func (ix *mediaIndex) count() int { return len(ix.at) + len(ix.odd) }

// add records a file stored in this run under key (a MediaKey), to be
// journaled at the next Flush.
func (ix *mediaIndex) add(key string, e MediaEntry) {
	if !ix.set(hashKey(key), e) {
		return
	}
	b, err := json.Marshal(journalLine{Key: key, MediaEntry: e})
	if err != nil {
		panic(err) // strings and a number: cannot fail
	}
	ix.pending = append(append(ix.pending, b...), '\n')
}

// dirty reports whether index.json is not the whole index.
func (ix *mediaIndex) dirty() bool {
	return ix.rewrite || ix.journalSize > 0 || ix.journalTorn || len(ix.pending) > 0
}

// digest writes the index's contents to h, in the order of the keys'
// hashes: the same contents give the same digest, however they are spread
// over index.json and the journal.
func (ix *mediaIndex) digest(h hash.Hash) {
	hashes := make([]keyHash, 0, ix.count())
	for k := range ix.at {
		hashes = append(hashes, k)
	}
	for k := range ix.odd {
		hashes = append(hashes, k)
	}
	slices.SortFunc(hashes, func(a, b keyHash) int { return bytes.Compare(a[:], b[:]) })
	for _, k := range hashes {
		e, _ := ix.get(k)
		fmt.Fprintf(h, "%x\x00%s\x00%s\x00%d\n", k, e.File, e.Type, e.Size)
	}
}

// Media looks up a stored media file by a reference to it: any spelling
// of its URL that MediaKey folds to its key, or its MaterialKey or
// VoiceKey.
func (a *Archive) Media(ref string) (MediaEntry, bool) {
	h := hashKey(MediaKey(ref))
	a.mu.Lock()
	defer a.mu.Unlock()
	a.mediaIn()
	return a.media.get(h)
}

// addMedia records a stored file in the media index, under the MediaKey
// of ref.
func (a *Archive) addMedia(ref string, entry MediaEntry) {
	key := MediaKey(ref)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.mediaIn()
	a.media.add(key, entry)
}

// MeetMedia is Media for a walk that meets a key many times, as a fetch
// meets an image in every article that shows it, and must tell the first
// meeting from the others: it reports whether the index holds ref's key,
// and whether the walk had not met it before, since ForgetMeetings. The
// marks take a bit per key where a set of the keys met would take dozens
// of bytes.
func (a *Archive) MeetMedia(ref string) (known, first bool) {
	h := hashKey(MediaKey(ref))
	a.mu.Lock()
	defer a.mu.Unlock()
	a.mediaIn()
	return a.media.meet(h)
}

// ForgetMeetings makes every key unmet again, for the next walk.
func (a *Archive) ForgetMeetings() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.media.met, a.media.metOdd = nil, nil
}

// MediaCount is the number of keys in the media index.
func (a *Archive) MediaCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.mediaIn()
	return a.media.count()
}
