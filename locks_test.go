//go:build unix

package main

import (
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/mparchive/mparchive/archive"
)

// nobody is the user a root test drops to: root writes whatever a folder's
// mode says, so only another user shows what a read-only archive does.
const nobody = 65534

// TestBuildFromReadOnlyArchive builds, in a real process, from an archive
// folder that process cannot write, and gets the same output as from a
// writable copy: build needs no write access to the archive (no lock file
// to create, no state to save). Run as root, the build runs as nobody.
func TestBuildFromReadOnlyArchive(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs mparchive as a child process")
	}
	t.Parallel()
	base := t.TempDir()
	// The test's temp folders are private to the user running it.
	os.Chmod(filepath.Dir(base), 0o755)
	os.Chmod(base, 0o755)
	src := filepath.Join(base, "src")
	demoExportInto(t, src)
	ro := filepath.Join(base, "ro")
	rw := filepath.Join(base, "rw")
	copyTree(t, filepath.Join(src, archiveSubdir), ro)
	copyTree(t, filepath.Join(src, archiveSubdir), rw)
	// A run that wrote it left the lock file; an archive copied without
	// it is read-only too, and the test covers both.
	os.Remove(filepath.Join(ro, "lock"))
	makeReadOnly(t, ro)

	want := filepath.Join(base, "want")
	if code, _, stderr := runCLI(t, "build", "--archive", rw, "-o", want, "--quiet"); code != 0 {
		t.Fatalf("build from the writable copy: %d %s", code, stderr)
	}

	// The test binary runs as mparchive (TestMain); nobody needs a copy
	// it can reach, and an output folder of its own.
	bin := filepath.Join(base, "mparchive.test")
	copyFile(t, os.Args[0], bin, 0o755)
	got := filepath.Join(base, "got")
	os.Mkdir(got, 0o755)
	cmd := exec.Command(bin, "build", "--archive", ro, "-o", got, "--quiet")
	cmd.Env = append(os.Environ(), childEnv+"=1", "MPARCHIVE_CONFIG=", "HOME="+got)
	if os.Geteuid() == 0 {
		if err := os.Chown(got, nobody, nobody); err != nil {
			t.Fatal(err)
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	}
	// The premise: the build's user cannot write the archive.
	if canWrite(ro, cmd.SysProcAttr) {
		t.Fatal("the build's user can write the read-only archive; the test proves nothing")
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build from a read-only archive: %v\n%s", err, out)
	}
	diffTrees(t, treeDigest(t, want), treeDigest(t, got))
}

// canWrite asks a process with attr's user to create a file in dir.
func canWrite(dir string, attr *syscall.SysProcAttr) bool {
	cmd := exec.Command("/bin/sh", "-c", `: > "$1/probe" && rm "$1/probe"`, "sh", dir)
	cmd.SysProcAttr = attr
	return cmd.Run() == nil
}

// TestSecondBuildIntoOneFolderRefused: while one build holds an output
// folder, another into the same folder is refused at once, exit 1, and
// names what is in the way; once it is released, the build runs.
func TestSecondBuildIntoOneFolderRefused(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	demoExportInto(t, out)
	unlock, err := archive.LockOutput(out)
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "build", "-o", out, "--quiet")
	if code != exitFailed || !strings.Contains(stderr, "is being written by another mparchive run; wait for it to finish") {
		t.Errorf("build into a folder being built: exit %d, %s", code, stderr)
	}
	unlock()
	if code, _, stderr := runCLI(t, "build", "-o", out, "--quiet"); code != 0 {
		t.Errorf("build after the other ended: exit %d, %s", code, stderr)
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		copyFile(t, p, filepath.Join(to, rel), 0o644)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// makeReadOnly takes write permission off everything below dir, and gives
// it back when the test ends so that its temp folder can be removed.
func makeReadOnly(t *testing.T, dir string) {
	t.Helper()
	var dirs []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			dirs = append(dirs, p)
			return nil
		}
		return os.Chmod(p, 0o444)
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		os.Chmod(dirs[i], 0o555)
	}
	t.Cleanup(func() {
		for _, d := range dirs {
			os.Chmod(d, 0o755)
		}
	})
}
