package output

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/convcache"
	"github.com/mparchive/mparchive/render"
)

// sameTree fails the test where two output folders differ.
func sameTree(t *testing.T, what, wantDir, gotDir string) {
	t.Helper()
	want, got := treeTxtar(t, wantDir), treeTxtar(t, gotDir)
	if bytes.Equal(txtar.Format(want), txtar.Format(got)) {
		return
	}
	files := map[string][]byte{}
	for _, f := range want.Files {
		files[f.Name] = f.Data
	}
	for _, f := range got.Files {
		w, ok := files[f.Name]
		switch {
		case !ok:
			t.Errorf("%s: extra file %s", what, f.Name)
		case !bytes.Equal(w, f.Data):
			t.Errorf("%s: %s differs:\n%s\nwant:\n%s", what, f.Name, f.Data, w)
		}
		delete(files, f.Name)
	}
	for name := range files {
		t.Errorf("%s: missing file %s", what, name)
	}
}

var cacheFixtures = []struct {
	name    string
	archive func(testing.TB) *archive.Archive
}{
	{"items", testArchive},
	{"kinds", kindsArchive},
	{"site", siteFixture},
}

// TestCachedBuildsMatch builds every fixture in every format without a
// cache, with an empty one and, in another run, with the one the first
// filled, and checks that the three folders are byte for byte the same
// and that the third build converted nothing.
func TestCachedBuildsMatch(t *testing.T) {
	conv := render.New()
	for _, fx := range cacheFixtures {
		a := fx.archive(t)
		for _, format := range Formats() {
			t.Run(fx.name+"/"+format, func(t *testing.T) {
				t.Parallel() // the builds only read the archive
				root := t.TempDir()
				build := func(dir string, c *convcache.Cache) *Result {
					t.Helper()
					res, err := newWriter(t, format, dir, Options{Converter: conv, Cache: c}).Write(t.Context(), a)
					if err != nil || len(res.Failed) > 0 {
						t.Fatalf("%+v %v", res, err)
					}
					return res
				}
				plain := filepath.Join(t.TempDir(), "plain")
				build(plain, nil)

				cold := convcache.Open(root, 0)
				coldDir := filepath.Join(t.TempDir(), "cold")
				build(coldDir, cold)
				if err := cold.Close(); err != nil {
					t.Fatal(err)
				}
				sameTree(t, "cold cache", plain, coldDir)

				warm := convcache.Open(root, 0)
				warmDir := filepath.Join(t.TempDir(), "warm")
				res := build(warmDir, warm)
				hits, misses, _ := warm.Stats()
				warm.Close()
				if misses != 0 || hits < int64(res.Articles) {
					t.Errorf("warm build: %d hits, %d misses for %d articles", hits, misses, res.Articles)
				}
				sameTree(t, "warm cache", plain, warmDir)
			})
		}
	}
}

// linkArchive holds two articles of one account, the older linking to the
// newer by its permalink.
func linkArchive(t *testing.T) *archive.Archive {
	t.Helper()
	a, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	link := func(mid int) string {
		return "https://mp.weixin.qq.com/s?__biz=MzA5MDE3MTE1NA==&mid=" + itoa(mid) + "&idx=1&sn=abc"
	}
	putNews(t, a, "OLD", 1700000000, fixtureArticle{Title: "旧文", URL: link(1), Content: `<p>续篇见<a href="` + link(2) + `">新文</a>。</p>`})
	putNews(t, a, "NEW", 1710000000, fixtureArticle{Title: "新文", URL: link(2), Content: `<p>这是续篇。</p>`})
	return a
}

// TestCacheMissWhenAnswersChange runs the same builds with and without a
// cache, where between builds the answers to the converter's questions
// change: an image the archive lacked is stored; an article linked to
// comes into the output (a filtered build, then a full one); and a text is
// edited. The folders must end the same.
func TestCacheMissWhenAnswersChange(t *testing.T) {
	conv := render.New()
	missing := "https://mmbiz.qpic.cn/mmbiz_png/MISSING/640?wx_fmt=png"
	png, err := os.ReadFile(filepath.Join("testdata", "media", "red.png"))
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"site", "hugo", "markdown"} {
		t.Run(format, func(t *testing.T) {
			// run returns the folders of the image and the link builds.
			run := func(c *convcache.Cache) (string, string) {
				build := func(a *archive.Archive, dir string, f *Filter) {
					t.Helper()
					if _, err := newWriter(t, format, dir, Options{Converter: conv, Cache: c, Filter: f}).Write(t.Context(), a); err != nil {
						t.Fatal(err)
					}
				}
				a, images := testArchive(t), t.TempDir()
				build(a, images, nil)
				if _, err := a.PutMedia(missing, png, ".png", "image/png"); err != nil {
					t.Fatal(err)
				}
				build(a, images, nil)

				l, links := linkArchive(t), t.TempDir()
				build(l, links, &Filter{Until: time.Date(2024, 1, 1, 0, 0, 0, 0, archive.ChinaTime)})
				build(l, links, nil)
				// An edited text: its page and the search index change.
				putNews(t, l, "NEW", 1710000000, fixtureArticle{Title: "新文", URL: "https://mp.weixin.qq.com/s?__biz=MzA5MDE3MTE1NA==&mid=2&idx=1&sn=abc", Content: `<p>这是改过的续篇。</p>`})
				build(l, links, nil)
				return images, links
			}
			images, links := run(nil)
			cachedImages, cachedLinks := run(convcache.Open(t.TempDir(), 0))
			sameTree(t, "stored image", images, cachedImages)
			sameTree(t, "links", links, cachedLinks)
			// The link is local: the older page's body links the newer
			// page (the site's navigation links it too, from the root).
			local := regexp.MustCompile(`(\]\(<?|href=")(\.\./)?2024-03-10-`)
			linked := false
			for _, f := range treeTxtar(t, cachedLinks).Files {
				if strings.Contains(f.Name, "2023-11-15-旧文") {
					linked = linked || local.Match(f.Data)
				}
			}
			if !linked {
				t.Error("the older article does not link the newer one's page")
			}
		})
	}
}

// TestDamagedCacheSameOutput damages every pack of a filled cache and
// checks that a build through it writes what a build without one does.
func TestDamagedCacheSameOutput(t *testing.T) {
	conv := render.New()
	a := siteFixture(t)
	root := t.TempDir()
	c := convcache.Open(root, 0)
	if _, err := NewSite(t.TempDir(), Options{Converter: conv, Cache: c}).Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	c.Close()
	packs, _ := filepath.Glob(filepath.Join(root, "*", "*.pack"))
	if len(packs) == 0 {
		t.Fatal("no pack written")
	}
	for _, p := range packs {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		// Every 97th byte flipped: each entry is hit.
		for i := 50; i < len(data); i += 97 {
			data[i] ^= 0x20
		}
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	plain, damaged := t.TempDir(), t.TempDir()
	if _, err := NewSite(plain, Options{Converter: conv}).Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	c = convcache.Open(root, 0)
	if _, err := NewSite(damaged, Options{Converter: conv, Cache: c}).Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	hits, _, _ := c.Stats()
	c.Close()
	if hits != 0 {
		t.Errorf("%d hits in a damaged cache", hits)
	}
	sameTree(t, "damaged cache", plain, damaged)
}

// TestConvRecordRoundTrip checks the cache entry encoding, and that
// damaged encodings are refused rather than read as something else.
func TestConvRecordRoundTrip(t *testing.T) {
	tests := []convRecord{
		{},
		{body: articleBody{md: "# 标题\n\n正文"}},
		{body: articleBody{html: []byte{}, text: "t"}},
		{
			media:   []archive.MediaRef{{Key: "https://a/1", Kind: archive.MediaImage}, {Key: "x", Kind: archive.MediaVoice}},
			lookups: []lookup{{lookupImage, "https://a/1", "1.png"}, {lookupLink, "https://mp/s?x", ""}, {lookupMedia, "v", ""}},
			body:    articleBody{html: []byte("<p>x</p>"), text: "x", textOnly: true},
		},
	}
	for i, r := range tests {
		b := r.encode()
		got, err := decodeRecord(b)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if got.body.md != r.body.md || !bytes.Equal(got.body.html, r.body.html) || (got.body.html == nil) != (r.body.html == nil) ||
			got.body.text != r.body.text || got.body.textOnly != r.body.textOnly || len(got.media) != len(r.media) || len(got.lookups) != len(r.lookups) {
			t.Errorf("%d: decoded %+v, want %+v", i, got, r)
		}
		for n := range len(b) {
			if _, err := decodeRecord(b[:n]); err == nil {
				t.Errorf("%d: cut to %d of %d bytes, decoded", i, n, len(b))
			}
		}
	}
}

// TestImagesPlacedFromStore checks that the images of a build hold the
// stored bytes, as links or clones where the file system allows (here,
// when both folders are on one file system, they are one of them), and
// that a wrong file in the output is replaced without the store changing,
// even when that file is a hard link to another stored file.
func TestImagesPlacedFromStore(t *testing.T) {
	a := testArchive(t)
	out := filepath.Join(a.Dir(), "..", filepath.Base(a.Dir())+"-out")
	if _, err := NewHugo(out, Options{Converter: listingConverter{}}).Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	stored := map[string]string{} // name in the output → stored path
	for _, m := range testMedia {
		e, ok := a.Media(m.key)
		if !ok {
			t.Fatalf("%s is not in the store", m.key)
		}
		stored[shortHash(e.SHA256)+filepath.Ext(e.File)] = a.MediaPath(e)
	}
	var images []string
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && ourFileName.MatchString(d.Name()) && !strings.HasSuffix(d.Name(), ".svg") {
			images = append(images, p)
		}
		return err
	})
	if len(images) == 0 {
		t.Fatal("no images written")
	}
	linked := 0
	for _, p := range images {
		src, ok := stored[filepath.Base(p)]
		if !ok {
			t.Fatalf("%s: no stored file of that name", p)
		}
		if !bytes.Equal(mustRead(t, p), mustRead(t, src)) {
			t.Errorf("%s differs from %s", p, src)
		}
		si, _ := os.Stat(src)
		di, _ := os.Stat(p)
		if os.SameFile(si, di) {
			linked++
		}
	}
	t.Logf("%d of %d images are hard links", linked, len(images))

	// Put in place of one image a hard link to another stored file (a
	// wrong size): the rebuild must replace it, not write into it.
	victim := images[0]
	var other string
	for name, src := range stored {
		if name != filepath.Base(victim) {
			other = src
			break
		}
	}
	before := mustRead(t, other)
	if err := os.Remove(victim); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(other, victim); err != nil {
		t.Skipf("no hard links here: %v", err)
	}
	if _, err := NewHugo(out, Options{Converter: listingConverter{}}).Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mustRead(t, other), before) {
		t.Error("the rebuild wrote into a stored file")
	}
	if !bytes.Equal(mustRead(t, victim), mustRead(t, stored[filepath.Base(victim)])) {
		t.Error("the wrong image was not replaced")
	}
	// Every stored file still holds what its name says.
	for _, src := range stored {
		sum := sha256.Sum256(mustRead(t, src))
		if !strings.Contains(filepath.Base(src), hex.EncodeToString(sum[:])) {
			t.Errorf("stored file %s changed", src)
		}
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPruneWithFolderRecord checks that pruning, which reads fewer folders
// with a cache (the media folder record), still removes what it must: an
// image an edited article no longer shows, the pages of articles no longer
// selected, and, after a build killed half-way, what the killed build left.
func TestPruneWithFolderRecord(t *testing.T) {
	conv := render.New()
	a := siteFixture(t)
	cache := convcache.Open(t.TempDir(), 0)
	out := t.TempDir()
	build := func(ctx context.Context, f *Filter, progress Progress) error {
		t.Helper()
		_, err := NewSite(out, Options{Converter: conv, Cache: cache, Filter: f, Workers: 1, Progress: progress}).Write(ctx, a)
		return err
	}
	if err := build(t.Context(), nil, nil); err != nil {
		t.Fatal(err)
	}
	slugs, err := loadSlugMap(out)
	if err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(out, "posts", slugs["news/MEDIA_home/1"])
	homeImages := func() []string {
		m, _ := filepath.Glob(filepath.Join(home, "*.jpg"))
		return m
	}
	if len(homeImages()) != 1 {
		t.Fatalf("home article images %v, want one", homeImages())
	}

	// The article loses its image and cover.
	raw, err := json.Marshal(map[string]any{
		"media_id":    "MEDIA_home",
		"content":     map[string]any{"news_item": []fixtureArticle{{Title: "家乡的年味", Author: "李四", URL: "https://mp.weixin.qq.com/s/HOME", Content: "<p>图没了。</p>"}}, "create_time": 1705708800, "update_time": 1705712400},
		"update_time": 1705712400,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutItem(archive.News, raw); err != nil {
		t.Fatal(err)
	}
	if err := build(t.Context(), nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := homeImages(); len(got) != 0 {
		t.Errorf("edited article kept %v", got)
	}

	// Articles outside a filter lose their pages.
	book := filepath.Join(out, "posts", slugs["news/MEDIA_book/1"], "index.html")
	if err := build(t.Context(), &Filter{Since: time.Date(2024, 1, 1, 0, 0, 0, 0, archive.ChinaTime)}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(book); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("page outside the filter kept: %v", err)
	}
	if err := build(t.Context(), nil, nil); err != nil {
		t.Fatal(err)
	}

	// A file named like ours in a folder the record says is unchanged is
	// not looked for; after a build killed half-way, every folder is.
	stray := filepath.Join(filepath.Dir(book), "0123456789ab.png")
	if err := os.WriteFile(stray, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	err = build(ctx, nil, func(done, total int) {
		if done == 2 {
			cancel()
		}
	})
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("killed build: %v", err)
	}
	if err := build(t.Context(), nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stray); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after a killed build, a stray image survived: %v", err)
	}
	cache.Close()
}

// TestCatalogCodecRoundTrip encodes the catalog articles of every item of
// the fixtures and checks they decode to exactly what was encoded, times
// (zones included), nil and empty slices and pointers alike.
func TestCatalogCodecRoundTrip(t *testing.T) {
	for _, fx := range cacheFixtures {
		a := fx.archive(t)
		refs, err := a.Items()
		if err != nil {
			t.Fatal(err)
		}
		for i, ref := range refs {
			raw, err := a.ReadItem(ref)
			if err != nil {
				t.Fatal(err)
			}
			arts, err := archive.DecodeItem(ref.Source, raw)
			if err != nil {
				t.Fatal(err)
			}
			in := make([]catArticle, len(arts))
			for j := range arts {
				in[j] = catArticle{item: int32(i), body: sha256.Sum256([]byte(arts[j].Content)), bodyLen: len(arts[j].Content)}
				arts[j].Content = ""
				in[j].setMeta(&arts[j])
			}
			b, ok := encodeCatArticles(in)
			if !ok {
				t.Fatalf("%s/%v: not encodable", fx.name, ref)
			}
			out, ok := decodeCatArticles(b, int32(i))
			if !ok || !reflect.DeepEqual(in, out) {
				t.Errorf("%s/%v: decoded\n%+v\nwant\n%+v", fx.name, ref, out, in)
			}
			for j := range out {
				// The catalog's compact form gives back the article.
				got := out[j].meta()
				if !reflect.DeepEqual(got, arts[j]) {
					t.Errorf("%s/%v: metadata decoded as\n%+v\nwant\n%+v", fx.name, ref, got, arts[j])
				}
				if got.CreateTime != arts[j].CreateTime || got.UpdateTime != arts[j].UpdateTime {
					t.Errorf("%s/%v: times differ", fx.name, ref)
				}
			}
			for n := range len(b) {
				if _, ok := decodeCatArticles(b[:n], int32(i)); ok {
					t.Errorf("%s/%v: cut to %d of %d bytes, decoded", fx.name, ref, n, len(b))
				}
			}
		}
	}
	// Kinds the codec does not know are refused, not guessed.
	for _, v := range []any{map[string]int{"a": 1}, struct{ X any }{1}, time.Now(), time.Unix(0, 0).In(time.FixedZone("X", 3600))} {
		if _, ok := encodeValue(nil, reflect.ValueOf(v)); ok {
			t.Errorf("%T %v encoded", v, v)
		}
	}
	if _, ok := encodeValue(nil, reflect.ValueOf(struct{ Shared *archive.Share }{&archive.Share{}})); !ok {
		t.Error("a pointer to an empty struct is refused")
	}
}
