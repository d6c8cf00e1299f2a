package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/convcache"
	"github.com/mparchive/mparchive/output"
)

// A daily export usually finds nothing new, yet building converts every
// article again: minutes for a large account, to write nothing. export
// remembers what its last complete build was made from (the archive's
// fingerprint, the format and options, and this very program), and skips
// a build whose inputs are all the same. `build` always builds, and
// records what it built the same way.

// buildRecord is stored in OUT/.mparchive/build-<format>.json.
type buildRecord struct {
	Key      string `json:"key"`
	Articles int    `json:"articles"`
}

func buildRecordPath(out, format string) string {
	return filepath.Join(out, ".mparchive", "build-"+format+".json")
}

// buildKey sums up everything a build's output depends on.
func buildKey(fp, format string, opts output.Options) (string, error) {
	exe, err := convcache.ProgramID()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", fp, exe, format)
	fmt.Fprintf(h, "%q %q %q %q %q %q %v\n", opts.SiteTitle, opts.BaseURL, opts.Theme, opts.ThemeDir, opts.Removed, opts.AccountName, opts.IncludeDrafts)
	if f := opts.Filter; f != nil {
		re := ""
		if f.TitleMatch != nil {
			re = f.TitleMatch.String()
		}
		fmt.Fprintf(h, "%s %s %q %q\n", f.Since, f.Until, f.Author, re)
	}
	if opts.ThemeDir != "" {
		if err := hashTree(h, opts.ThemeDir); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashTree(w io.Writer, dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(w, "%s %d\n", filepath.ToSlash(rel), len(b))
		w.Write(b)
		return nil
	})
}

// upToDate reports whether the last build of this format into out was made
// from the same inputs, and how many articles it wrote.
func upToDate(out, format, key string) (int, bool) {
	b, err := os.ReadFile(buildRecordPath(out, format))
	if err != nil {
		return 0, false
	}
	var rec buildRecord
	if json.Unmarshal(b, &rec) != nil || rec.Key != key {
		return 0, false
	}
	return rec.Articles, true
}

// buildRecorded builds and keeps the build record in step, for build and
// export alike: the record goes before the build starts (a build that
// fails or is killed half-way leaves an output no record describes) and
// comes back, with this build's key, when it is complete. So a build with
// other options or a filter is never taken for export's last one.
func buildRecorded(ctx context.Context, archiveDir, format, out, key string, opts output.Options, rep *reporter) (*output.Result, error) {
	// Two builds into one folder would interleave their pages and prune
	// each other's; the record is the folder's too.
	unlock, err := archive.LockOutput(out)
	if err != nil {
		return nil, err
	}
	defer unlock()
	// Only a build that did not complete leaves temp files behind; one
	// that did left its record.
	_, recErr := os.Stat(buildRecordPath(out, format))
	if err := os.Remove(buildRecordPath(out, format)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	res, err := build(ctx, archiveDir, format, out, opts, rep, recErr != nil)
	if err != nil {
		return res, err
	}
	return res, recordBuild(out, format, key, res)
}

// archiveBuildKey is buildKey for the archive in dir.
func archiveBuildKey(dir, format string, opts output.Options) (string, error) {
	fp, err := archive.FingerprintDir(dir)
	if err != nil {
		return "", err
	}
	return buildKey(fp, format, opts)
}

// recordBuild remembers a complete build. A build with failed articles is
// not recorded, so the next run tries them again.
func recordBuild(out, format, key string, res *output.Result) error {
	if len(res.Failed) > 0 {
		os.Remove(buildRecordPath(out, format))
		return nil
	}
	b, err := json.MarshalIndent(buildRecord{Key: key, Articles: res.Articles}, "", "  ")
	if err != nil {
		return err
	}
	_, err = archive.WriteFileAtomic(buildRecordPath(out, format), append(b, '\n'))
	return err
}
