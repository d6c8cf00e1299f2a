package themes

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"strings"
	"testing"
	"text/template"
)

func TestHugoSkeleton(t *testing.T) {
	fsys := Hugo()
	for _, name := range []string{
		HugoConfigTemplate,
		"layouts/_default/baseof.html",
		"layouts/_default/single.html",
		"layouts/_default/list.html",
		"layouts/index.html",
	} {
		if _, err := fs.Stat(fsys, name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	src, err := fs.ReadFile(fsys, HugoConfigTemplate)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := template.New("").Parse(string(src)); err != nil {
		t.Errorf("config template: %v", err)
	}
	base, _ := fs.ReadFile(fsys, "layouts/_default/baseof.html")
	// Remote WeChat images refuse requests with a foreign Referer.
	if !strings.Contains(string(base), `<meta name="referrer" content="no-referrer">`) {
		t.Error("baseof.html lacks the no-referrer policy")
	}
}

// TestHugoShippedListsEveryFile checks that every file the skeleton copies
// into sites is in shipped.txt as it is now: a later release then knows
// this version as its own and may replace it, while a file a user edited
// stays theirs.
func TestHugoShippedListsEveryFile(t *testing.T) {
	shipped := HugoShipped()
	n := 0
	err := fs.WalkDir(Hugo(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path == HugoConfigTemplate || path == HugoShippedList {
			return err
		}
		data, err := fs.ReadFile(Hugo(), path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		inSite := strings.TrimPrefix(path, "materials/")
		if !shipped[inSite][hex.EncodeToString(sum[:])] {
			t.Errorf("%s: this version is not in %s; add the line\n%x  %s", path, HugoShippedList, sum, inSite)
		}
		n++
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("%d files: %v", n, err)
	}
}
