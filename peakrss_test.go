package main

import (
	"bytes"
	"os"
	"strconv"
)

// peakRSSEnv names a file a child run (runAsMain) writes its own peak
// resident memory to, in KiB, as it exits. The parent cannot take it from
// the child's rusage: Go starts a child sharing the parent's memory until
// exec, and Linux counts the parent's peak into the child's ru_maxrss.
const peakRSSEnv = "MPARCHIVE_TEST_PEAK_RSS"

// writePeakRSS writes this process's peak RSS where peakRSSEnv says, if it
// says and the system tells (Linux: VmHWM, the high-water mark of this
// process image alone).
func writePeakRSS() {
	path := os.Getenv(peakRSSEnv)
	if path == "" {
		return
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for _, line := range bytes.Split(status, []byte("\n")) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			f := bytes.Fields(rest)
			if len(f) == 2 && string(f[1]) == "kB" {
				if _, err := strconv.ParseInt(string(f[0]), 10, 64); err == nil {
					os.WriteFile(path, f[0], 0o644)
				}
			}
			return
		}
	}
}

// readPeakRSSMB reads what writePeakRSS wrote, in MiB.
func readPeakRSSMB(path string) (float64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	kb, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, false
	}
	return float64(kb) / 1024, true
}
