//go:build unix

package main

import (
	"os"
	"syscall"
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

// childMaxRSSMB is a finished child process's peak resident memory, in MiB
// (KiB on Linux, as maxRSSMB).
func childMaxRSSMB(ps *os.ProcessState) (float64, bool) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, false
	}
	return float64(ru.Maxrss) / 1024, true
}
