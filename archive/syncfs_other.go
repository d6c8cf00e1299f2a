//go:build !linux && !windows

package archive

import "syscall"

// SyncFS flushes written files to disk. Outside Linux there is no per-file
// system call, so it flushes them all.
func SyncFS(dir string) error {
	syscall.Sync()
	return nil
}
