package output

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/convcache"
	"github.com/mparchive/mparchive/render"
)

// preconvertFormats are the formats a Preconverter converts for.
var preconvertFormats = []string{"hugo", "hexo", "zola"}

// itemIDs lists the items of a, as Preconvert names them.
func itemIDs(t *testing.T, a *archive.Archive) []archive.ItemRef {
	t.Helper()
	refs, err := a.Items()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]archive.ItemRef, 0, len(refs))
	for _, ref := range refs {
		raw, err := a.ReadItem(ref)
		if err != nil {
			t.Fatal(err)
		}
		arts, err := archive.DecodeItem(ref.Source, raw)
		if err != nil || len(arts) == 0 {
			t.Fatalf("%v: %d articles, %v", ref, len(arts), err)
		}
		out = append(out, archive.ItemRef{Source: ref.Source, File: arts[0].ItemID})
	}
	return out
}

// preconvertAll pre-converts every item of a twice, as an export does in
// the end: the second pass knows every link target. It stages folders
// too, as Start does (place_stage.go).
func preconvertAll(t *testing.T, a *archive.Archive, format, dir string, c *convcache.Cache) PreconvertStats {
	t.Helper()
	p := NewPreconverter(a, format, dir, Options{Converter: render.New(), Cache: c})
	if p == nil {
		t.Fatalf("no pre-converter for %s", format)
	}
	p.st = newStager(a, dir, format)
	if p.st == nil {
		t.Fatal("no stager")
	}
	for range 2 {
		for _, it := range itemIDs(t, a) {
			p.Preconvert(t.Context(), it.Source, it.File)
		}
	}
	return p.Stats()
}

// TestPreconvertedBuildsMatch pre-converts every fixture's articles into
// a cache and builds through it: the folder must be byte for byte the
// build without a cache, and the build must find the key of every
// conversion there (the cache counts keys, not whether the recorded
// answers still hold).
func TestPreconvertedBuildsMatch(t *testing.T) {
	fixtures := append(cacheFixtures[:len(cacheFixtures):len(cacheFixtures)], struct {
		name    string
		archive func(testing.TB) *archive.Archive
	}{"links", func(tb testing.TB) *archive.Archive { return linkArchive(tb.(*testing.T)) }})
	conv := render.New()
	for _, fx := range fixtures {
		a := fx.archive(t)
		for _, format := range preconvertFormats {
			t.Run(fx.name+"/"+format, func(t *testing.T) {
				plain := filepath.Join(t.TempDir(), "plain")
				if _, err := newWriter(t, format, plain, Options{Converter: conv}).Write(t.Context(), a); err != nil {
					t.Fatal(err)
				}
				root, dir := t.TempDir(), filepath.Join(t.TempDir(), "pre")
				c := convcache.Open(root, 0)
				st := preconvertAll(t, a, format, dir, c)
				if st.Converted == 0 {
					t.Fatalf("nothing pre-converted: %+v", st)
				}
				if err := c.Close(); err != nil {
					t.Fatal(err)
				}
				// Hexo's pages live beside their folders: only
				// articles with images have one to stage.
				withFolders, _ := filepath.Glob(filepath.Join(plain, HexoPostsDir, "*", "*"))
				staged := stagedFolders(t, dir, format)
				if len(staged) == 0 && (format != "hexo" || len(withFolders) > 0) {
					t.Fatal("nothing staged")
				}
				c = convcache.Open(root, 0)
				res, err := newWriter(t, format, dir, Options{Converter: conv, Cache: c}).Write(t.Context(), a)
				if err != nil || len(res.Failed) > 0 {
					t.Fatalf("%+v %v", res, err)
				}
				if left := stagedFolders(t, dir, format); len(staged) > 0 && len(left) == len(staged) {
					t.Errorf("the build took none of the %d staged folders", len(staged))
				}
				// Export's part: what is left is of no use.
				if err := os.RemoveAll(StageDir(dir, format)); err != nil {
					t.Fatal(err)
				}
				_, misses, _ := c.Stats()
				c.Close()
				// The catalog's entries miss in a cache only the
				// pre-converter filled, one per item.
				if items := len(itemIDs(t, a)); misses > int64(items) {
					t.Errorf("%d misses for %d items: some conversions were not found", misses, items)
				}
				sameTree(t, "pre-converted", plain, dir)
				sameFolders(t, plain, dir)
			})
		}
	}
}

// TestPreconvertedThenChanged pre-converts, then changes the archive the
// way the rest of a fetch can: an image comes in, a linked article is
// renamed (its slug, and so the link to it, changes). The build must see
// through the stale conversions.
func TestPreconvertedThenChanged(t *testing.T) {
	conv := render.New()
	png, err := os.ReadFile(filepath.Join("testdata", "media", "red.png"))
	if err != nil {
		t.Fatal(err)
	}
	missing := "https://mmbiz.qpic.cn/mmbiz_png/MISSING/640?wx_fmt=png"
	for _, format := range preconvertFormats {
		t.Run(format, func(t *testing.T) {
			for _, a := range []*archive.Archive{testArchive(t), linkArchive(t)} {
				c := convcache.Open(t.TempDir(), 0)
				dir := filepath.Join(t.TempDir(), "pre")
				preconvertAll(t, a, format, dir, c)
				if _, err := a.PutMedia(missing, png, ".png", "image/png"); err != nil {
					t.Fatal(err)
				}
				putNews(t, a, "NEW", 1710000000, fixtureArticle{Title: "改名的新文", URL: "https://mp.weixin.qq.com/s?__biz=MzA5MDE3MTE1NA==&mid=2&idx=1&sn=abc", Content: `<p>这是续篇。</p>`})
				if _, err := newWriter(t, format, dir, Options{Converter: conv, Cache: c}).Write(t.Context(), a); err != nil {
					t.Fatal(err)
				}
				if err := os.RemoveAll(StageDir(dir, format)); err != nil {
					t.Fatal(err)
				}
				c.Close()
				plain := filepath.Join(t.TempDir(), "plain")
				if _, err := newWriter(t, format, plain, Options{Converter: conv}).Write(t.Context(), a); err != nil {
					t.Fatal(err)
				}
				sameTree(t, "changed after pre-conversion", plain, dir)
			}
		})
	}
}

// TestPreconverterNone lists when there is no pre-converter: no cache,
// another converter, or a format whose image links need the slug.
func TestPreconverterNone(t *testing.T) {
	a := testArchive(t)
	c := convcache.Open(t.TempDir(), 0)
	defer c.Close()
	for _, tc := range []struct {
		name, format string
		opts         Options
	}{
		{"no cache", "hugo", Options{Converter: render.New()}},
		{"other converter", "hugo", Options{Converter: otherConverter{}, Cache: c}},
		{"site", "site", Options{Converter: render.New(), Cache: c}},
		{"markdown", "markdown", Options{Converter: render.New(), Cache: c}},
		{"jekyll", "jekyll", Options{Converter: render.New(), Cache: c}},
		{"unknown", "nope", Options{Converter: render.New(), Cache: c}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPreconverter(a, tc.format, t.TempDir(), tc.opts)
			if p != nil {
				t.Fatal("got a pre-converter")
			}
			// A nil one does nothing, and says so.
			p.Start(t.Context())
			p.Add(archive.News, "X")
			p.Preconvert(t.Context(), archive.News, "X")
			p.Stop()
			if st := p.Stats(); st != (PreconvertStats{}) {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

type otherConverter struct{}

func (otherConverter) Convert(html string, _ render.Options) (string, error) { return html, nil }

// TestPreconverterStops adds more items than the worker's queue holds
// (Add must not block), stops the worker by Stop or by its context, and
// adds one more, which is left to the build.
func TestPreconverterStops(t *testing.T) {
	a := testArchive(t)
	ids := itemIDs(t, a)
	for _, stopBy := range []string{"stop", "cancel"} {
		t.Run(stopBy, func(t *testing.T) {
			c := convcache.Open(t.TempDir(), 0)
			defer c.Close()
			p := NewPreconverter(a, "hugo", t.TempDir(), Options{Converter: render.New(), Cache: c})
			ctx, cancel := context.WithCancel(t.Context())
			p.Start(ctx)
			for n := 0; n <= preconvertQueue; n += len(ids) {
				for _, it := range ids {
					p.Add(it.Source, it.File)
				}
			}
			if stopBy == "cancel" {
				cancel()
			}
			p.Stop()
			cancel()
			before := p.Stats()
			p.Add(ids[0].Source, ids[0].File)
			after := p.Stats()
			if after.Dropped != before.Dropped+1 || after.Converted != before.Converted {
				t.Errorf("an item added after Stop: %+v, then %+v", before, after)
			}
		})
	}
}

// TestPreconvertLeavesUnsureLinks pre-converts an article linking to
// another whose slug the build may suffix, for a third proposes the same
// (same day, same title), and the same archive without the third. A cache
// entry keeps the first conversion of a key, and the build checks its
// answers without replacing it: a link to a guessed page would make every
// later build miss that article. Only a sure link may be pre-converted;
// either way the output is the build's without a cache.
func TestPreconvertLeavesUnsureLinks(t *testing.T) {
	conv := render.New()
	link := func(mid int) string {
		return "https://mp.weixin.qq.com/s?__biz=MzA5MDE3MTE1NA==&mid=" + itoa(mid) + "&idx=1&sn=abc"
	}
	for _, tc := range []struct {
		name      string
		twin      bool
		converted int
	}{
		{"unsure", true, 2}, // the twins, not the linking article
		{"sure", false, 2},  // the target and the linking article
	} {
		for _, format := range preconvertFormats {
			t.Run(tc.name+"/"+format, func(t *testing.T) {
				a, err := archive.Open(t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				if tc.twin {
					putNews(t, a, "A", 1700000000, fixtureArticle{Title: "同名", URL: link(1), Content: `<p>一</p>`})
				}
				putNews(t, a, "B", 1700000000, fixtureArticle{Title: "同名", URL: link(2), Content: `<p>二</p>`})
				putNews(t, a, "C", 1710000000, fixtureArticle{Title: "后来", URL: link(3), Content: `<p>见<a href="` + link(2) + `">二</a>。</p>`})
				c := convcache.Open(t.TempDir(), 0)
				defer c.Close()
				dir := filepath.Join(t.TempDir(), "pre")
				p := NewPreconverter(a, format, dir, Options{Converter: conv, Cache: c})
				for _, it := range itemIDs(t, a) {
					p.Preconvert(t.Context(), it.Source, it.File)
				}
				if st := p.Stats(); st.Converted != tc.converted {
					t.Errorf("%+v, want %d converted", st, tc.converted)
				}
				if _, err := newWriter(t, format, dir, Options{Converter: conv, Cache: c}).Write(t.Context(), a); err != nil {
					t.Fatal(err)
				}
				plain := filepath.Join(t.TempDir(), "plain")
				if _, err := newWriter(t, format, plain, Options{Converter: conv}).Write(t.Context(), a); err != nil {
					t.Fatal(err)
				}
				sameTree(t, "pre-converted", plain, dir)
				sameFolders(t, plain, dir)
			})
		}
	}
}

// TestPreconvertFilteredLeavesLinks: with a filter, a link's target may
// be left out of the output, and the build then keeps the link remote; the
// pre-converter leaves every article linking into the archive to the
// build.
func TestPreconvertFilteredLeavesLinks(t *testing.T) {
	conv := render.New()
	a := linkArchive(t)
	c := convcache.Open(t.TempDir(), 0)
	defer c.Close()
	f := &Filter{Until: time.Date(2024, 1, 1, 0, 0, 0, 0, archive.ChinaTime)}
	dir := filepath.Join(t.TempDir(), "pre")
	p := NewPreconverter(a, "hugo", dir, Options{Converter: conv, Cache: c, Filter: f})
	for range 2 {
		for _, it := range itemIDs(t, a) {
			p.Preconvert(t.Context(), it.Source, it.File)
		}
	}
	// The newer article, which links nowhere, and not the older.
	if st := p.Stats(); st.Converted != 1 {
		t.Errorf("%+v, want 1 converted", st)
	}
	if _, err := newWriter(t, "hugo", dir, Options{Converter: conv, Cache: c, Filter: f}).Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(t.TempDir(), "plain")
	if _, err := newWriter(t, "hugo", plain, Options{Converter: conv, Filter: f}).Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	sameTree(t, "filtered", plain, dir)
}
