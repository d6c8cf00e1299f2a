package archive

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/windows"
)

// lockFD takes LockFileEx's lock on f without waiting. Like flock's, the
// lock goes with the handle, so a killed run's lock is released by the
// system. Windows byte-range locks are mandatory: the lock covers one byte
// far past the end of the (empty) file, so it keeps out other locks and
// nothing else.
func lockFD(f *os.File, exclusive bool) error {
	flags := uint32(windows.LOCKFILE_FAIL_IMMEDIATELY)
	if exclusive {
		flags |= windows.LOCKFILE_EXCLUSIVE_LOCK
	}
	ol := &windows.Overlapped{OffsetHigh: 0x7fffffff}
	err := windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, 1, 0, ol)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, windows.ERROR_LOCK_VIOLATION), errors.Is(err, windows.ERROR_SHARING_VIOLATION):
		return ErrLocked
	default:
		return &fs.PathError{Op: "LockFileEx", Path: f.Name(), Err: err}
	}
}

// readOnly reports an error that says the folder cannot be written.
func readOnly(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, windows.ERROR_WRITE_PROTECT)
}
