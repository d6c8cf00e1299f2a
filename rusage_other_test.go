//go:build !unix

package main

import (
	"os"
	"time"
)

// maxRSSMB is not measured where getrusage does not exist.
func maxRSSMB() (float64, bool) { return 0, false }

// childUsage is not measured where getrusage does not exist.
func childUsage(*os.ProcessState) (float64, time.Duration, bool) { return 0, 0, false }
