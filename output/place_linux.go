package output

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

var errCloneUnsupported = errors.New("reflinks not supported here")

// cloneFile makes dest, which must not exist, a reflink of src: a new file
// sharing src's blocks until either is written. It fails with
// errCloneUnsupported, leaving no dest behind, where the file system (or
// the pair of them) cannot clone.
func cloneFile(src, dest string) (err error) {
	in, out, err := openPair(src, dest)
	if err != nil {
		return err
	}
	defer in.Close()
	cerr := unix.IoctlFileClone(int(out.Fd()), int(in.Fd()))
	if err = out.Close(); cerr != nil || err != nil {
		os.Remove(dest)
	}
	switch {
	case cerr == nil:
		return err
	case errors.Is(cerr, unix.EOPNOTSUPP), errors.Is(cerr, unix.ENOTSUP), errors.Is(cerr, unix.EXDEV),
		errors.Is(cerr, unix.EINVAL), errors.Is(cerr, unix.ENOTTY), errors.Is(cerr, unix.ENOSYS), errors.Is(cerr, unix.EPERM):
		return errCloneUnsupported
	}
	return cerr
}

// tooManyLinks tells a link refused because its file has the most links
// the file system allows.
func tooManyLinks(err error) bool { return errors.Is(err, unix.EMLINK) }
