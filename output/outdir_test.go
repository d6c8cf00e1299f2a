package output

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// helloKey is an article of testArchive with two stored images.
const helloKey = "news/MEDIA_multi_01/1"

// mediaFolders is where each format puts an article's images.
var mediaFolders = map[string]string{
	"hugo": "content/posts/%s", "site": "posts/%s", "markdown": "%s", "hexo": "source/_posts/%s",
	"jekyll": "assets/posts/%s", "zola": "content/%s",
}

func mediaFolder(format, slug string) string {
	return filepath.FromSlash(strings.ReplaceAll(mediaFolders[format], "%s", slug))
}

// outside makes a folder beside the output, holding one file named like
// our images and one like a page, and returns it.
func outside(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "0123456789ab.png"), []byte("precious"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "notes.md"), []byte("precious"), 0o644))
	return dir
}

func checkOutside(t *testing.T, dir string) {
	t.Helper()
	for _, name := range []string{"0123456789ab.png", "notes.md"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != "precious" {
			t.Errorf("the file outside the output, %s, was changed: %q %v", name, b, err)
		}
	}
}

var imageName = regexp.MustCompile(`^[0-9a-f]{12}\.(png|jpg)$`)

// TestNoWritingThroughLinks replaces, in every format, a written image by a
// link to a file outside the output, and an article's media folder by a
// link to a folder outside: neither a rebuild nor one that drops the
// article writes or deletes anything there.
func TestNoWritingThroughLinks(t *testing.T) {
	a := testArchive(t)
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			out := t.TempDir()
			opts := Options{Converter: listingConverter{}}
			if _, err := newWriter(t, format, out, opts).Write(t.Context(), a); err != nil {
				t.Fatal(err)
			}
			media := filepath.Join(out, mediaFolder(format, readSlugs(t, out)[helloKey]))
			entries, err := os.ReadDir(media)
			if err != nil {
				t.Fatal(err)
			}
			var img string
			for _, e := range entries {
				if imageName.MatchString(e.Name()) {
					img = filepath.Join(media, e.Name())
					break
				}
			}
			if img == "" {
				t.Fatalf("no image in %s", media)
			}

			// An image replaced by a link: the rebuild refuses the
			// article rather than write through the link.
			victim := outside(t)
			must(t, os.Remove(img))
			must(t, os.Symlink(filepath.Join(victim, "0123456789ab.png"), img))
			res, err := newWriter(t, format, out, opts).Write(t.Context(), a)
			if err != nil {
				t.Fatal(err)
			}
			checkOutside(t, victim)
			if len(res.Failed) != 1 || !errors.Is(res.Failed[0].Err, errSymlink) {
				t.Errorf("failed = %v, want the article refused for the link", res.Failed)
			}
			must(t, os.Remove(img))

			// The media folder replaced by a link, then the article
			// dropped by a filter: nothing in the folder is deleted.
			victim = outside(t)
			entries, _ = os.ReadDir(media)
			for _, e := range entries {
				must(t, os.Rename(filepath.Join(media, e.Name()), filepath.Join(victim, e.Name())))
			}
			must(t, os.Remove(media))
			must(t, os.Symlink(victim, media))
			opts.Filter = &Filter{TitleMatch: regexp.MustCompile(`^never$`)}
			if _, err := newWriter(t, format, out, opts).Write(t.Context(), a); err != nil {
				t.Fatal(err)
			}
			checkOutside(t, victim)
			for _, e := range entries {
				if _, err := os.Stat(filepath.Join(victim, e.Name())); err != nil {
					t.Errorf("%s was deleted through the link", e.Name())
				}
			}
		})
	}
}

// TestUserFilesAreNotOurs puts, before the first build, a post of the
// user's where an article's page would go, and after a build an
// index.html of the user's among the site's list pages: the article gets
// another slug, and neither file is overwritten or deleted.
func TestUserFilesAreNotOurs(t *testing.T) {
	a := testArchive(t)
	pages := map[string]string{
		"hugo": "content/posts/%s/index.md", "site": "posts/%s/index.html", "markdown": "%s.md",
		"hexo": "source/_posts/%s.md", "jekyll": "_posts/%s.md", "zola": "content/%s/index.md",
	}
	const proposed = "2023-11-15-hello-world"
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			out := t.TempDir()
			mine := filepath.Join(out, filepath.FromSlash(strings.ReplaceAll(pages[format], "%s", proposed)))
			must(t, os.MkdirAll(filepath.Dir(mine), 0o755))
			must(t, os.WriteFile(mine, []byte("my own post"), 0o644))
			opts := Options{Converter: listingConverter{}, IncludeDrafts: true}
			for range 2 {
				if _, err := newWriter(t, format, out, opts).Write(t.Context(), a); err != nil {
					t.Fatal(err)
				}
			}
			if b, _ := os.ReadFile(mine); string(b) != "my own post" {
				t.Errorf("the user's post was overwritten: %q", b)
			}
			if got := readSlugs(t, out)[helloKey]; got == proposed {
				t.Errorf("the article took the slug of the user's post")
			}
		})
	}

	out := t.TempDir()
	if _, err := NewSite(out, Options{Converter: listingConverter{}}).Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(out, "archive", "1999", "index.html")
	must(t, os.MkdirAll(filepath.Dir(mine), 0o755))
	must(t, os.WriteFile(mine, []byte("my own page"), 0o644))
	if _, err := NewSite(out, Options{Converter: listingConverter{}}).Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(mine); string(b) != "my own page" {
		t.Errorf("the site deleted an index.html it did not write: %q", b)
	}
}
