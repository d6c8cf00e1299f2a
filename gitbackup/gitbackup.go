// Package gitbackup keeps a backup folder in a git repository: after each
// run it commits what changed, with a message that lists the articles, so
// that the repository's history reads as the account's.
package gitbackup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter"
)

// gitIgnore keeps what must not be versioned out of a backup repository:
// the lock of a run in progress, temp files of an interrupted write, and
// the site Hugo builds from the content.
const gitIgnore = `# written by mparchive --git
/lock
/.mparchive/archive/lock
.*.tmp-*
/public/
/resources/
.hugo_build.lock
`

// Commit commits everything in dir to the git repository there,
// creating it if needed, with a message listing what the run changed. It
// makes no commit when nothing changed, so the history holds only real
// changes. It reports whether it committed. A nil sum is a build's: the
// message then says the output was rebuilt.
func Commit(ctx context.Context, dir string, sum *exporter.Summary) (bool, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return false, errors.New("--git needs the git command, which is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, ".git")); errors.Is(err, os.ErrNotExist) {
		if _, err := runGit(ctx, dir, "init", "-q"); err != nil {
			return false, err
		}
	}
	ignore := filepath.Join(dir, ".gitignore")
	if _, err := os.Stat(ignore); errors.Is(err, os.ErrNotExist) {
		if _, err := archive.WriteFileAtomic(ignore, []byte(gitIgnore)); err != nil {
			return false, err
		}
	}
	if _, err := runGit(ctx, dir, "add", "-A"); err != nil {
		return false, err
	}
	status, err := runGit(ctx, dir, "status", "--porcelain")
	if err != nil {
		return false, err
	}
	if strings.TrimSpace(status) == "" {
		return false, nil
	}
	args := []string{"commit", "-q", "-F", "-"}
	// A backup machine (cron, CI) often has no git identity; give one
	// rather than fail after the work is done.
	if out, err := runGit(ctx, dir, "config", "user.email"); err != nil || strings.TrimSpace(out) == "" {
		args = append([]string{"-c", "user.name=mparchive", "-c", "user.email=mparchive@localhost"}, args...)
	}
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(commitMessage(sum))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return false, fmt.Errorf("git commit in %s: %v: %s", dir, err, strings.TrimSpace(out.String()))
	}
	return true, nil
}

func runGit(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("git %s in %s: %v: %s", args[0], dir, err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// commitText makes article text one line fit for a commit message: git
// refuses a message with a NUL byte (the run's commit would fail, and the
// next would no longer know what this run added), and terminal escape
// sequences would act on the terminal of whoever runs git log. Control
// characters, the bidirectional overrides that reorder what a terminal
// shows, and invalid UTF-8 become U+FFFD; whitespace runs one space.
func commitText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f':
			return ' '
		case unicode.IsControl(r), r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
			return '\uFFFD'
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// commitMessage summarises a run: a subject with the counts, then the
// titles, so `git log` reads as the account's history.
func commitMessage(sum *exporter.Summary) string {
	if sum == nil {
		return "mparchive: rebuild the output\n"
	}
	var b strings.Builder
	added, changed, removed := sum.Counts()
	fmt.Fprintf(&b, "mparchive: %d added, %d changed, %d removed\n", added, changed, removed)
	section := func(name string, list []exporter.Change, total int) {
		if total == 0 {
			return
		}
		fmt.Fprintf(&b, "\n%s:\n", name)
		for i, c := range list {
			if i == 200 {
				break
			}
			title := commitText(c.Title)
			if title == "" {
				title = "(untitled)"
			}
			fmt.Fprintf(&b, "- %s (%s)\n", title, commitText(c.Key))
		}
		if shown := min(len(list), 200); total > shown {
			fmt.Fprintf(&b, "- … and %d more\n", total-shown)
		}
	}
	section("Added", sum.Added, added)
	section("Changed", sum.Changed, changed)
	section("Removed upstream", sum.Removed, removed)
	if sum.Quota != nil {
		fmt.Fprintf(&b, "\nStopped by the daily quota of %s; the next run resumes.\n", sum.Quota.Endpoint)
	}
	return b.String()
}
