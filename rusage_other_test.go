//go:build !unix

package main

// maxRSSMB is not measured where getrusage does not exist.
func maxRSSMB() (float64, bool) { return 0, false }
