package output

import (
	"bytes"
	"crypto/sha256"
	"html/template"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// TestSiteEntryKeyCoversPostView checks that the key under which list
// entries are kept has every field of postView: a field added to one but
// not the other would let two posts that differ in it share an entry.
func TestSiteEntryKeyCoversPostView(t *testing.T) {
	kt := reflect.TypeFor[postViewKey]()
	for f := range reflect.TypeFor[postView]().Fields() {
		if f.Name == "Gallery" {
			continue // a post with one is never kept
		}
		kf, ok := kt.FieldByName(f.Name)
		if !ok {
			t.Errorf("postViewKey has no %s", f.Name)
			continue
		}
		if want := f.Type; want.Kind() == reflect.Pointer {
			if kf.Type != want.Elem() {
				t.Errorf("postViewKey.%s is %v, want %v", f.Name, kf.Type, want.Elem())
			}
		} else if kf.Type != want {
			t.Errorf("postViewKey.%s is %v, want %v", f.Name, kf.Type, want)
		}
	}
}

// TestSiteEntriesFollowPageTemplates builds with theme folders whose page
// files change how a list entry renders: pages of that kind must show
// their own entries, never the ones another kind rendered first.
func TestSiteEntriesFollowPageTemplates(t *testing.T) {
	for name, tc := range map[string]struct {
		files      map[string]string
		home, auth string // a marker each kind's list must show
	}{
		"author page redefines a partial": {
			files: map[string]string{
				"layouts/author.html": `{{define "main"}}{{template "postlist" .Posts}}{{end}}{{define "postmeta"}}<p class="meta">AUTHOR-META</p>{{end}}`,
			},
			home: `<p class="meta"><time`, auth: `AUTHOR-META`,
		},
		"entry calls a template only page files define": {
			files: map[string]string{
				"layouts/partials/zz.html": `{{define "postentry"}}<li>{{template "mark" .}}</li>{{end}}`,
				"layouts/home.html":        `{{define "main"}}{{template "postlist" .Posts}}{{end}}{{define "mark"}}HOME-MARK{{end}}`,
				"layouts/author.html":      `{{define "main"}}{{template "postlist" .Posts}}{{end}}{{define "mark"}}AUTHOR-MARK{{end}}`,
			},
			home: `HOME-MARK`, auth: `AUTHOR-MARK`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for p, src := range tc.files {
				must(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755))
				must(t, os.WriteFile(filepath.Join(dir, p), []byte(src), 0o644))
			}
			site := t.TempDir()
			writeSite(t, site, Options{ThemeDir: dir})
			home, err := os.ReadFile(filepath.Join(site, "index.html"))
			must(t, err)
			if !bytes.Contains(home, []byte(tc.home)) || bytes.Contains(home, []byte(tc.auth)) {
				t.Errorf("home page does not show its own entries:\n%s", home)
			}
			authors, _ := filepath.Glob(filepath.Join(site, "authors", "*", "index.html"))
			if len(authors) == 0 {
				t.Fatal("no author pages")
			}
			for _, p := range authors {
				page, err := os.ReadFile(p)
				must(t, err)
				if !bytes.Contains(page, []byte(tc.auth)) || bytes.Contains(page, []byte(tc.home)) {
					t.Errorf("%s does not show its own entries:\n%s", p, page)
				}
			}
		})
	}
}

// TestSiteFrameSeesOnlyRootSectionSite checks that the frame's fragments,
// rendered once for many pages, cannot show what differs between those
// pages: a header that names the page's title shows nothing on any page.
func TestSiteFrameSeesOnlyRootSectionSite(t *testing.T) {
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "layouts", "partials"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "layouts", "partials", "zz.html"),
		[]byte(`{{define "siteheader"}}<header>[{{.Title}}|{{.Section}}|{{.Root}}]</header>{{end}}`), 0o644))
	site := t.TempDir()
	writeSite(t, site, Options{ThemeDir: dir})
	for rel, want := range map[string]string{
		"index.html":         `<header>[|home|]</header>`,
		"archive/index.html": `<header>[|archive|../]</header>`,
		"authors/index.html": `<header>[|authors|../]</header>`,
	} {
		page, err := os.ReadFile(filepath.Join(site, rel))
		must(t, err)
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("%s: no %s in\n%s", rel, want, page)
		}
	}
	posts, _ := filepath.Glob(filepath.Join(site, "posts", "*", "index.html"))
	for _, p := range posts {
		page, err := os.ReadFile(p)
		must(t, err)
		if !bytes.Contains(page, []byte(`<header>[||../../]</header>`)) {
			t.Errorf("%s: the header shows more than the root:\n%s", p, page)
		}
	}
}

// TestSiteEntryKeyEncodingCoversKey checks that changing any one field of
// the key, or the owner or template name, changes its encoding: the memo
// tells entries apart by it alone.
func TestSiteEntryKeyEncodingCoversKey(t *testing.T) {
	base := postViewKey{Date: time.Date(2024, 5, 6, 7, 8, 9, 10, time.UTC), Dated: true}
	seen := map[string]string{string(base.encode("", "postentry")): "base"}
	check := func(what string, enc []byte) {
		t.Helper()
		if other, dup := seen[string(enc)]; dup {
			t.Errorf("%s encodes as %s does", what, other)
		}
		seen[string(enc)] = what
	}
	check("owner", base.encode("home", "postentry"))
	check("name", base.encode("", "other"))
	// A string ending where the next begins must not read as the next.
	check("owner into name", base.encode("p", "ostentry"))
	for f := range reflect.TypeFor[postViewKey]().Fields() {
		k := base
		v := reflect.ValueOf(&k).Elem().FieldByIndex(f.Index)
		switch v.Kind() {
		case reflect.String:
			v.SetString("x")
		case reflect.Bool:
			v.SetBool(!v.Bool())
		case reflect.Int:
			v.SetInt(3)
		case reflect.Struct: // the date
			v.Set(reflect.ValueOf(base.Date.Add(time.Nanosecond)))
			check(f.Name+" in another zone", func() []byte {
				k := base
				k.Date = base.Date.In(time.FixedZone("X", 3600))
				return k.encode("", "postentry")
			}())
		default:
			t.Fatalf("postViewKey.%s: a %v the test cannot change", f.Name, v.Kind())
		}
		check(f.Name, k.encode("", "postentry"))
	}
}

// TestSiteEntryMemoKeepsEntries renders entries through the memo, with
// the entries in the spill file and in memory (where no file can be
// made), and checks that a post seen again gets its own entry back, and
// that an entry kept under the same hash as another key is not served
// for it.
func TestSiteEntryMemoKeepsEntries(t *testing.T) {
	for _, inMemory := range []bool{false, true} {
		base := template.Must(template.New("e").Parse(`<li>{{.Title}}|{{.URL}}</li>`))
		m := newEntryMemo(base)
		if inMemory {
			m.done = map[[16]byte]entryLoc{} // and no spill
		}
		posts := []postView{{Title: "a", URL: "x/"}, {Title: "b", URL: "x/"}, {Title: "a", URL: "y/"}}
		for round := range 2 {
			for _, p := range posts {
				h, err := m.render("", "e", &p)
				must(t, err)
				if want := template.HTML("<li>" + p.Title + "|" + p.URL + "</li>"); h != want {
					t.Errorf("in memory %v, round %d: %q, want %q", inMemory, round, h, want)
				}
			}
		}
		if len(m.done) != len(posts) {
			t.Errorf("in memory %v: %d entries kept, want %d", inMemory, len(m.done), len(posts))
		}
		// Pretend the third post's key hashes as the first's does.
		k0, _ := keyOfPost(&posts[0])
		enc0 := k0.encode("", "e")
		full := sha256.Sum256(enc0)
		k2, _ := keyOfPost(&posts[2])
		if _, hit := m.lookup([16]byte(full[:16]), k2.encode("", "e")); hit {
			t.Errorf("in memory %v: an entry served for another key of the same hash", inMemory)
		}
		if _, hit := m.lookup([16]byte(full[:16]), enc0); !hit {
			t.Errorf("in memory %v: the entry not served for its own key", inMemory)
		}
	}
}
