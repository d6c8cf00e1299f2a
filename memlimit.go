package main

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// A build holds, per article, its metadata, its place in the lists and
// the archive's media index: a large account's build holds tens of
// megabytes, and with Go's default pacing its heap grows to twice that
// before a collection, more while the catalog loads. governMemory keeps
// the heap near what it holds instead, with a soft limit of 1.6 times the
// live heap, never below memoryFloor, which a small build never reaches:
// measured on 10,000 articles, peak memory fell from 120 MB to 90 MB at no
// cost in time. A GOMEMLIMIT of the user's is left alone.
//
// The floor is most of a large build's peak (the process's peak RSS is
// the limit and some 13 MB of program): with the catalog kept compact a
// 10,000-article build lives in under 30 MB, and a floor of 64 MB instead
// of 80 took its peak from 91 MB to under 80 MB in the same CPU time,
// while 56 MB cost a sixth more CPU (BenchmarkBuildPeakRSS).

// memoryFloor is the least limit governMemory sets.
const memoryFloor = 64 << 20

// buildGCPercent is the GOGC of a governed build, unless the user set one:
// the soft limit, not the heap's growth, then decides when to collect, so a
// small build spends the memory floor it is allowed anyway instead of
// collecting each time its small heap doubles. A build's peak is then
// about the same at any size up to where what it holds passes the floor
// (BenchmarkBuildPeakRSS: 71–73 MB at 2,000 articles, 76–79 MB at 10,000,
// against 39 and 76 MB with Go's default pacing), and the 2,000-article
// site build takes 8% less CPU.
const buildGCPercent = 400

// The limit is the process's: builds that run at once (tests run several
// in one process) share one governor, which the first starts and the last
// stops.
var governor struct {
	sync.Mutex
	users   int
	prev    int64
	prevGC  int // -2: the user's GOGC, left alone
	done    chan struct{}
	stopped chan struct{}
}

// governMemory starts adjusting the soft memory limit to the live heap
// and returns the function that stops it and restores the limit.
func governMemory() (stop func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	governor.Lock()
	defer governor.Unlock()
	governor.users++
	if governor.users == 1 {
		governor.prev = debug.SetMemoryLimit(-1)
		governor.prevGC = -2
		if os.Getenv("GOGC") == "" {
			governor.prevGC = debug.SetGCPercent(buildGCPercent)
		}
		adjustMemoryLimit()
		governor.done, governor.stopped = make(chan struct{}), make(chan struct{})
		go func(done, stopped chan struct{}) {
			defer close(stopped)
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-done:
					return
				case <-tick.C:
					adjustMemoryLimit()
				}
			}
		}(governor.done, governor.stopped)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			governor.Lock()
			defer governor.Unlock()
			governor.users--
			if governor.users == 0 {
				close(governor.done)
				<-governor.stopped
				debug.SetMemoryLimit(governor.prev)
				if governor.prevGC != -2 {
					debug.SetGCPercent(governor.prevGC)
				}
			}
		})
	}
}

func adjustMemoryLimit() {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	limit := uint64(memoryFloor)
	if sample[0].Value.Kind() == metrics.KindUint64 {
		limit = max(limit, sample[0].Value.Uint64()/5*8)
	}
	debug.SetMemoryLimit(int64(limit))
}
