package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mparchive/mparchive/convcache"
	"github.com/mparchive/mparchive/exporter/wechattest"
)

// childEnv makes the test binary run as mparchive itself (see TestMain), so
// the crash test can kill a real process with SIGKILL.
const childEnv = "MPARCHIVE_TEST_AS_MAIN"

// killableFake serves a fake account through a handler that can kill the
// child process when the n-th request arrives, before answering it.
type killableFake struct {
	url      string
	requests atomic.Int64
	mu       sync.Mutex
	killAt   int64
	child    *os.Process
	killed   chan struct{}
}

func newKillableFake(t *testing.T, opts wechattest.Options) *killableFake {
	t.Helper()
	srv, err := wechattest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	k := &killableFake{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := k.requests.Add(1)
		k.mu.Lock()
		if k.child != nil && k.killAt > 0 && n >= k.killAt {
			k.child.Signal(syscall.SIGKILL)
			k.child = nil
			close(k.killed)
		}
		k.mu.Unlock()
		srv.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	srv.SetBaseURL(ts.URL)
	k.url = ts.URL
	return k
}

// exportChild runs `mparchive export` in a child process against the fake.
// With killAt > 0 the child is killed when request killAt arrives; with
// killAfter > 0 it is killed that long after the requests stopped (to hit
// the build stage). It reports whether the child was killed.
func (k *killableFake) exportChild(t *testing.T, out string, killAt int64, killAfter time.Duration) bool {
	t.Helper()
	cmd := exec.Command(os.Args[0], "export", "--api-base", k.url, "-o", out, "--quiet")
	// A conversion cache of the folder's own, beside it: the run after a
	// kill reads what the killed one left in it, and the first build of a
	// folder converts, so that a kill in the build lands in one.
	cache := filepath.Join(filepath.Dir(out), "cache")
	cmd.Env = append(os.Environ(), childEnv+"=1", "MPARCHIVE_APPID=wxkill", "MPARCHIVE_SECRET=s", "MPARCHIVE_CONFIG=", convcache.EnvDir+"="+cache)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	k.mu.Lock()
	k.requests.Store(0)
	k.killAt = killAt
	k.child = cmd.Process
	k.killed = make(chan struct{})
	k.mu.Unlock()
	if killAfter > 0 {
		mine := cmd.Process
		go func() {
			last, idle := int64(-1), time.Now()
			for {
				n := k.requests.Load()
				if n != last {
					last, idle = n, time.Now()
				}
				if n > 0 && time.Since(idle) > 20*time.Millisecond {
					break
				}
				time.Sleep(2 * time.Millisecond)
			}
			time.Sleep(killAfter)
			k.mu.Lock()
			// Only this run's child: it may have finished, and a later
			// run's child started, while this goroutine slept.
			if k.child != nil && k.child == mine {
				k.child.Signal(syscall.SIGKILL)
				k.child = nil
				close(k.killed)
			}
			k.mu.Unlock()
		}()
	}
	err := cmd.Wait()
	k.mu.Lock()
	defer k.mu.Unlock()
	killed := k.child == nil && (killAt > 0 || killAfter > 0)
	select {
	case <-k.killed:
	default:
		killed = false
	}
	k.child = nil
	if !killed && err != nil {
		t.Fatalf("export failed without being killed: %v", err)
	}
	return killed
}

// TestKilledRunsEndLikeCleanRuns kills `mparchive export` with SIGKILL at
// many points, during fetching (at the n-th API or image request) and
// during the build, runs it again, and checks each time that the folder
// (archive and output) ends byte-identical to an uninterrupted run's.
func TestKilledRunsEndLikeCleanRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns many processes")
	}
	t.Parallel()
	// Enough articles that the build lasts past the kills aimed at it.
	fake := newKillableFake(t, wechattest.Options{Articles: 80, Drafts: -1, Seed: 21})

	clean := filepath.Join(t.TempDir(), "clean")
	fake.exportChild(t, clean, 0, 0)
	total := fake.requests.Load()
	want := treeDigest(t, clean)
	if total < 30 {
		t.Fatalf("a clean run made only %d requests", total)
	}

	type point struct {
		atRequest int64
		afterIdle time.Duration
	}
	// Kills spread over the fetch's requests, and in the build. Nearly all
	// requests are downloads (a few list pages among some 260 image and
	// voice requests, interleaved), so a kill lands in a download with the
	// items of one or more list pages stored; each point costs two child
	// runs, and nine points a ninth of the fetch apart cover it as well
	// as eighteen did.
	const requestPoints = 9
	var points []point
	for i := int64(1); i <= requestPoints; i++ {
		points = append(points, point{atRequest: 1 + (total-1)*i/requestPoints})
	}
	for _, d := range []time.Duration{time.Millisecond, 10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond} {
		points = append(points, point{afterIdle: d})
	}
	killedCount := 0
	for i, p := range points {
		name := fmt.Sprintf("request-%d", p.atRequest)
		if p.afterIdle > 0 {
			name = fmt.Sprintf("build+%s", p.afterIdle)
		}
		t.Run(fmt.Sprintf("%02d-%s", i, name), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			if fake.exportChild(t, out, p.atRequest, p.afterIdle) {
				killedCount++
			}
			fake.exportChild(t, out, 0, 0)
			diffTrees(t, want, treeDigest(t, out))
		})
	}
	if killedCount < len(points)-2 {
		t.Errorf("only %d of %d runs were killed before they finished", killedCount, len(points))
	}
}

// runAsMain lets TestMain turn the test binary into mparchive.
func runAsMain() {
	ctx, stop := signalContext()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	writePeakRSS()
	os.Exit(code)
}

func signalContext() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}
