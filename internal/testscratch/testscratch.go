// Package testscratch keeps the tests' temporary folders in memory. Only
// test files import it.
package testscratch

import (
	"os"
	"runtime"
)

// InMemory points the temporary folders of the tests (t.TempDir,
// os.MkdirTemp) at /dev/shm when TMPDIR names no other place. The tests
// write tens of thousands of small files (archives, media, six output
// formats) and the archive syncs each one; on a disk file system under
// load that costs many times what the code under test takes, and makes
// the timings depend on what else the machine writes. A TMPDIR set by the
// caller wins, so a run can still be pointed at a real disk.
func InMemory() {
	if os.Getenv("TMPDIR") != "" || runtime.GOOS != "linux" {
		return
	}
	if probe, err := os.MkdirTemp("/dev/shm", "mparchive-test-"); err == nil {
		os.Remove(probe)
		os.Setenv("TMPDIR", "/dev/shm")
	}
}
