package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/output"
	"github.com/mparchive/mparchive/progress"
	"github.com/mparchive/mparchive/render"
)

// runBuild is `mparchive build`: the output from an archive, offline.
func runBuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("build", "build --archive DIR -o OUT [--format hugo]", stderr)
	var bf buildFlags
	var rf runFlags
	bf.register(fs)
	fs.StringVar(&bf.accountName, "account-name", "", accountNameHelp)
	rf.register(fs, "archive folder (default OUT/"+archiveSubdir+")",
		"after the build, commit the output folder to the git repository there, creating it if needed")
	if err := parseFlagsOnly(fs, args); err != nil {
		return err
	}
	opts, archiveDir, err := rf.outputOptions(&bf)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(archiveDir, "items")); err != nil {
		return fmt.Errorf("%s holds no archive (run 'mparchive fetch --archive %s' first)", archiveDir, archiveDir)
	}
	if err := checkOneFormat(bf.out, bf.format, archiveDir); err != nil {
		return err
	}
	rep := newReporter(stderr, rf.quiet)
	start := time.Now()
	key, err := archiveBuildKey(archiveDir, bf.format, opts)
	if err != nil {
		return err
	}
	bsum, err := buildRecorded(ctx, archiveDir, bf.format, bf.out, key, opts, rep)
	outcome := progress.Outcome{Start: start, ArchiveDir: archiveDir, Format: bf.format}
	if err := summarizeBuild(ctx, rep, outcome, bsum, err); err != nil {
		return err
	}
	if err := rf.commit(ctx, bf.out, nil, rep); err != nil {
		return err
	}
	return codeOf(exitOK, bsum)
}

// summarizeBuild ends export and build once their build stage is over:
// the summary, in which the images the archive knows to be gone for good
// count as no failure, or after Ctrl-C what is done and exit 130.
func summarizeBuild(ctx context.Context, rep *reporter, outcome progress.Outcome, bsum *output.Result, err error) error {
	outcome.Build = bsum
	if interrupted(ctx, err) {
		outcome.Interrupted = "build"
		rep.Summary(outcome)
		return exitError{exitInterrupted}
	}
	if err != nil {
		return err
	}
	outcome.GoneImages = dropUnavailable(outcome.ArchiveDir, bsum)
	rep.Summary(outcome)
	return nil
}

// build writes the output from the archive. The archive is only read (a
// read-only archive can be built from); the output folder is locked by
// buildRecorded, its one caller.
func build(ctx context.Context, archiveDir, format, out string, opts output.Options, rep *reporter, removeTemps bool) (*output.Result, error) {
	arch, err := archive.Open(archiveDir)
	if err != nil {
		return nil, err
	}
	unlock, err := arch.RLock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	// A build killed half-way leaves temp files beside the pages it was
	// writing; they must not end up in the site. Looking for them reads
	// every folder of the output, so only after such a build.
	if removeTemps {
		if err := archive.RemoveTempFiles(out); err != nil {
			return nil, err
		}
	}
	prog := rep.Counter("building "+format, "articles")
	opts.Converter = render.New()
	opts.Progress = prog.Set
	w, err := output.New(format, out, opts)
	if err != nil {
		return nil, err
	}
	stopGoverning := governMemory()
	res, err := w.Write(ctx, arch)
	stopGoverning()
	prog.Done()
	if opts.Cache != nil {
		// A cache that cannot be completed or trimmed only makes the
		// next build slower or takes more room.
		_ = opts.Cache.Close()
	}
	return res, err
}

// buildIfStale is export's build: skipped when the last complete build into
// out was made from the same archive, options and program (see
// buildcache.go), so a day with nothing new costs a few listing calls.
func buildIfStale(ctx context.Context, archiveDir, format, out string, opts output.Options, rep *reporter) (*output.Result, error) {
	key, err := archiveBuildKey(archiveDir, format, opts)
	if err != nil {
		return nil, err
	}
	if n, ok := upToDate(out, format, key); ok {
		return &output.Result{Articles: n, Unchanged: n}, nil
	}
	return buildRecorded(ctx, archiveDir, format, out, key, opts, rep)
}
