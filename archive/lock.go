package archive

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const lockFile = "lock"

// lockInfo is what the lock file says about the run holding it.
type lockInfo struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Started time.Time `json:"started"`
}

// ErrLocked reports that another run holds the archive.
var ErrLocked = errors.New("archive is locked")

// Lock takes the archive's lock, so that two runs (a cron job and a manual
// run, say) never write one archive at once. A lock left by a run that was
// killed is taken over: on this host, a lock whose process is gone is
// stale. The returned func releases the lock.
func (a *Archive) Lock() (unlock func() error, err error) {
	path := filepath.Join(a.dir, lockFile)
	host, _ := os.Hostname()
	me := lockInfo{PID: os.Getpid(), Host: host, Started: time.Now().UTC().Truncate(time.Second)}
	data, _ := json.Marshal(me)
	for attempt := 0; attempt < 2; attempt++ {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			_, werr := f.Write(data)
			cerr := f.Close()
			if werr != nil || cerr != nil {
				os.Remove(path)
				return nil, fmt.Errorf("writing %s: %v", path, errors.Join(werr, cerr))
			}
			return func() error {
				if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return err
				}
				return nil
			}, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("locking the archive: %w", err)
		}
		holder, stale := a.lockHolder(path, host)
		if !stale {
			return nil, fmt.Errorf("%w: another mparchive run (%s) is using %s; wait for it to finish, or, if no such run exists, delete %s",
				ErrLocked, holder, a.dir, path)
		}
		// The holder died without cleaning up (kill -9, power cut): its
		// work is safe on disk, so the lock can go, and so can the temp
		// files of the writes it did not finish.
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("removing the stale lock %s: %w", path, err)
		}
		if err := RemoveTempFiles(a.dir); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%w: could not take %s", ErrLocked, path)
}

// lockHolder describes the run holding the lock and whether it is gone.
func (a *Archive) lockHolder(path, host string) (desc string, stale bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		// Vanished in between: the holder just finished.
		return "", errors.Is(err, fs.ErrNotExist)
	}
	var info lockInfo
	if json.Unmarshal(b, &info) != nil || info.PID <= 0 {
		// A lock file is written in one small write right after it is
		// created; an unreadable one was cut short by a crash.
		st, err := os.Stat(path)
		return "unknown run", err == nil && time.Since(st.ModTime()) > time.Minute
	}
	desc = fmt.Sprintf("pid %d on %s, started %s", info.PID, info.Host, info.Started.Format(time.RFC3339))
	if info.Host != host {
		// A process on another machine (a shared disk) cannot be checked.
		return desc, false
	}
	// A pid that is alive may belong to a process started after the lock:
	// the holder died and the number was handed out again.
	return desc, !processAlive(info.PID) || startedAfter(info.PID, info.Started)
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
