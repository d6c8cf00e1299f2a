package main

import (
	"runtime/debug"
	"testing"
)

// TestPaceFetchGC checks that a fetch paces the collector at
// fetchGCPercent and restores the pacing it found, and that a GOGC of the
// user's is left alone.
func TestPaceFetchGC(t *testing.T) {
	for _, tc := range []struct {
		name   string
		gogc   string
		during int
	}{
		{"default", "", fetchGCPercent},
		{"user's GOGC", "150", 77},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GOGC", tc.gogc)
			before := debug.SetGCPercent(77)
			defer debug.SetGCPercent(before)
			restore := paceFetchGC()
			if got := debug.SetGCPercent(-1); got != tc.during {
				t.Errorf("during the fetch: GC percent %d; want %d", got, tc.during)
			}
			debug.SetGCPercent(tc.during)
			restore()
			if got := debug.SetGCPercent(77); got != 77 {
				t.Errorf("after the fetch: GC percent %d; want 77 restored", got)
			}
		})
	}
}
