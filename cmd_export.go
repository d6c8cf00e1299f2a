package main

import (
	"context"
	"io"
	"os"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter"
	"github.com/mparchive/mparchive/gitbackup"
	"github.com/mparchive/mparchive/output"
	"github.com/mparchive/mparchive/progress"
)

// runExport is `mparchive export`: fetch, then build unless nothing the
// output depends on changed.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", "export -o DIR [--demo] [--source news,published,drafts] [flags]", stderr)
	var ff fetchFlags
	var bf buildFlags
	var rf runFlags
	ff.register(fs)
	bf.register(fs)
	rf.register(fs, "archive folder (default DIR/"+archiveSubdir+")",
		"after the run, commit the output folder (archive included) to the git repository there, creating it if needed")
	if err := parseFlagsOnly(fs, args); err != nil {
		return err
	}
	ff.parsed("export", fs)
	bf.accountName = ff.accountName
	opts, archiveDir, err := rf.outputOptions(&bf)
	if err != nil {
		return err
	}
	if err := checkOneFormat(bf.out, bf.format, archiveDir); err != nil {
		return err
	}
	rep := newReporter(stderr, rf.quiet)
	outcome, code, bsum, err := exportStages(ctx, &ff, archiveDir, bf.format, bf.out, opts, rep)
	if err != nil {
		return err
	}
	explainRefusals(rep, &ff, outcome.Fetch)
	if err := rf.commit(ctx, bf.out, outcome.Fetch, rep); err != nil {
		return err
	}
	return codeOf(code, bsum)
}

// exportFetched, when set, is called as an export's fetch ends:
// BenchmarkExport2000 times the two stages apart.
var exportFetched func()

// exportStages fetches into archiveDir, then builds format into out unless
// nothing changed, and summarizes both; it returns the build's result, and
// exitError{130} after Ctrl-C. The fetch mostly waits on the network and
// the build mostly converts: while the fetch runs, the articles it has
// completed are converted into opts.Cache (output.Preconverter), where the
// build finds them. Without a cache (--no-cache) nothing is.
func exportStages(ctx context.Context, ff *fetchFlags, archiveDir, format, out string, opts output.Options, rep *reporter) (progress.Outcome, int, *output.Result, error) {
	// What the pre-converter staged and the build did not take is of no
	// further use.
	defer os.RemoveAll(output.StageDir(out, format))
	ff.itemsDone = func(ctx context.Context, arch *archive.Archive) (func(archive.Source, string), func()) {
		pc := output.NewPreconverter(arch, format, out, opts)
		if pc == nil {
			return nil, func() {}
		}
		pc.Start(ctx)
		return pc.Add, pc.Stop
	}
	outcome, code, err := fetchStage(ctx, ff, archiveDir, rep)
	if exportFetched != nil {
		exportFetched()
	}
	if err != nil {
		return outcome, code, nil, err
	}
	outcome.Format = format
	if code == exitInterrupted {
		rep.Summary(outcome)
		return outcome, code, nil, exitError{code}
	}
	bsum, err := buildIfStale(ctx, archiveDir, format, out, opts, rep)
	if err := summarizeBuild(ctx, rep, outcome, bsum, err); err != nil {
		return outcome, code, bsum, err
	}
	return outcome, code, bsum, nil
}

// commit is --git: it commits dir with gitbackup.Commit and tells the user
// what it did.
func (r *runFlags) commit(ctx context.Context, dir string, sum *exporter.Summary, rep *reporter) error {
	if !r.git {
		return nil
	}
	committed, err := gitbackup.Commit(ctx, dir, sum)
	if err != nil {
		return err
	}
	if committed {
		rep.Notef("git: committed the changes in %s", dir)
	} else {
		rep.Notef("git: nothing changed, no commit")
	}
	return nil
}
