package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mparchive/mparchive/exporter/wechattest"
)

// TestExportPreconvertSameOutput exports the demo account and a generated
// one (whose articles link each other) in each of the formats export
// pre-converts for, once with a conversion cache, so that the articles
// are converted during the fetch, and once with --no-cache, which
// converts everything in the build: the output folders, archive aside,
// must be byte for byte the same.
func TestExportPreconvertSameOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("exports six accounts")
	}
	srv := startFake(t, wechattest.Options{Articles: 60, Drafts: -1, Seed: 71})
	accounts := map[string][]string{
		"demo":      {"--demo"},
		"generated": append(fakeConfig(t), "--api-base", srv.URL()),
	}
	for name, account := range accounts {
		for _, format := range []string{"hugo", "zola"} {
			t.Run(name+"/"+format, func(t *testing.T) {
				export := func(extra ...string) map[string]string {
					t.Helper()
					out := filepath.Join(t.TempDir(), "out")
					args := append([]string{"export", "-o", out, "--format", format, "--quiet"}, account...)
					if code, _, stderr := runCLI(t, append(args, extra...)...); code != exitOK {
						t.Fatalf("export %v: exit %d\n%s", extra, code, stderr)
					}
					tree := treeDigest(t, out)
					for f := range tree {
						if strings.HasPrefix(f, archiveSubdir+"/") {
							delete(tree, f)
						}
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
