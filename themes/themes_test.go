package themes

import (
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
