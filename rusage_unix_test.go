//go:build unix

package main

import "syscall"

// maxRSSMB is the process's peak resident memory so far, in MiB (Linux
// reports KiB; the benchmarks run where the figures are read, on Linux).
func maxRSSMB() (float64, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return float64(ru.Maxrss) / 1024, true
}
