package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mparchive/mparchive/archive"
)

// The demo account's name reaches the outputs of its API items through
// one page fetched for it; --account-name replaces it for one build, and
// for good when fetch is given it.
func TestAccountNameReachesOutputs(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	if code, _, stderr := runCLI(t, "export", "--demo", "-o", out, "--format", "markdown", "--quiet"); code != exitOK {
		t.Fatalf("export: exit %d\n%s", code, stderr)
	}
	archiveDir := filepath.Join(out, archiveSubdir)
	account := func() archive.Account {
		t.Helper()
		arch, err := archive.Open(archiveDir)
		if err != nil {
			t.Fatal(err)
		}
		st, err := arch.LoadState()
		if err != nil {
			t.Fatal(err)
		}
		if st.Account == nil {
			return archive.Account{}
		}
		return *st.Account
	}
	demo := account()
	if demo.Name == "" || demo.ID == "" {
		t.Fatalf("the demo export recorded the account %+v", demo)
	}
	// accountLines counts the pages that name the account name.
	accountLines := func(dir, name string) (named, pages int) {
		t.Helper()
		files, _ := filepath.Glob(filepath.Join(dir, "*.md"))
		for _, f := range files {
			if filepath.Base(f) == "index.md" {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if strings.Contains(string(b), "\naccount: "+name+"\n") {
				named++
			}
		}
		return named, pages
	}
	if named, pages := accountLines(out, demo.Name); pages == 0 || named != pages {
		t.Errorf("%d of %d pages name the account %q", named, pages, demo.Name)
	}

	other := t.TempDir()
	if code, _, stderr := runCLI(t, "build", "--archive", archiveDir, "-o", other, "--format", "markdown", "--account-name", "另一个名字", "--quiet"); code != exitOK {
		t.Fatalf("build: exit %d\n%s", code, stderr)
	}
	// The API's items take the name given; a page keeps the name it
	// showed when it was fetched.
	pageItems, _ := filepath.Glob(filepath.Join(archiveDir, "items", string(archive.URLs), "*.json"))
	named, pages := accountLines(other, "另一个名字")
	if ownName, _ := accountLines(other, demo.Name); pages == 0 || named != pages-len(pageItems) || ownName != len(pageItems) {
		t.Errorf("build --account-name: %d of %d pages name it, %d their page's name, want all but the %d pages",
			named, pages, ownName, len(pageItems))
	}
	if account() != demo {
		t.Errorf("build changed the archive's account to %+v", account())
	}

	if code, _, stderr := runCLI(t, "fetch", "--demo", "--archive", archiveDir, "--account-name", "改过的名字", "--quiet"); code != exitOK {
		t.Fatalf("fetch: exit %d\n%s", code, stderr)
	}
	if got := account(); got != (archive.Account{Name: "改过的名字", ID: demo.ID}) {
		t.Errorf("fetch --account-name recorded %+v", got)
	}
}
