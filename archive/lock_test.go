package archive

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestLockExcludesSecondRun(t *testing.T) {
	a, _ := Open(t.TempDir())
	unlock, err := a.Lock()
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Lock()
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "another mparchive run (pid ") {
		t.Fatalf("second lock: %v", err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	unlock, err = a.Lock()
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	unlock()
}

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	return cmd.Process.Pid
}

func TestStaleLockIsTakenOver(t *testing.T) {
	host, _ := os.Hostname()
	tests := []struct {
		name      string
		content   string
		age       time.Duration
		wantTaken bool
	}{
		{"dead process on this host", mustJSON(lockInfo{PID: deadPID(t), Host: host}), 0, true},
		{"live process on this host", mustJSON(lockInfo{PID: os.Getpid(), Host: host, Started: time.Now()}), 0, false},
		{"pid reused since the lock was taken", mustJSON(lockInfo{PID: os.Getpid(), Host: host, Started: time.Now().Add(-time.Hour)}), 0, runtime.GOOS == "linux"},
		{"process on another host", mustJSON(lockInfo{PID: 1, Host: "elsewhere.example"}), 0, false},
		{"torn lock file, old", "{\"pi", 2 * time.Minute, true},
		{"torn lock file, fresh", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			a, _ := Open(dir)
			path := filepath.Join(dir, lockFile)
			os.WriteFile(path, []byte(tt.content), 0o644)
			old := time.Now().Add(-tt.age)
			os.Chtimes(path, old, old)
			// A killed writer's temp file, to be swept with the stale lock.
			tmp := filepath.Join(dir, "items", "news", ".x.json.tmp-123456")
			os.MkdirAll(filepath.Dir(tmp), 0o755)
			os.WriteFile(tmp, []byte("half"), 0o644)

			unlock, err := a.Lock()
			if tt.wantTaken {
				if err != nil {
					t.Fatalf("stale lock not taken over: %v", err)
				}
				unlock()
				if _, err := os.Stat(tmp); !os.IsNotExist(err) {
					t.Error("temp file of the dead run not removed")
				}
				return
			}
			if !errors.Is(err, ErrLocked) {
				t.Fatalf("lock taken from a holder that may be alive: %v", err)
			}
		})
	}
}

// TestStartedAfter reads this test process's start from the kernel: it
// began after yesterday and before now.
func TestStartedAfter(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("only Linux tells a process's start time")
	}
	if !startedAfter(os.Getpid(), time.Now().Add(-24*time.Hour)) {
		t.Error("this process did not start after yesterday")
	}
	if startedAfter(os.Getpid(), time.Now()) {
		t.Error("this process started in the future")
	}
	if startedAfter(1<<30, time.Time{}) {
		t.Error("a pid that does not exist started")
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestIsTempName(t *testing.T) {
	for name, want := range map[string]bool{
		".index.md.tmp-123456": true,
		".state.json.tmp-1":    true,
		"index.md":             false,
		".tmp-123":             false,
		".a.tmp-":              false,
		".a.tmp-12x":           false,
		"a.tmp-123":            false,
	} {
		if got := isTempName(name); got != want {
			t.Errorf("isTempName(%q) = %v", name, got)
		}
	}
}

func TestVersionsKeptOnChange(t *testing.T) {
	a, _ := Open(t.TempDir())
	v1 := `{"media_id":"M","content":{"news_item":[{"title":"one"}]},"update_time":100}`
	v2 := `{"media_id":"M","content":{"news_item":[{"title":"two"}]},"update_time":200}`
	for _, raw := range []string{v1, v2, v2} {
		if _, err := a.PutItem(News, []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	vs, err := a.Versions(News, "M")
	if err != nil || len(vs) != 1 || !strings.HasPrefix(filepath.Base(vs[0]), "100-") {
		t.Fatalf("versions %v %v", vs, err)
	}
	old, _ := os.ReadFile(filepath.Join(a.Dir(), vs[0]))
	if !strings.Contains(string(old), `"one"`) {
		t.Errorf("kept version is not the old one: %s", old)
	}
	arts, _ := a.LoadItem(News, "M")
	if arts[0].Title != "two" {
		t.Errorf("current item %q", arts[0].Title)
	}
}
