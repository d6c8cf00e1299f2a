//go:build !unix

package main

import "os"

// maxRSSMB is not measured where getrusage does not exist.
func maxRSSMB() (float64, bool) { return 0, false }

// childMaxRSSMB is not measured where getrusage does not exist.
func childMaxRSSMB(*os.ProcessState) (float64, bool) { return 0, false }
