package render

import (
	"regexp"
	"testing"
)

// listItemStart reads the marker the pattern in its comment matches: the
// same length on lines that start an item, 0 on the others.
func TestListItemStart(t *testing.T) {
	pattern := regexp.MustCompile(`^ *(?:[-*+]|[0-9]{1,9}[.)]) +`)
	for _, line := range []string{
		"", " ", "-", "- ", "-  a", "  - b", "* x", "+ y", "--- z", "-a",
		"1. a", "1) a", "12.  b", "   3. c", "123456789. d", "1234567890. e",
		"1.a", "1 a", ". a", "a. b", "1.", "1. ", "１. 全角", "-\tx", "\u3000- x",
		"- 中文", "99)", "99) ",
	} {
		want := len(pattern.FindString(line))
		if got := listItemStart([]byte(line)); got != want {
			t.Errorf("listItemStart(%q) = %d, want %d", line, got, want)
		}
	}
}
