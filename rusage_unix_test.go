//go:build unix

package main

import (
	"os"
	"syscall"
	"time"
)

// maxRSSMB is the process's peak resident memory so far, in MiB (Linux
// reports KiB; the benchmarks run where the figures are read, on Linux).
func maxRSSMB() (float64, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return float64(ru.Maxrss) / 1024, true
}

// childUsage is the peak resident memory (MiB) and CPU time (user +
// system) of an exited child process.
func childUsage(ps *os.ProcessState) (rssMB float64, cpu time.Duration, ok bool) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, 0, false
	}
	return float64(ru.Maxrss) / 1024, ps.UserTime() + ps.SystemTime(), true
}
