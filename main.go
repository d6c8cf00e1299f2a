// Command mparchive backs up a WeChat Official Account (公众号): it pages
// through the account's articles with the official API, keeps a lossless
// local archive, and writes every article as Markdown: a Hugo site, a
// static archive site, plain Markdown, Hexo, Jekyll or Zola.
//
// Run "mparchive help" for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"
)

// Exit codes, documented in the README: scripts and cron jobs branch on them.
const (
	exitOK          = 0   // everything done
	exitFailed      = 1   // nothing useful done, or a source named in --source that WeChat refuses: bad credentials, broken archive, …
	exitUsage       = 2   // wrong command line
	exitPartial     = 3   // finished, but some articles or images failed; a re-run retries them
	exitQuota       = 4   // a daily API quota ran out; a re-run after the reset resumes
	exitInterrupted = 130 // stopped by Ctrl-C or SIGTERM; a re-run resumes
)

// usageError marks a wrong command line, so main exits with exitUsage.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

// refusal is a command line mparchive will not run as given, with the
// command that does what was meant; main prints it and exits with
// exitUsage, without pointing to --help.
type refusal struct {
	format string
	args   []any
}

func (e refusal) Error() string { return fmt.Sprintf(e.format, e.args...) }

// exitError carries an exit code other than exitFailed out of a command
// that has already told the user what happened.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// retrySleep, when set, replaces the waits between retries, and pageSleep
// the pauses between article pages. Tests set them so that retry paths and
// page lists run at once instead of waiting for seconds.
var retrySleep, pageSleep func(context.Context, time.Duration) error

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands []command

func init() {
	commands = []command{
		{"export", "fetch the account into an archive and build the output (fetch + build)", runExport},
		{"fetch", "fetch the account into an archive only", runFetch},
		{"check", "show which sources WeChat lets this account list, with quotas and what to do", runCheck},
		{"build", "build the output from an archive only, offline", runBuild},
		{"convert", "convert one article body's HTML to Markdown on stdout", runConvert},
		{"serve", "preview an output folder (the site format) on localhost", runServe},
		{"fake-api", "serve a fake WeChat API with a generated account, for trying and testing", runFakeAPI},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile := startCPUProfile(os.Stderr)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stopProfile()
	stop()
	os.Exit(code)
}

// startCPUProfile writes a CPU profile of the whole run to the file
// MPARCHIVE_CPUPROFILE names, for anyone measuring where a build or a
// fetch spends its time (go tool pprof mparchive FILE). A profile that
// cannot be written is reported and the run goes on without it.
func startCPUProfile(stderr io.Writer) (stop func()) {
	path := os.Getenv("MPARCHIVE_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		if err = pprof.StartCPUProfile(f); err != nil {
			f.Close()
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "mparchive: MPARCHIVE_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(stderr, "mparchive: MPARCHIVE_CPUPROFILE: %v\n", err)
		}
	}
}

// run executes one command line and maps its outcome to an exit code, the
// one place where that mapping lives.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			return run(ctx, []string{args[1], "--help"}, stdout, stderr)
		}
		printUsage(stdout)
		return exitOK
	}
	if args[0] == "version" || args[0] == "--version" {
		printVersion(stdout)
		return exitOK
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		var ue usageError
		var rf refusal
		var ee exitError
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, &rf):
			fmt.Fprintf(stderr, "mparchive %s: %s\n", c.name, rf.Error())
			return exitUsage
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "mparchive %s: %s\nRun 'mparchive %s --help' for usage.\n", c.name, ue.msg, c.name)
			return exitUsage
		case errors.As(err, &ee):
			// The command's summary said what happened, Ctrl-C included.
			return ee.code
		case errors.Is(err, context.Canceled):
			fmt.Fprintf(stderr, "mparchive %s: interrupted; run the same command again to go on from here\n", c.name)
			return exitInterrupted
		default:
			fmt.Fprintf(stderr, "mparchive %s: %v\n", c.name, err)
			return exitFailed
		}
	}
	fmt.Fprintf(stderr, "mparchive: unknown command %q\n\n", args[0])
	printUsage(stderr)
	return exitUsage
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `mparchive backs up a WeChat Official Account (公众号) into a local archive
and writes every article as Markdown: a Hugo site (default), a static archive
site, plain Markdown, Hexo, Jekyll or Zola (--format).

Usage:
  mparchive <command> [flags]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `  version   print the version

Try it without an account:
  mparchive export --demo -o out

Run 'mparchive <command> --help' for a command's flags.
`)
}
