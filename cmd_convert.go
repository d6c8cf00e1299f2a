package main

import (
	"context"
	"fmt"
	"io"
	"os"
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

func runConvert(ctx context.Context, args []string, stdout, stderr io.Writer) error {
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
