package output

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mparchive/mparchive/convcache"
	"github.com/mparchive/mparchive/render"
)

// stagedFolders lists the complete staged folders of format in dir.
func stagedFolders(t *testing.T, dir, format string) []string {
	t.Helper()
	entries, err := os.ReadDir(StageDir(dir, format))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".part") {
			names = append(names, e.Name())
		}
	}
	return names
}

// TestStagedLeftoversNotTaken stages every article's folder, then leaves
// the stage area as runs that went wrong would: a folder whose staging a
// crash cut short (only its temporary name, one file missing), one staged
// for other contents (an image the build no longer places, a page with
// other bytes). The build must take none of them, write those articles
// itself, and come out byte for byte as a build without any staging.
func TestStagedLeftoversNotTaken(t *testing.T) {
	conv := render.New()
	for _, format := range preconvertFormats {
		t.Run(format, func(t *testing.T) {
			a := testArchive(t)
			plain := filepath.Join(t.TempDir(), "plain")
			if _, err := newWriter(t, format, plain, Options{Converter: conv}).Write(t.Context(), a); err != nil {
				t.Fatal(err)
			}
			root, dir := t.TempDir(), filepath.Join(t.TempDir(), "pre")
			c := convcache.Open(root, 0)
			preconvertAll(t, a, format, dir, c)
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			area := StageDir(dir, format)
			staged := stagedFolders(t, dir, format)
			var withFiles []string
			for _, name := range staged {
				if files, _ := os.ReadDir(filepath.Join(area, name)); len(files) > 1 {
					withFiles = append(withFiles, name)
				}
			}
			if len(withFiles) < 2 {
				t.Fatalf("%d staged folders with two files or more, want 2", len(withFiles))
			}
			// Cut short: back under its temporary name, a file gone.
			cut := filepath.Join(area, withFiles[0])
			files, _ := os.ReadDir(cut)
			if err := os.Remove(filepath.Join(cut, files[0].Name())); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(cut, cut+".part"); err != nil {
				t.Fatal(err)
			}
			// Other contents under the name of these: a file changed in
			// place (the build must not trust it) is not what a run
			// leaves, but a folder staged for contents the build no
			// longer wants is, and it is just as much not these.
			other := filepath.Join(area, withFiles[1])
			files, _ = os.ReadDir(other)
			renamed := filepath.Join(area, strings.Repeat("0", 40))
			if err := os.Rename(other, renamed); err != nil {
				t.Fatal(err)
			}
			c = convcache.Open(root, 0)
			res, err := newWriter(t, format, dir, Options{Converter: conv, Cache: c}).Write(t.Context(), a)
			c.Close()
			if err != nil || len(res.Failed) > 0 {
				t.Fatalf("%+v %v", res, err)
			}
			left := stagedFolders(t, dir, format)
			if !slices.Contains(left, filepath.Base(renamed)) {
				t.Error("the build took a folder staged for other contents")
			}
			if _, err := os.Stat(cut + ".part"); err != nil {
				t.Errorf("the build took a folder cut short: %v", err)
			}
			if len(left) >= len(staged) {
				t.Errorf("the build took none of the %d staged folders", len(staged))
			}
			if err := os.RemoveAll(area); err != nil {
				t.Fatal(err)
			}
			sameTree(t, "staged", plain, dir)
			sameFolders(t, plain, dir)
		})
	}
}

// sameFolders checks that got has the folders want has, empty ones too,
// which sameTree does not see.
func sameFolders(t *testing.T, want, got string) {
	t.Helper()
	list := func(root string) []string {
		var dirs []string
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			dirs = append(dirs, filepath.ToSlash(rel))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return dirs
	}
	w, g := list(want), list(got)
	if !slices.Equal(w, g) {
		t.Errorf("folders differ:\n%v\nwant:\n%v", g, w)
	}
}
