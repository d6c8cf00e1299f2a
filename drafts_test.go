package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mparchive/mparchive/exporter/wechattest"
)

// TestIncludeDraftsFlag exports an account with drafts as a site three
// times: without --include-drafts the drafts are nowhere, with it they are
// there marked 草稿, and without it again they are gone; the flag is part
// of what makes export's build up to date, so each run rebuilds. No run
// publishes a draft's preview link.
func TestIncludeDraftsFlag(t *testing.T) {
	t.Parallel()
	srv := startFake(t, wechattest.Options{Articles: 4, Drafts: 2, Seed: 3})
	cfg := fakeConfig(t)
	out := t.TempDir()
	export := func(extra ...string) (pages int, badges int) {
		t.Helper()
		args := append(append([]string{"export", "--api-base", srv.URL(), "-o", out, "--format", "site", "--source", "published,drafts", "--quiet"}, cfg...), extra...)
		if code, _, stderr := runCLI(t, args...); code != exitOK {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		files, _ := filepath.Glob(filepath.Join(out, "posts", "*", "index.html"))
		err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				if d != nil && d.Name() == ".mparchive" {
					return filepath.SkipDir
				}
				return err
			}
			b, err := os.ReadFile(p)
			if strings.Contains(string(b), "tempkey") {
				t.Errorf("%s publishes a draft's preview link", p)
			}
			if filepath.Base(p) == "index.html" && filepath.Dir(p) == out {
				badges = strings.Count(string(b), `class="badge draft"`)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return len(files), badges
	}
	published, badges := export()
	if badges != 0 {
		t.Errorf("without --include-drafts the home page shows %d drafts", badges)
	}
	all, badges := export("--include-drafts")
	if all != published+2 || badges != 2 {
		t.Errorf("with --include-drafts: %d pages and %d draft badges, want %d and 2", all, badges, published+2)
	}
	if again, _ := export(); again != published {
		t.Errorf("without --include-drafts again: %d pages, want %d", again, published)
	}
}
