package output

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"

	"github.com/mparchive/mparchive/convcache"
)

// ourFileName matches the names the writers give the images and material
// files they copy: a content hash (12 hex digits, or all 64 on a clash) and
// a plain extension. Pruning only ever deletes files named like this, page
// files of known slugs, and folders it emptied, so a file a user put into
// the output survives.
var ourFileName = regexp.MustCompile(`^([0-9a-f]{12}|[0-9a-f]{64})(\.[a-z0-9]{1,8})?$`)

// prunePosts makes the output match the selection: the page and images of
// every article of the archive that this run did not select (dropped as
// removed upstream, or outside the filter) but that has a slug in this
// folder are deleted, and so are images a written page no longer shows (an
// edited article). Only pages this writer would have written are touched.
//
// It reads a media folder only where that can find something: not for a
// folder this run created, nor for one that the last complete build left
// with the same files (folders), nor for an article that build did not
// write either; so a rebuild with nothing gone lists no folder.
func prunePosts(ctx context.Context, cat *catalog, dir string, l postLayout, slugs map[string]string, failed map[string]bool, done map[string]writtenArticle, folders *mediaRecord) error {
	for i := range cat.arts {
		if err := ctx.Err(); err != nil {
			return err
		}
		meta := cat.arts[i].meta()
		art := &meta
		key := art.Key()
		slug, ok := slugs[key]
		if !ok || !ValidSlug(slug) || failed[key] {
			continue
		}
		page, media := l.paths(art, slug)
		if w, selected := done[key]; selected {
			if w.fresh || folders.unchanged(key, w.images) {
				continue
			}
			keep := make(map[string]bool, len(w.images))
			for _, n := range w.images {
				keep[n] = true
			}
			if err := removeOurFilesExcept(dir, media, keep); err != nil {
				return err
			}
			continue
		}
		if folders.notWritten(key) {
			continue
		}
		if err := removeOut(dir, page); err != nil {
			return err
		}
		if err := removeOurFilesExcept(dir, media, nil); err != nil {
			return err
		}
	}
	return nil
}

// mediaRecord is what the last complete build of a format into a folder
// left in its media folders: per article written, a hash of the names of
// its files. It is kept in the conversion cache, not in the output (whose
// every file is the output's), under the folder's absolute path, the
// format and the state of its slug table, and taken out of the cache when
// a build starts: a build killed half-way leaves none, and the next one
// reads every folder. Without a cache, or when it was deleted, folders are
// read as before; the record only ever saves reading them.
type mediaRecord struct {
	cache *convcache.Cache
	dir   string            // absolute
	names string            // format
	old   map[string]string // nil: nothing to trust
}

const mediaRecordVersion = "mparchive media folders 1"

// mediaRecordKey names the record of a folder whose slug table is as it is
// now: a folder replaced by another (a restored copy, a new build into
// an emptied one) has another table, or the same one written at another
// time.
func mediaRecordKey(dir, format string) convcache.Key {
	stamp := "none"
	if st, err := os.Stat(slugMapPath(dir)); err == nil {
		stamp = fmt.Sprintf("%d %d", st.Size(), st.ModTime().UnixNano())
	}
	return convcache.KeyOf([]byte(mediaRecordVersion), []byte(dir), []byte(format), []byte(stamp))
}

// startMediaRecord takes the folder's record out of the cache; call it
// before the slug table is saved.
func startMediaRecord(cache *convcache.Cache, dir, format string) *mediaRecord {
	r := &mediaRecord{cache: cache, names: format}
	if cache == nil {
		return r
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		r.cache = nil
		return r
	}
	r.dir = abs
	key := mediaRecordKey(abs, format)
	if v, ok := cache.GetState(key); ok {
		r.old = decodeFolders(v)
	}
	cache.DeleteState(key)
	return r
}

// unchanged tells that the last complete build left the article's folder
// with exactly these files of ours.
func (r *mediaRecord) unchanged(key string, names []string) bool {
	sum, ok := r.old[key]
	return ok && sum == namesSum(names)
}

// notWritten tells that the last complete build wrote nothing of the
// article, so there is nothing of it to remove.
func (r *mediaRecord) notWritten(key string) bool {
	if r.old == nil {
		return false
	}
	_, ok := r.old[key]
	return !ok
}

// unknownFolder is the record of a folder whose files are not known: an
// article that failed, which may have placed images before it did.
const unknownFolder = "?"

// finish stores this build's record: the folders of the articles written,
// and of those that failed, what the last build left or that it is not
// known.
func (r *mediaRecord) finish(done map[string]writtenArticle, failed map[string]bool) {
	if r.cache == nil {
		return
	}
	folders := make(map[string]string, len(done)+len(failed))
	for k, w := range done {
		folders[k] = namesSum(w.images)
	}
	for k := range failed {
		if sum, ok := r.old[k]; ok {
			folders[k] = sum
		} else {
			folders[k] = unknownFolder
		}
	}
	r.cache.PutState(mediaRecordKey(r.dir, r.names), encodeFolders(folders))
}

func encodeFolders(m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b []byte
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		for _, s := range []string{k, m[k]} {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
	}
	return b
}

func decodeFolders(b []byte) map[string]string {
	d := recordDecoder{b: b}
	n := d.count()
	m := make(map[string]string, n)
	for range n {
		k := d.str()
		m[k] = d.str()
	}
	if d.bad || len(d.b) != 0 {
		return nil
	}
	return m
}

// namesSum sums a sorted list of file names.
func namesSum(names []string) string {
	h := sha256.New()
	for _, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// removeOurFilesExcept deletes our image and material files in root/rel
// (rel slash-separated) that are not in keep, then the folder itself if
// that left it empty. A folder reached through a link is left alone.
func removeOurFilesExcept(root, rel string, keep map[string]bool) error {
	dir, err := checkOutPath(root, rel)
	if errors.Is(err, errSymlink) {
		return nil
	}
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	left := 0
	for _, e := range entries {
		if e.Type().IsRegular() && ourFileName.MatchString(e.Name()) && !keep[e.Name()] {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			continue
		}
		left++
	}
	if left == 0 {
		// Fails harmlessly when another writer's file appeared meanwhile.
		os.Remove(dir)
	}
	return nil
}
