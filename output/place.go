package output

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/mparchive/mparchive/archive"
)

// Images and material files go into the output as cheaply as the file
// systems allow: a reflink (a copy-on-write clone, Linux's FICLONE on
// Btrfs, XFS and the like), else a hard link to the file in the archive's
// media store, else a copy. The store stays read-only: mparchive never
// writes into a file of the output that exists already, it puts a new file
// in its place (a file of the wrong size is removed first, pages go
// through a temporary file and a rename), so nothing it does can change a
// stored file through a link. A user who edits images of the output in
// place changes the archive's copy too, where they are hard links: the
// README says so.

// placeWays remembers, per media store and output folder, which ways of
// placing a file failed, so that a file system without reflinks is asked
// once, not once per image.
var placeWays sync.Map // placeKey → *placeWay

type placeKey struct{ store, out string }

type placeWay struct {
	mu              sync.Mutex
	noClone, noLink bool
}

func wayFor(store, out string) *placeWay {
	w, _ := placeWays.LoadOrStore(placeKey{store, out}, &placeWay{})
	return w.(*placeWay)
}

func (w *placeWay) can() (clone, link bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.noClone, !w.noLink
}

func (w *placeWay) failed(clone, link bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.noClone = w.noClone || clone
	w.noLink = w.noLink || link
}

// placeMedia puts a stored image into dir, a folder of the output that
// checkOutPath has checked, under name, unless it is there already, and
// reports whether it wrote. The file name carries the content hash, so an
// existing file of the right size is taken to be the same image without
// reading it; an SVG, published sanitized (publishedBytes), is compared by
// content. Nothing is written through a link.
//
// It places the file in place rather than through a temp file and a
// rename: the name already says what the content must be, so a copy cut
// short by a crash has the wrong size and is simply placed again, and
// creating and renaming a temp file per image made first builds twice as
// slow.
func placeMedia(way *placeWay, a *archive.Archive, e archive.MediaEntry, dir, name string) (bool, error) {
	dest := filepath.Join(dir, name)
	src := a.MediaPath(e)
	st, err := os.Lstat(dest)
	switch {
	case err == nil && st.Mode()&fs.ModeSymlink != 0:
		return false, fmt.Errorf("%s %w", dest, errSymlink)
	case err == nil && !st.Mode().IsRegular():
		return false, fmt.Errorf("%s is not a file", dest)
	case strings.HasSuffix(name, svgExt):
		data, err := os.ReadFile(src)
		if err != nil {
			return false, err
		}
		return archive.WriteFileAtomic(dest, publishedBytes(name, data))
	case err == nil && st.Size() == e.Size:
		return false, nil
	case err == nil:
		if err := os.Remove(dest); err != nil {
			return false, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	return true, placeFile(way, src, dest)
}

// placeFile makes dest, which does not exist, hold what src holds.
func placeFile(way *placeWay, src, dest string) error {
	clone, link := way.can()
	if clone {
		err := cloneFile(src, dest)
		if err == nil {
			return nil
		}
		if !errors.Is(err, errCloneUnsupported) {
			return err
		}
		way.failed(true, false)
	}
	if link {
		err := os.Link(src, dest)
		if err == nil {
			return nil
		}
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		// Another file system, one without links (FAT, some network
		// shares), a store owned by someone else (protected_hardlinks),
		// too many links to one file: copying works for all of them. A
		// store file too often linked says nothing of the others.
		if !tooManyLinks(err) {
			way.failed(false, true)
		}
	}
	return copyNew(src, dest)
}

// copyNew copies src to dest, a file it creates.
func copyNew(src, dest string) (err error) {
	in, out, err := openPair(src, dest)
	if err != nil {
		return err
	}
	defer in.Close()
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(dest)
		}
	}()
	_, err = io.Copy(out, in)
	return err
}

// openPair opens src to read and creates dest, which must not exist, to
// write: the two ends of a copy or a clone. On an error neither is open.
func openPair(src, dest string) (in, out *os.File, err error) {
	in, err = os.Open(src)
	if err != nil {
		return nil, nil, err
	}
	out, err = os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		in.Close()
		return nil, nil, err
	}
	return in, out, nil
}
