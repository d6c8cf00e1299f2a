package output

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/mparchive/mparchive/archive"
)

// TestSiteGolden builds the whole site of a small account (four articles,
// two filler ones, every kind of material), and of the kinds fixture (every
// kind of post), and compares it, file by file,
// with testdata/site/<name>.txtar, so that every change to what the site
// writer produces shows in review. Pages, feeds, the search index and the
// slug table are kept as text; images, media and the theme's assets (the
// files of themes/site, copied as they are) as hashes. Bodies come from
// listingConverter, so that the converter's own improvements, checked by
// render's goldens, do not churn these.
//
//	go test ./output -run TestSiteGolden -update
func TestSiteGolden(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		fixture func(testing.TB) *archive.Archive // nil: the site fixture
	}{
		{"reading", Options{SiteTitle: "测试公众号"}, nil},
		{"compact-base-url", Options{SiteTitle: "测试公众号", Theme: "compact", BaseURL: "https://example.org/公众号"}, nil},
		// Every kind of post, the account's name for the title.
		{"kinds", Options{}, kindsArchive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Converter = listingConverter{}
			out := t.TempDir()
			fixture := func(t testing.TB) *archive.Archive { return buildSiteFixture(t, 2) }
			if tt.fixture != nil {
				fixture = tt.fixture
			}
			res, err := NewSite(out, opts).Write(t.Context(), fixture(t))
			if err != nil || len(res.Failed) > 0 {
				t.Fatalf("%+v %v", res, err)
			}
			got := treeTxtar(t, out)
			got.Comment = []byte("Files written by --format site for the fixture of TestSiteGolden; regenerate with go test ./output -run TestSiteGolden -update.\n")
			for i, f := range got.Files {
				if strings.HasPrefix(f.Name, "assets/") || isMediaFile(f.Name) {
					if !strings.HasPrefix(string(f.Data), "sha256 ") {
						got.Files[i].Data = fmt.Appendf(nil, "sha256 %x, %d bytes\n", sha256.Sum256(f.Data), len(f.Data))
					}
				}
			}
			compareGolden(t, "site", tt.name, got)
		})
	}
}

func isMediaFile(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".mp3", ".amr", ".mp4", ".wav", ".m4a", ".webm":
		return true
	}
	return false
}

// compareGolden compares got with testdata/<dir>/<name>.txtar file by
// file, or rewrites the golden with -update.
func compareGolden(t *testing.T, dir, name string, got *txtar.Archive) {
	t.Helper()
	golden := filepath.Join("testdata", dir, name+".txtar")
	if *update {
		must(t, os.MkdirAll(filepath.Dir(golden), 0o755))
		must(t, os.WriteFile(golden, txtar.Format(got), 0o644))
		return
	}
	want, err := txtar.ParseFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./output -update to create it)", err)
	}
	wantFiles := map[string][]byte{}
	for _, f := range want.Files {
		wantFiles[f.Name] = f.Data
	}
	for _, f := range got.Files {
		w, ok := wantFiles[f.Name]
		switch {
		case !ok:
			t.Errorf("unexpected file %s:\n%s", f.Name, f.Data)
		case !bytes.Equal(w, f.Data):
			t.Errorf("%s differs from %s:\n--- got ---\n%s\n--- want ---\n%s", f.Name, golden, f.Data, w)
		}
		delete(wantFiles, f.Name)
	}
	for name := range wantFiles {
		t.Errorf("missing file %s", name)
	}
}
