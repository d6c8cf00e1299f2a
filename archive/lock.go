package archive

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The lock is a lock file locked with flock (Unix) or LockFileEx (Windows),
// never a pid file: the lock belongs to the open file, so the kernel drops
// it when its process ends, however it ends (kill -9, a crash, a power
// cut), and no run ever has to guess whether a holder is still alive. The
// file itself stays, empty; only its lock means anything. Nothing is ever
// written into it, so a run that changes nothing changes no file, and a
// reader can lock a read-only copy.

const lockFile = "lock"

// ErrLocked reports that another run holds the lock.
var ErrLocked = errors.New("locked by another run")

// lockedError says which lock is taken, and is ErrLocked.
type lockedError string

func (e lockedError) Error() string        { return string(e) }
func (e lockedError) Is(target error) bool { return target == ErrLocked }

// Lock takes the archive's lock for writing, so that two runs (a cron job
// and a manual run, say) never write one archive at once, nor one builds
// from it while another writes. The returned func releases the lock.
func (a *Archive) Lock() (unlock func() error, err error) {
	l, err := lockPath(filepath.Join(a.dir, lockFile), true)
	if err != nil {
		return nil, a.lockError(err)
	}
	// No other writer runs now, and readers write nothing: any temp file
	// left in the archive is one a killed run had not yet renamed (its
	// work is safe on disk, the temp file is not part of it).
	if err := RemoveTempFiles(a.dir); err != nil {
		l.unlock()
		return nil, err
	}
	return l.unlock, nil
}

// RLock takes the archive's lock for reading: builds from one archive run
// together, never while a run writes it. It writes nothing into the
// archive, so a read-only archive (a mounted backup, another user's copy)
// can be built from. A read-only archive without a lock file (written
// before lock files were kept, or copied without it) is read unlocked:
// there is nothing to lock, and no run that cannot write the folder can
// have created one.
func (a *Archive) RLock() (unlock func() error, err error) {
	l, err := lockPath(filepath.Join(a.dir, lockFile), false)
	if err != nil {
		return nil, a.lockError(err)
	}
	return l.unlock, nil
}

func (a *Archive) lockError(err error) error {
	if errors.Is(err, ErrLocked) {
		return lockedError("the archive " + a.dir + " is in use by another mparchive run; wait for it to finish")
	}
	return fmt.Errorf("locking the archive: %w", err)
}

// LockOutput takes the lock of an output folder, kept in
// DIR/.mparchive/lock, so that two builds into one folder never interleave
// their writes and prunes.
func LockOutput(dir string) (unlock func() error, err error) {
	path := filepath.Join(dir, ".mparchive", lockFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	l, err := lockPath(path, true)
	if errors.Is(err, ErrLocked) {
		return nil, lockedError("the output folder " + dir + " is being written by another mparchive run; wait for it to finish")
	}
	if err != nil {
		return nil, fmt.Errorf("locking the output folder: %w", err)
	}
	return l.unlock, nil
}

// heldLock is a lock file held open, which holds the lock.
type heldLock struct{ f *os.File }

// lockPath takes the lock of the file at path without waiting: exclusive
// for a writer, shared for a reader. A held lock answers ErrLocked.
func lockPath(path string, exclusive bool) (*heldLock, error) {
	if !exclusive {
		f, err := os.Open(path)
		switch {
		case err == nil:
			if err := lockFD(f, false); err != nil {
				f.Close()
				return nil, err
			}
			return &heldLock{f: f}, nil
		case !errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
		// No lock file yet: a reader creates it as a writer would, and
		// where it cannot, there is no writer to keep out (see RLock).
		f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			if readOnly(err) {
				return &heldLock{}, nil
			}
			return nil, err
		}
		if err := lockFD(f, false); err != nil {
			f.Close()
			return nil, err
		}
		return &heldLock{f: f}, nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := lockFD(f, true); err != nil {
		f.Close()
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		// The pid file of an earlier version, left by a killed run.
		if err := f.Truncate(0); err != nil {
			f.Close()
			return nil, err
		}
	}
	return &heldLock{f: f}, nil
}

// unlock releases the lock: closing the file does.
func (l *heldLock) unlock() error {
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// RemoveTempFiles deletes, below dir, the temp files that WriteFileAtomic
// leaves when its process is killed between creating and renaming them.
// Nothing else is ever named like them.
func RemoveTempFiles(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() && isTempName(d.Name()) {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		return nil
	})
}

// isTempName matches the names os.CreateTemp gives for the pattern
// "."+base+".tmp-*": a dot, the base, ".tmp-" and digits.
func isTempName(name string) bool {
	i := strings.LastIndex(name, ".tmp-")
	if !strings.HasPrefix(name, ".") || i < 1 || i+5 == len(name) {
		return false
	}
	for _, r := range name[i+5:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
