package archive

import "os"

// processAlive reports whether a process with this pid exists. On Windows
// FindProcess opens the process, which fails once it is gone.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
