package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"golang.org/x/term"

	"github.com/mparchive/mparchive/render"
)

// stdinIsTerminal tells whether standard input is a terminal rather than a
// pipe or a file; tests replace it.
var stdinIsTerminal = func() bool { return term.IsTerminal(int(os.Stdin.Fd())) }

// maxConvertInput bounds what convert reads: an article body is at most
// 1 MB by WeChat's rules, so far more than that is a mistake (a binary, a
// whole site) that should not eat memory.
const maxConvertInput = 64 << 20

// convertGCPercent is the GOGC convert runs with. A conversion is one
// burst of allocation: a 1 MB body allocates about 15 MB, of which about
// 4 MB is alive at once, and with Go's default pacing (a first collection
// at 4 MB, then whenever the heap doubles what is alive) the collector ran
// four times during it, a fifth of the command's CPU time (measured on a
// shared two-core machine), for memory the process gives back anyway when
// it exits a moment later. At 400 the heap may grow to five times what is
// alive: an article body (at most 1 MB) converts without a collection,
// peak memory rising from 25 to 28 MB on 1 MB, and a huge input is still
// collected.
const convertGCPercent = 400

func runConvert(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if os.Getenv("GOGC") == "" {
		// Restored for tests, which run commands inside one process.
		defer debug.SetGCPercent(debug.SetGCPercent(convertGCPercent))
	}
	fs := newFlagSet("convert", "convert [FILE|-]\n\nReads one article body's HTML (the API's content field, or the inner HTML of #js_content)\nfrom FILE or standard input and writes its Markdown to standard output.", stderr)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 1 {
		return usagef("convert takes one file")
	}
	if (len(rest) == 0 || rest[0] == "-") && stdinIsTerminal() {
		// Nothing piped in: a user typing "mparchive convert" would
		// otherwise wait on a silent terminal.
		fs.Usage()
		return exitError{exitUsage}
	}
	var in io.Reader = os.Stdin
	name := "standard input"
	// The body is read into a string builder sized for a file, so that it
	// is neither grown by doubling nor copied again into a string.
	var body strings.Builder
	if len(rest) == 1 && rest[0] != "-" {
		f, err := os.Open(rest[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in, name = f, rest[0]
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			body.Grow(int(min(fi.Size(), maxConvertInput)) + 1)
		}
	}
	n, err := io.Copy(&body, io.LimitReader(in, maxConvertInput+1))
	if err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	if n > maxConvertInput {
		return fmt.Errorf("%s is larger than %d MB; an article body is at most 1 MB", name, maxConvertInput>>20)
	}
	md, err := render.New().Convert(body.String(), render.Options{})
	if err != nil {
		return fmt.Errorf("converting %s: %w", name, err)
	}
	_, err = io.WriteString(stdout, md)
	return err
}
