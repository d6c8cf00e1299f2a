//go:build unix

package render

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used so far, user and
// system: on a machine shared with other work it moves far less with the
// load than the time on the clock.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
