package gitbackup

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/mparchive/mparchive/exporter"
)

func TestCommitText(t *testing.T) {
	for in, want := range map[string]string{
		"春节 快乐":                       "春节 快乐",
		"a\x00b":                      "a\uFFFDb",
		"\x1b[31mred\x1b[0m":          "\uFFFD[31mred\uFFFD[0m",
		"\x1b]0;title\x07":            "\uFFFD]0;title\uFFFD",
		"c1 \u009b2J":                 "c1 \uFFFD2J",
		"abc\u202etxt.exe":            "abc\uFFFDtxt.exe",
		"line\nbreak\r\tand  spaces ": "line break and spaces",
		"bad \xff utf8":               "bad \uFFFD utf8",
	} {
		if got := commitText(in); got != want {
			t.Errorf("commitText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestGitCommitHostileTitles commits a run whose titles hold a NUL byte
// and terminal escape sequences: the commit is made, and its message
// holds neither.
func TestGitCommitHostileTitles(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs git")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "page.md"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := &exporter.Summary{Added: []exporter.Change{
		{Key: "published/A/1", Title: "标题\x00后半"},
		{Key: "published/B/1", Title: "\x1b]0;pwned\x07\x1b[2J清屏\u202e"},
	}}
	committed, err := Commit(t.Context(), dir, sum)
	if err != nil || !committed {
		t.Fatalf("commit: %v, committed %v", err, committed)
	}
	out, err := exec.Command("git", "-C", dir, "log", "-1", "--format=%B").Output()
	if err != nil {
		t.Fatal(err)
	}
	msg := string(out)
	if !strings.HasPrefix(msg, "mparchive: 2 added") || !strings.Contains(msg, "标题\uFFFD后半") || !strings.Contains(msg, "清屏") {
		t.Errorf("message:\n%s", msg)
	}
	for _, r := range msg {
		if r != '\n' && (unicode.IsControl(r) || r == '\u202e') {
			t.Errorf("message holds %U:\n%q", r, msg)
		}
	}
}
