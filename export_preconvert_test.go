package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mparchive/mparchive/exporter/wechattest"
	"github.com/mparchive/mparchive/output"
)

// TestExportPreconvertSameOutput exports the demo account and a generated
// one (whose articles link each other) in each of the formats export
// pre-converts for, once with a conversion cache, so that the articles
// are converted and their folders staged during the fetch, and once with
// --no-cache, which does everything in the build: the output folders,
// archive aside, must be byte for byte the same, and no staged folder may
// be left.
func TestExportPreconvertSameOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("exports twelve accounts")
	}
	srv := startFake(t, wechattest.Options{Articles: 60, Drafts: -1, Seed: 71})
	accounts := map[string][]string{
		"demo":      {"--demo"},
		"generated": append(fakeConfig(t), "--api-base", srv.URL()),
	}
	for name, account := range accounts {
		for _, format := range []string{"hugo", "hexo", "zola"} {
			t.Run(name+"/"+format, func(t *testing.T) {
				export := func(extra ...string) map[string]string {
					t.Helper()
					out := filepath.Join(t.TempDir(), "out")
					args := append([]string{"export", "-o", out, "--format", format, "--quiet"}, account...)
					if code, _, stderr := runCLI(t, append(args, extra...)...); code != exitOK {
						t.Fatalf("export %v: exit %d\n%s", extra, code, stderr)
					}
					if _, err := os.Stat(output.StageDir(out, format)); !os.IsNotExist(err) {
						t.Errorf("export %v left its stage area: %v", extra, err)
					}
					tree := treeDigest(t, out)
					for f := range tree {
						if strings.HasPrefix(f, archiveSubdir+"/") {
							delete(tree, f)
						}
					}
					// Folders, empty ones too, which the digest
					// does not see.
					err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
						rel, _ := filepath.Rel(out, p)
						switch {
						case err != nil:
							return err
						case rel == archiveSubdir:
							return filepath.SkipDir
						case d.IsDir():
							tree[filepath.ToSlash(rel)+"/"] = "folder"
						}
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
					return tree
				}
				plain := export("--no-cache")
				pre := export("--cache-dir", t.TempDir())
				if len(plain) == 0 {
					t.Fatal("nothing exported")
				}
				diffTrees(t, plain, pre)
			})
		}
	}
}
