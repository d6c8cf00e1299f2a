package lazyregexp

import (
	"regexp"
	"slices"
	"testing"
)

// Each method gives what regexp.Regexp gives for the same pattern.
func TestSameAsRegexp(t *testing.T) {
	const pattern = `(a+)(b?)`
	lazy, eager := New(pattern), regexp.MustCompile(pattern)
	for _, in := range []string{"", "xyz", "ab", "aab xab a", "baaab"} {
		b := []byte(in)
		checks := []struct {
			name      string
			got, want any
		}{
			{"MatchString", lazy.MatchString(in), eager.MatchString(in)},
			{"FindStringSubmatch", lazy.FindStringSubmatch(in), eager.FindStringSubmatch(in)},
			{"FindAllStringSubmatch", lazy.FindAllStringSubmatch(in, -1), eager.FindAllStringSubmatch(in, -1)},
			{"FindAllStringIndex", lazy.FindAllStringIndex(in, -1), eager.FindAllStringIndex(in, -1)},
			{"ReplaceAll", string(lazy.ReplaceAll(b, []byte("<$1>"))), string(eager.ReplaceAll(b, []byte("<$1>")))},
			{"ReplaceAllString", lazy.ReplaceAllString(in, "${2}-"), eager.ReplaceAllString(in, "${2}-")},
			{"ReplaceAllStringFunc", lazy.ReplaceAllStringFunc(in, func(s string) string { return "[" + s + "]" }),
				eager.ReplaceAllStringFunc(in, func(s string) string { return "[" + s + "]" })},
			{"Split", lazy.Split(in, -1), eager.Split(in, -1)},
		}
		for _, c := range checks {
			if !equal(c.got, c.want) {
				t.Errorf("%s(%q) = %v, want %v", c.name, in, c.got, c.want)
			}
		}
	}
}

func equal(a, b any) bool {
	switch a := a.(type) {
	case []string:
		return slices.Equal(a, b.([]string))
	case [][]string:
		return slices.EqualFunc(a, b.([][]string), slices.Equal)
	case [][]int:
		return slices.EqualFunc(a, b.([][]int), slices.Equal)
	}
	return a == b
}

// A pattern is compiled on first use, not by New: a bad one panics
// there, as regexp.MustCompile would.
func TestCompiledOnFirstUse(t *testing.T) {
	bad := New(`(`)
	defer func() {
		if recover() == nil {
			t.Error("a pattern that does not compile did not panic on use")
		}
	}()
	bad.MatchString("x")
}
