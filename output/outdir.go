package output

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/mparchive/mparchive/archive"
)

// The output folder is ours only where we wrote. Writers never write or
// delete through a symbolic link inside it: a link in place of a post's
// folder or an image would otherwise have mparchive overwrite or delete
// files anywhere the link points. The output folder itself may be a link;
// what it holds is checked from there down.

// errSymlink is wrapped by the errors of checkOutPath.
var errSymlink = errors.New("is a symbolic link; mparchive does not write or delete through links in the output folder")

// checkOutPath returns root/rel (rel slash-separated) after checking that
// none of the folders between root and it, nor itself, is a symbolic link,
// and that those folders are folders. Parts that do not exist yet are
// fine: they will be created as plain folders.
func checkOutPath(root, rel string) (string, error) {
	parts := strings.Split(rel, "/")
	p := root
	for i, part := range parts {
		p = filepath.Join(p, part)
		st, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return filepath.Join(root, filepath.FromSlash(rel)), nil
		}
		if err != nil {
			return "", err
		}
		switch {
		case st.Mode()&fs.ModeSymlink != 0:
			return "", fmt.Errorf("%s %w", p, errSymlink)
		case i < len(parts)-1 && !st.IsDir():
			return "", fmt.Errorf("%s is not a folder", p)
		}
	}
	return p, nil
}

// writeOut writes data to root/rel atomically (archive.WriteFileAtomic)
// unless a link is on the way (checkOutPath).
func writeOut(root, rel string, data []byte) (bool, error) {
	p, err := checkOutPath(root, rel)
	if err != nil {
		return false, err
	}
	return archive.WriteFileAtomic(p, data)
}

// removeOut deletes root/rel, a file, unless a link is on the way: a link
// in place of the file or of a folder above it is left alone, as is a
// file that is not there.
func removeOut(root, rel string) error {
	p, err := checkOutPath(root, rel)
	if errors.Is(err, errSymlink) {
		return nil
	}
	if err != nil {
		return err
	}
	st, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// removeOurs deletes root/rel as removeOut does, when ours says its
// content is a file mparchive wrote there; a file of the user's of that
// name stays.
func removeOurs(root, rel string, ours func(content []byte) bool) error {
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !ours(data) {
		return nil
	}
	return removeOut(root, rel)
}

// outRel is the slash-separated path of p below root, for the callers that
// hold full paths.
func outRel(root, p string) string {
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(rel)
}

// outExists tells whether anything (a link included) is at root/rel.
func outExists(root, rel string) bool {
	_, err := os.Lstat(filepath.Join(root, filepath.FromSlash(rel)))
	return err == nil
}
