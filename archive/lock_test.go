package archive

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mparchive/mparchive/internal/testscratch"
)

// TestOldPidFileIsJustALockFile: the pid file an earlier version left
// when it was killed no longer means anything; the lock is taken and the
// file emptied.
func TestOldPidFileIsJustALockFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, lockFile)
	os.WriteFile(path, []byte(`{"pid":1,"host":"here","started":"2025-01-01T00:00:00Z"}`), 0o644)
	a, _ := Open(dir)
	unlock, err := a.Lock()
	if err != nil {
		t.Fatalf("lock over an old pid file: %v", err)
	}
	unlock()
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Errorf("old pid file kept: %q", b)
	}
}

func TestLockExcludesSecondRun(t *testing.T) {
	a, _ := Open(t.TempDir())
	unlock, err := a.Lock()
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Lock()
	if !errors.Is(err, ErrLocked) || err.Error() != "the archive "+a.Dir()+" is in use by another mparchive run; wait for it to finish" {
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

// TestReadersShareTheLock: builds from one archive run together, and
// never beside a writer, whichever came first.
func TestReadersShareTheLock(t *testing.T) {
	a, _ := Open(t.TempDir())
	r1, err := a.RLock()
	if err != nil {
		t.Fatal(err)
	}
	r2, err := a.RLock()
	if err != nil {
		t.Fatalf("a second reader is refused: %v", err)
	}
	if _, err := a.Lock(); !errors.Is(err, ErrLocked) {
		t.Fatalf("a writer got the lock beside readers: %v", err)
	}
	r1()
	r2()
	w, err := a.Lock()
	if err != nil {
		t.Fatalf("a writer is refused once the readers left: %v", err)
	}
	if _, err := a.RLock(); !errors.Is(err, ErrLocked) {
		t.Fatalf("a reader beside a writer: %v", err)
	}
	w()
}

func TestOutputLockExcludesSecondBuild(t *testing.T) {
	out := t.TempDir()
	unlock, err := LockOutput(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LockOutput(out); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "output folder") {
		t.Fatalf("second build into one folder: %v", err)
	}
	unlock()
	unlock, err = LockOutput(out)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	unlock()
}

// lockHolderEnv makes the test binary a process that takes an archive's
// lock, says so on stdout and holds it until it is killed.
const lockHolderEnv = "MPARCHIVE_TEST_HOLD_LOCK"

func TestMain(m *testing.M) {
	if dir := os.Getenv(lockHolderEnv); dir != "" {
		a, err := Open(dir)
		if err == nil {
			_, err = a.Lock()
		}
		if err != nil {
			os.Stdout.WriteString("error: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("locked\n")
		// Hold the lock until killed: stdin never ends before that.
		bufio.NewReader(os.Stdin).ReadString('\n')
		os.Exit(0)
	}
	testscratch.InMemory()
	os.Exit(m.Run())
}

// TestKilledHolderReleasesLock kills a process holding the lock (the
// kill -9 of a cron job, a crash): the system releases its lock, the next
// run takes it with no stale-lock guessing, and sweeps the temp files of
// the writes the killed run had not finished.
func TestKilledHolderReleasesLock(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: holds the lock in a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), lockHolderEnv+"="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "locked\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("holder: %q", line)
	}
	// A write the holder had not finished.
	tmp := filepath.Join(dir, "items", "news", ".x.json.tmp-123456")
	os.MkdirAll(filepath.Dir(tmp), 0o755)
	os.WriteFile(tmp, []byte("half"), 0o644)

	a, _ := Open(dir)
	if _, err := a.Lock(); !errors.Is(err, ErrLocked) {
		t.Fatalf("lock held by another process: %v", err)
	}
	if _, err := a.RLock(); !errors.Is(err, ErrLocked) {
		t.Fatalf("read lock beside another process's write lock: %v", err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	unlock, err := a.Lock()
	if err != nil {
		t.Fatalf("the killed holder's lock is not released: %v", err)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Error("temp file of the killed run not removed")
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	// Nothing is written into the lock file: a run that changes nothing
	// changes no file.
	if b, err := os.ReadFile(filepath.Join(dir, lockFile)); err != nil || len(b) != 0 {
		t.Errorf("lock file: %q, %v", b, err)
	}
}

// TestReadLockOnReadOnlyArchive: a reader writes nothing, so an archive
// folder it cannot write can be read, with its lock file or without one.
func TestReadLockOnReadOnlyArchive(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("a folder's read-only mode does not keep files from being created on Windows")
	}
	if os.Geteuid() == 0 {
		t.Skip("root writes whatever the mode; the CLI's TestBuildFromReadOnlyArchive covers it as another user")
	}
	for _, withLockFile := range []bool{true, false} {
		dir := t.TempDir()
		a, _ := Open(dir)
		if withLockFile {
			unlock, err := a.Lock()
			if err != nil {
				t.Fatal(err)
			}
			unlock()
		}
		os.Chmod(dir, 0o555)
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
		unlock, err := a.RLock()
		if err != nil {
			t.Fatalf("lock file %v: %v", withLockFile, err)
		}
		unlock()
	}
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
