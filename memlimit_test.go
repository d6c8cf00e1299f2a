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

// TestGovernMemoryOverlapping has two builds overlap, as tests run them:
// the limit stays set until the last one stops, then comes back.
func TestGovernMemoryOverlapping(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	before := debug.SetMemoryLimit(-1)
	stopA := governMemory()
	stopB := governMemory()
	stopA()
	if during := debug.SetMemoryLimit(-1); during == math.MaxInt64 || during < memoryFloor {
		t.Errorf("limit %d after the first of two stopped, want it still set", during)
	}
	stopB()
	stopB()
	if after := debug.SetMemoryLimit(-1); after != before {
		t.Errorf("limit after both %d, want %d", after, before)
	}
}
