package output

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/convcache"
	"github.com/mparchive/mparchive/render"
	"github.com/mparchive/mparchive/themes"
)

// customArticleTheme writes a --theme-dir whose article template adds
// mark to every article page.
func customArticleTheme(t *testing.T, dir, mark string) {
	t.Helper()
	src, err := fs.ReadFile(themes.SiteCommon(), "layouts/article.html")
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.MkdirAll(filepath.Join(dir, "layouts"), 0o755))
	page := strings.Replace(string(src), `<div class="content">`, `<div class="content" data-mark="`+mark+`">`, 1)
	must(t, os.WriteFile(filepath.Join(dir, "layouts", "article.html"), []byte(page), 0o644))
}

// TestSiteRecordRebuildsMatchFresh builds the site fixture into a folder
// with a cache, changes what a page is made of (the theme, an article, the
// options, a template of --theme-dir), builds again into the same folder
// with the same cache, and checks that the folder is byte for byte what
// the same builds write without a cache, which renders every page, and,
// where the first build leaves nothing the second keeps (slugs of
// articles renamed or left out), what one build into an empty folder
// writes.
func TestSiteRecordRebuildsMatchFresh(t *testing.T) {
	conv := render.New()
	themeDir := t.TempDir()
	tests := []struct {
		name        string
		first, then Options
		// change alters the archive or the theme folder between the
		// builds.
		change func(t *testing.T, a *archive.Archive)
		// history is set when the folder keeps something of the first
		// build: the slug of an article renamed or left out.
		history bool
	}{
		{name: "reading to compact", first: Options{Theme: "reading"}, then: Options{Theme: "compact"}},
		{name: "compact to reading", first: Options{Theme: "compact"}, then: Options{Theme: "reading"}},
		{name: "nothing changed", first: Options{Theme: "compact"}, then: Options{Theme: "compact"}},
		{
			// The article's neighbours show its title, the lists and
			// the search index its text.
			name: "one article edited", first: Options{Theme: "reading"}, then: Options{Theme: "reading"}, history: true,
			change: func(t *testing.T, a *archive.Archive) {
				putNews(t, a, "MEDIA_notes", 1701734400, fixtureArticle{Title: "Export notes, revised", Author: "张三",
					URL: "https://mp.weixin.qq.com/s/NOTES", Content: `<p>A new first paragraph.</p>`})
			},
		},
		{name: "base URL added", first: Options{Theme: "reading"}, then: Options{Theme: "reading", BaseURL: "https://example.com/blog"}},
		{name: "site title changed", first: Options{Theme: "reading", SiteTitle: "一"}, then: Options{Theme: "reading", SiteTitle: "二"}},
		{
			// Fewer articles: every page's article count and the
			// neighbours at the edge change.
			name: "filter added", first: Options{Theme: "compact"}, history: true,
			then: Options{Theme: "compact", Filter: &Filter{Since: time.Date(2023, 11, 1, 0, 0, 0, 0, archive.ChinaTime)}},
		},
		{name: "removed articles dropped", first: Options{Theme: "reading"}, then: Options{Theme: "reading", Removed: RemovedDrop}},
		{
			name: "theme folder template edited", first: Options{ThemeDir: themeDir}, then: Options{ThemeDir: themeDir},
			change: func(t *testing.T, _ *archive.Archive) { customArticleTheme(t, themeDir, "two") },
		},
	}
	customArticleTheme(t, themeDir, "one")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := convcache.Open(t.TempDir(), 0)
			defer cache.Close()
			build := func(a *archive.Archive, dir string, opts Options, c *convcache.Cache) {
				t.Helper()
				opts.Converter, opts.Cache = conv, c
				res, err := NewSite(dir, opts).Write(t.Context(), a)
				if err != nil || len(res.Failed) > 0 {
					t.Fatalf("%+v %v", res, err)
				}
			}
			// The builds without a cache go first: the theme folder
			// changes once, between the first build and the second.
			a, plain := siteFixture(t), t.TempDir()
			build(a, plain, tt.first, nil)
			cached, out := siteFixture(t), t.TempDir()
			build(cached, out, tt.first, cache)
			if tt.change != nil {
				tt.change(t, a)
				tt.change(t, cached)
			}
			build(a, plain, tt.then, nil)
			build(cached, out, tt.then, cache)
			sameTree(t, tt.name, plain, out)
			if !tt.history {
				fresh := t.TempDir()
				build(a, fresh, tt.then, nil)
				sameTree(t, tt.name+", into an empty folder", fresh, out)
			}
			// And once more, now that the record is of these options.
			build(cached, out, tt.then, cache)
			sameTree(t, tt.name+", again", plain, out)
		})
	}
}

// tamper replaces the file with other bytes of its size and gives it back
// its modification time: what the page record cannot tell from the page
// it wrote.
func tamper(t *testing.T, p string) []byte {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	junk := bytes.Repeat([]byte("x"), int(st.Size()))
	must(t, os.WriteFile(p, junk, 0o644))
	must(t, os.Chtimes(p, st.ModTime(), st.ModTime()))
	return junk
}

// TestSiteRecordSkipsUnchangedPages shows that a rebuild with the other
// theme renders only what that theme changes: pages it does not change,
// and the search index, are trusted by their size and modification time,
// which tamper keeps, while the home page, which the theme changes, is
// written again.
func TestSiteRecordSkipsUnchangedPages(t *testing.T) {
	conv := render.New()
	a := siteFixture(t)
	cache := convcache.Open(t.TempDir(), 0)
	defer cache.Close()
	out := t.TempDir()
	build := func(theme string) {
		t.Helper()
		if _, err := NewSite(out, Options{Converter: conv, Cache: cache, Theme: theme}).Write(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}
	build("reading")
	slugs, err := loadSlugMap(out)
	if err != nil {
		t.Fatal(err)
	}
	article := filepath.Join(out, "posts", slugs["news/MEDIA_book/1"], "index.html")
	list := filepath.Join(out, "archive", "index.html")
	search := filepath.Join(out, "search", "meta.js")
	home := filepath.Join(out, "index.html")
	kept := map[string][]byte{article: tamper(t, article), list: tamper(t, list), search: tamper(t, search)}
	homeJunk := tamper(t, home)
	build("compact")
	for p, junk := range kept {
		if got := mustRead(t, p); !bytes.Equal(got, junk) {
			t.Errorf("%s was rendered again", outRel(out, p))
		}
	}
	if bytes.Equal(mustRead(t, home), homeJunk) {
		t.Error("the home page was not rendered with the new theme")
	}
}

// TestSiteRecordRestoresEditedPages edits and deletes published pages,
// article and list pages alike, and checks that the next build, with the
// same theme and with the other, puts back what a fresh build writes.
func TestSiteRecordRestoresEditedPages(t *testing.T) {
	conv := render.New()
	for _, theme := range []string{"reading", "compact"} {
		t.Run(theme, func(t *testing.T) {
			a := siteFixture(t)
			cache := convcache.Open(t.TempDir(), 0)
			defer cache.Close()
			build := func(dir, theme string, c *convcache.Cache) {
				t.Helper()
				if _, err := NewSite(dir, Options{Converter: conv, Cache: c, Theme: theme}).Write(t.Context(), a); err != nil {
					t.Fatal(err)
				}
			}
			out, fresh := t.TempDir(), t.TempDir()
			build(out, "reading", cache)
			build(fresh, theme, nil)
			slugs, err := loadSlugMap(out)
			if err != nil {
				t.Fatal(err)
			}
			edited := []string{
				filepath.Join("posts", slugs["news/MEDIA_book/1"], "index.html"),
				filepath.Join("archive", "index.html"),
				filepath.Join("authors", "index.html"),
				filepath.Join("search", "meta.js"),
			}
			deleted := []string{
				filepath.Join("posts", slugs["news/MEDIA_home/1"], "index.html"),
				filepath.Join("search", "index.html"),
				filepath.Join("search", "i", "0.js"),
			}
			for _, p := range edited {
				f, err := os.OpenFile(filepath.Join(out, p), os.O_APPEND|os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				_, err = f.WriteString("<p>edited by hand</p>")
				must(t, err)
				must(t, f.Close())
			}
			for _, p := range deleted {
				must(t, os.Remove(filepath.Join(out, p)))
			}
			build(out, theme, cache)
			sameTree(t, "after hand edits", fresh, out)
		})
	}
}

// TestSiteRecordAfterStoppedBuild stops a build half-way through its
// articles and checks that the next build trusts nothing of the record
// from before it: the stopped build took it out.
func TestSiteRecordAfterStoppedBuild(t *testing.T) {
	conv := render.New()
	a := siteFixture(t)
	cache := convcache.Open(t.TempDir(), 0)
	defer cache.Close()
	out, fresh := t.TempDir(), t.TempDir()
	if _, err := NewSite(out, Options{Converter: conv, Cache: cache}).Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	if _, err := NewSite(fresh, Options{Converter: conv}).Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	slugs, err := loadSlugMap(out)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, err = NewSite(out, Options{Converter: conv, Cache: cache, Workers: 1, Progress: func(done, _ int) {
		if done == 1 {
			cancel()
		}
	}}).Write(ctx, a)
	if err == nil {
		t.Fatal("the stopped build did not fail")
	}
	// Now a page the first build's record would still vouch for.
	tamper(t, filepath.Join(out, "posts", slugs["news/MEDIA_book/1"], "index.html"))
	if _, err := NewSite(out, Options{Converter: conv, Cache: cache}).Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	sameTree(t, "after a stopped build", fresh, out)
}

// TestViewFingerprintSeesEveryField changes each field of a page view, of
// its site, its post and a neighbour, in turn, and checks that every
// change changes the fingerprint.
func TestViewFingerprintSeesEveryField(t *testing.T) {
	theme, err := loadSiteTheme("reading", "")
	if err != nil {
		t.Fatal(err)
	}
	r := &pageRecord{program: "test"}
	date := time.Date(2024, 2, 10, 8, 0, 0, 0, archive.ChinaTime)
	base := func() *pageView {
		d := date
		return &pageView{
			Site: &siteView{Title: "t"}, Kind: "article", Root: "../../",
			Post:  &postView{Title: "p", Date: &d, Gallery: []galleryItem{{Src: "a.png"}}},
			Prev:  &postView{Title: "prev"},
			Posts: []postView{{Title: "x"}},
		}
	}
	want, ok := r.fingerprint(theme, "article", "posts/p/index.html", base())
	if !ok {
		t.Fatal("no fingerprint")
	}
	seen := 0
	// each calls f on every field below v that holds a plain value.
	var each func(path string, v reflect.Value, f func(path string, field reflect.Value))
	each = func(path string, v reflect.Value, f func(string, reflect.Value)) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				each(path, v.Elem(), f)
			}
		case reflect.Slice:
			if v.Type().Elem().Kind() == reflect.Struct {
				for i := range v.Len() {
					each(path+"[]", v.Index(i), f)
				}
				return
			}
			f(path, v)
		case reflect.Struct:
			if v.Type() == viewTimeType {
				f(path, v)
				return
			}
			for i := range v.NumField() {
				each(path+"."+v.Type().Field(i).Name, v.Field(i), f)
			}
		default:
			f(path, v)
		}
	}
	var paths []string
	each("", reflect.ValueOf(base()), func(p string, _ reflect.Value) { paths = append(paths, p) })
	for i, p := range paths {
		v := base()
		n := 0
		each("", reflect.ValueOf(v), func(path string, field reflect.Value) {
			if n++; n-1 != i {
				return
			}
			switch field.Kind() {
			case reflect.String:
				field.SetString(field.String() + "!")
			case reflect.Bool:
				field.SetBool(!field.Bool())
			case reflect.Int:
				field.SetInt(field.Int() + 1)
			case reflect.Slice:
				field.Set(reflect.MakeSlice(field.Type(), 1, 1))
			case reflect.Pointer:
				field.Set(reflect.Zero(field.Type()))
			case reflect.Struct:
				field.Set(reflect.ValueOf(date.Add(time.Second)))
			default:
				t.Fatalf("%s: a field of kind %s", path, field.Kind())
			}
		})
		got, ok := r.fingerprint(theme, "article", "posts/p/index.html", v)
		if !ok || got == want {
			t.Errorf("changing %s leaves the fingerprint as it was", p)
		}
		seen++
	}
	if seen < 40 {
		t.Errorf("only %d fields changed", seen)
	}
	// The zone a date shows in, the path and the kind count too.
	v := base()
	*v.Post.Date = date.UTC()
	for name, fp := range map[string]func() (pageFP, bool){
		"zone": func() (pageFP, bool) { return r.fingerprint(theme, "article", "posts/p/index.html", v) },
		"path": func() (pageFP, bool) { return r.fingerprint(theme, "article", "posts/q/index.html", base()) },
		"kind": func() (pageFP, bool) { return r.fingerprint(theme, "home", "posts/p/index.html", base()) },
	} {
		if got, ok := fp(); !ok || got == want {
			t.Errorf("another %s, the same fingerprint", name)
		}
	}
	// What the walk cannot see has no fingerprint at all.
	var e viewEncoder
	if e.value(reflect.ValueOf(struct{ M map[string]int }{})) {
		t.Error("a map was hashed")
	}
}

// TestThemeSumsByKind checks that two embedded themes have the same sum
// for a page kind exactly when neither replaces a template file of its set
// (base.html, a partial, the kind's own file): the pages of the others are
// kept across a change between them.
func TestThemeSumsByKind(t *testing.T) {
	names := themes.SiteThemes()
	if len(names) < 2 {
		t.Skip("one embedded theme")
	}
	// replaces tells whether the theme has its own file for a template
	// of kind's set.
	replaces := func(name, kind string) bool {
		files, err := themes.SiteTheme(name)
		if err != nil {
			t.Fatal(err)
		}
		own := false
		err = fs.WalkDir(files, "layouts", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				own = own || p == "layouts/base.html" || strings.HasPrefix(p, "layouts/partials/") || p == "layouts/"+kind+".html"
			}
			return nil
		})
		must(t, err)
		return own
	}
	shared := 0
	for i, x := range names {
		tx, err := loadSiteTheme(x, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, y := range names[i+1:] {
			ty, err := loadSiteTheme(y, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, kind := range sitePageKinds {
				want := !replaces(x, kind) && !replaces(y, kind)
				if got := tx.sums[kind] == ty.sums[kind]; got != want {
					t.Errorf("%s and %s, %s: the same sum is %v", x, y, kind, got)
				}
				if want {
					shared++
				}
			}
		}
	}
	if shared == 0 {
		t.Error("no page kind shared between embedded themes")
	}
}
