package main

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestGovernMemory(t *testing.T) {
	tests := []struct {
		name      string
		env       string
		wantSet   bool // a limit below "none" while it runs
		wantAfter int64
	}{
		{"sets and restores", "", true, math.MaxInt64},
		{"leaves GOMEMLIMIT alone", "1GiB", false, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOMEMLIMIT", tt.env)
			before := debug.SetMemoryLimit(-1)
			stop := governMemory()
			during := debug.SetMemoryLimit(-1)
			stop()
			after := debug.SetMemoryLimit(-1)
			if set := during < math.MaxInt64; set != tt.wantSet {
				t.Errorf("limit while running %d, set %v, want %v", during, set, tt.wantSet)
			}
			if tt.wantSet && during < memoryFloor {
				t.Errorf("limit %d below the floor %d", during, memoryFloor)
			}
			if after != before {
				t.Errorf("limit after %d, want it back at %d", after, before)
			}
		})
	}
}
