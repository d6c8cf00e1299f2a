// Package lazyregexp is a regular expression compiled on its first use
// instead of at program start. A package-level regexp.MustCompile costs
// every run of the program, whichever command it runs: `mparchive
// convert` paid for the patterns of fetch, build and fake-api before
// reading its input. The methods are those of regexp.Regexp that the
// program uses, so a package-level variable can change its type and keep
// its call sites.
package lazyregexp

import (
	"regexp"
	"sync"
)

// Regexp compiles its pattern, once, when a method is first called. A
// pattern that does not compile panics there, as regexp.MustCompile would
// at start; tests that use each pattern catch that.
type Regexp struct {
	get func() *regexp.Regexp
}

// New returns the lazily compiled pattern.
func New(pattern string) *Regexp {
	return &Regexp{get: sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })}
}

func (r *Regexp) MatchString(s string) bool { return r.get().MatchString(s) }

func (r *Regexp) FindStringSubmatch(s string) []string {
	return r.get().FindStringSubmatch(s)
}

func (r *Regexp) FindAllStringSubmatch(s string, n int) [][]string {
	return r.get().FindAllStringSubmatch(s, n)
}

func (r *Regexp) FindAllStringIndex(s string, n int) [][]int {
	return r.get().FindAllStringIndex(s, n)
}

func (r *Regexp) ReplaceAll(src, repl []byte) []byte { return r.get().ReplaceAll(src, repl) }

func (r *Regexp) ReplaceAllString(src, repl string) string {
	return r.get().ReplaceAllString(src, repl)
}

func (r *Regexp) ReplaceAllStringFunc(src string, repl func(string) string) string {
	return r.get().ReplaceAllStringFunc(src, repl)
}

func (r *Regexp) Split(s string, n int) []string { return r.get().Split(s, n) }
