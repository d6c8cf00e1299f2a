package output

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/render"
)

// TestSiteInBrowser opens the site built from the fixture in headless
// Chromium, from file:// and from a loopback server under a sub-path, at
// phone and desktop widths, plays the materials page's voice and video and
// the voice of an article from the article's folder, and searches it in
// Chinese and English; the compact theme's home, article and materials
// pages are opened too. The kinds fixture's site, in both themes, shows a
// picture post's gallery, whose thumbnails open the pictures, and a share's
// card.
func TestSiteInBrowser(t *testing.T) {
	// Mostly waiting for the browser: it runs beside the package's other
	// tests.
	t.Parallel()
	chromium := chromiumBinary(t)
	fixture := siteFixture(t)
	build := func(theme string) string {
		site := t.TempDir()
		res, err := NewSite(site, Options{Converter: render.New(), SiteTitle: "测试公众号", Theme: theme}).Write(t.Context(), fixture)
		if err != nil || len(res.Failed) > 0 {
			t.Fatalf("%+v %v", res, err)
		}
		return site
	}
	site, compact := build(""), build("compact")
	// The compact theme once cut the 已被删除 badge of a removed article to
	// "…": a copy of it where the spring article (the one with the longest
	// meta line) is gone upstream.
	st, err := fixture.LoadState()
	if err != nil {
		t.Fatal(err)
	}
	st.Removed[archive.ItemKey(archive.News, "MEDIA_spring")] = archive.Removal{LastSeen: "2024-03-01", Noticed: "2024-03-02"}
	if err := fixture.SaveState(st); err != nil {
		t.Fatal(err)
	}
	compactRemoved := build("compact")
	kinds := kindsArchive(t)
	buildKinds := func(theme string) string {
		dir := t.TempDir()
		res, err := NewSite(dir, Options{Converter: render.New(), Theme: theme}).Write(t.Context(), kinds)
		if err != nil || len(res.Failed) > 0 {
			t.Fatalf("%+v %v", res, err)
		}
		return dir
	}
	kindsSite, kindsCompact := buildKinds(""), buildKinds("compact")
	kindsSlugs := readSlugs(t, kindsSite)
	kindsPost := func(root, key string) string {
		return (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(root, "posts", kindsSlugs[key], "index.html"))}).String()
	}
	picturePage, sharePage := kindsPost(kindsSite, "urls/U_picture/1"), kindsPost(kindsSite, "urls/U_share/1")
	shots := artifactsDir(t)
	springDir, _ := filepath.Glob(filepath.Join(site, "posts", "2024-02-10-*"))
	if len(springDir) != 1 {
		t.Fatalf("article folder of the spring article: %v", springDir)
	}
	siteURL := func(root, rel string) string {
		return (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(root, rel))}).String()
	}
	fileURL := func(rel string) string { return siteURL(site, rel) }
	article, _ := filepath.Rel(site, filepath.Join(springDir[0], "index.html"))

	// The same site behind a sub-path, as a static host would serve it.
	srv := httptest.NewServer(http.StripPrefix("/sub/path", http.FileServer(http.Dir(site))))
	// The 404 page, shown by a host at any address, links from the root.
	rootSrv := httptest.NewServer(http.FileServer(http.Dir(site)))
	t.Cleanup(rootSrv.Close)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	browserCtx, watch := startBrowser(t, ctx, chromium)

	// The watch itself must see what it is there to catch: a page that
	// asks another host for an image, and one that names a missing file.
	probe := filepath.Join(t.TempDir(), "probe.html")
	must(t, os.WriteFile(probe, []byte(`<!DOCTYPE html><img src="http://mparchive.invalid/x.png"><img src="missing.png">`), 0o644))
	if err := chromedp.Do(browserCtx, chromedp.Navigate((&url.URL{Scheme: "file", Path: filepath.ToSlash(probe)}).String())); err != nil {
		t.Fatal(err)
	}
	probed := strings.Join(watch.take(), "\n")
	if !strings.Contains(probed, "leaves the machine: http://mparchive.invalid/x.png") || !strings.Contains(probed, "request failed") {
		t.Fatalf("the watch missed the probe page's requests; it saw:\n%s", probed)
	}

	widths := []struct {
		name          string
		width, height int64
		mobile        bool
	}{
		{"phone", 390, 844, true},
		{"desktop", 1280, 900, false},
	}
	pages := []struct {
		name, url string
		check     string // a selector the page must show
		only      string // the one width to open it at, "" for all
		assert    string // JavaScript that says what is wrong, "" when nothing
	}{
		{"home", fileURL("index.html"), "ol.posts li.post-item", "", ""},
		{"article", fileURL(article), "article .content blockquote.embed-video img", "", ""},
		// The article's voice plays from the file beside the page.
		{"article-voice", fileURL(article), `article .content blockquote.embed-voice audio[src$=".mp3"]`, "desktop", ""},
		{"article-voice-subpath", srv.URL + "/sub/path/" + filepath.ToSlash(article), `article .content blockquote.embed-voice audio[src$=".mp3"]`, "desktop", ""},
		{"archive", fileURL("archive/index.html"), ".archive-group .months a", "", ""},
		{"month", fileURL("archive/2024/02/index.html"), "ul.titles a", "", ""},
		{"author", fileURL("authors/index.html"), "ul.authors a", "", ""},
		{"materials", fileURL("materials/index.html"), ".material-grid img", "", ""},
		{"home-subpath", srv.URL + "/sub/path/index.html", "ol.posts li.post-item", "", ""},
		// Players over HTTP fetch with Range requests.
		{"materials-subpath", srv.URL + "/sub/path/materials/index.html", ".materials-video video", "desktop", ""},
		{"compact-home", siteURL(compact, "index.html"), "ol.posts li.post-item", "", ""},
		{"compact-article", siteURL(compact, article), "article .content blockquote.embed-video img", "", ""},
		{"compact-removed-home", siteURL(compactRemoved, "index.html"), "ol.posts .badge.removed", "", badgesWholeAssert},
		{"kinds-home", siteURL(kindsSite, "index.html"), "ol.posts .badge.type-picture", "", badgesWholeAssert},
		{"compact-kinds-home", siteURL(kindsCompact, "index.html"), "ol.posts .badge.type-picture", "", badgesWholeAssert},
		// A static host shows 404.html at any missing address, at any depth.
		{"not-found", rootSrv.URL + "/404.html", "main a[href]", "", notFoundAssert},
		{"picture", picturePage, ".gallery a.gallery-item img", "", galleryAssert},
		{"share", sharePage, ".type-share .content > blockquote a", "", shareCardAssert},
		{"compact-picture", kindsPost(kindsCompact, "urls/U_picture/1"), ".gallery a.gallery-item img", "", galleryAssert},
		{"compact-share", kindsPost(kindsCompact, "urls/U_share/1"), ".type-share .content > blockquote a", "", shareCardAssert},
	}
	for _, w := range widths {
		emulate := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
		if w.mobile {
			emulate = []chromedp.EmulateViewportOption{chromedp.EmulateScale(2), chromedp.EmulateMobile}
		}
		if err := chromedp.Do(browserCtx, chromedp.EmulateViewport(w.width, w.height, emulate...)); err != nil {
			t.Fatal(err)
		}
		for _, p := range pages {
			if p.only != "" && p.only != w.name {
				continue
			}
			if err := chromedp.Do(browserCtx, chromedp.Navigate(p.url), chromedp.WaitVisible(p.check)); err != nil {
				t.Fatalf("%s at %s: %v", p.name, w.name, err)
			}
			// Every image must have loaded: a missing file shows as
			// naturalWidth 0. Lazy images are loaded first.
			broken, err := chromedp.Run(browserCtx, chromedp.Evaluate[int](`(async () => {
				const imgs = Array.from(document.images);
				imgs.forEach(i => { i.loading = 'eager'; });
				await Promise.all(imgs.map(i => i.decode().catch(() => {})));
				return imgs.filter(i => i.naturalWidth === 0).length;
			})()`, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatalf("%s at %s: %v", p.name, w.name, err)
			}
			// Every player must be able to play its file: the browser
			// reads its metadata or says why not. Players that wait for
			// the reader (preload="none") are told to load it now; a
			// preload change may start the load by itself, and load()
			// would abort that request, so it is called only when
			// nothing is loading.
			mediaErrs, err := chromedp.Run(browserCtx, chromedp.Evaluate[[]string](`(async () => {
				const media = Array.from(document.querySelectorAll('audio, video'));
				const errs = await Promise.all(media.map(m => new Promise(done => {
					if (m.readyState >= 1) return done('');
					const timer = setTimeout(() => done(m.currentSrc + ': no metadata after 5 s'), 5000);
					m.addEventListener('loadedmetadata', () => { clearTimeout(timer); done(m.duration > 0 ? '' : m.currentSrc + ': no duration'); });
					m.addEventListener('error', () => { clearTimeout(timer); done(m.currentSrc + ': ' + (m.error ? m.error.code + ' ' + m.error.message : 'error')); });
					m.preload = 'metadata';
					if (m.networkState !== HTMLMediaElement.NETWORK_LOADING) m.load();
				})));
				return errs.filter(e => e);
			})()`, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatalf("%s at %s: %v", p.name, w.name, err)
			}
			for _, e := range mediaErrs {
				t.Errorf("%s at %s: player cannot play %s", p.name, w.name, e)
			}
			if p.assert != "" {
				problem, err := chromedp.Run(browserCtx, chromedp.Evaluate[string](p.assert))
				if err != nil {
					t.Fatalf("%s at %s: %v", p.name, w.name, err)
				}
				if problem != "" {
					t.Errorf("%s at %s: %s", p.name, w.name, problem)
				}
			}
			png, err := chromedp.Run(browserCtx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("%s at %s: %v", p.name, w.name, err)
			}
			if broken > 0 {
				t.Errorf("%s at %s: %d broken images", p.name, w.name, broken)
			}
			if err := os.WriteFile(filepath.Join(shots, p.name+"-"+w.name+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, problem := range watch.take() {
				t.Errorf("%s at %s: %s", p.name, w.name, problem)
			}
		}
	}

	// A thumbnail opens its picture, from file:// and without a script.
	if err := chromedp.Do(browserCtx, chromedp.Navigate(picturePage), chromedp.WaitVisible(".gallery a.gallery-item img"),
		chromedp.Click(".gallery a.gallery-item:nth-child(2)", chromedp.NodeVisible),
		// The browser's own page for an image holds nothing else.
		chromedp.WaitVisible("body > img:only-child")); err != nil {
		t.Fatalf("clicking a thumbnail: %v", err)
	}
	if size, err := chromedp.Run(browserCtx, chromedp.Evaluate[[]int](`[document.images[0].naturalWidth, document.images[0].naturalHeight]`)); err != nil || len(size) != 2 ||
		size[0] != kindsPictures[1].width || size[1] != kindsPictures[1].height {
		t.Errorf("the second thumbnail opened a picture of %v (%v), want %dx%d", size, err, kindsPictures[1].width, kindsPictures[1].height)
	}
	for _, problem := range watch.take() {
		t.Errorf("opening a picture: %s", problem)
	}

	// Dark mode: the pages with the most colour, at phone width.
	if _, err := chromedp.Call(browserCtx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ name, url, check string }{
		{"dark-article", fileURL(article), "article .content"},
		{"dark-materials", fileURL("materials/index.html"), ".material-grid img"},
		{"dark-compact-home", siteURL(compact, "index.html"), "ol.posts li.post-item"},
		{"dark-picture", picturePage, ".gallery a.gallery-item img"},
		{"dark-share", sharePage, ".type-share .content > blockquote a"},
	} {
		err := chromedp.Do(browserCtx, chromedp.Navigate(p.url), chromedp.WaitVisible(p.check))
		var bg string
		if err == nil {
			bg, err = chromedp.Run(browserCtx, chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`))
		}
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		if bg != "rgb(22, 24, 27)" {
			t.Errorf("%s: background %s in dark mode", p.name, bg)
		}
		png, err := chromedp.Run(browserCtx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		must(t, os.WriteFile(filepath.Join(shots, p.name+"-phone.png"), png, 0o644))
		for _, problem := range watch.take() {
			t.Errorf("%s: %s", p.name, problem)
		}
	}
	if _, err := chromedp.Call(browserCtx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "light"}}}); err != nil {
		t.Fatal(err)
	}

	searches := []struct {
		name, url, query string
		want             []string
	}{
		{"search-zh", fileURL("search/index.html"), "春节", []string{"春节快乐：新年的第一篇", "家乡的年味"}},
		{"search-en", fileURL("search/index.html"), "wechat", []string{"Export notes"}},
		{"search-prefix", fileURL("search/index.html"), "expor", []string{"Export notes"}},
		{"search-none", fileURL("search/index.html"), "不存在的词", nil},
		{"search-subpath", srv.URL + "/sub/path/search/index.html", "年味", []string{"家乡的年味"}},
	}
	for _, w := range widths {
		emulate := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
		if w.mobile {
			emulate = []chromedp.EmulateViewportOption{chromedp.EmulateScale(2), chromedp.EmulateMobile}
		}
		if err := chromedp.Do(browserCtx, chromedp.EmulateViewport(w.width, w.height, emulate...)); err != nil {
			t.Fatal(err)
		}
		for _, s := range searches {
			err := chromedp.Do(browserCtx,
				chromedp.Navigate(s.url),
				chromedp.WaitVisible("#search-input"),
				chromedp.SendKeys("#search-input", s.query),
			)
			if err == nil {
				_, err = chromedp.Run(browserCtx, chromedp.Poll[bool](`/^(找到|没有)/.test(document.getElementById('search-status').textContent) &&
					document.getElementById('search-status').textContent.includes('“`+s.query+`”')`,
					chromedp.WithPollingTimeout(10*time.Second)))
			}
			if err != nil {
				t.Fatalf("%s at %s: %v", s.name, w.name, err)
			}
			titles, err := chromedp.Run(browserCtx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#search-results .result-title')).map(a => a.textContent)`))
			if err != nil {
				t.Fatal(err)
			}
			marks, err := chromedp.Run(browserCtx, chromedp.Evaluate[int](`document.querySelectorAll('#search-results mark').length`))
			if err != nil {
				t.Fatal(err)
			}
			png, err := chromedp.Run(browserCtx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(titles)
			want := slices.Clone(s.want)
			slices.Sort(want)
			if !slices.Equal(titles, want) {
				t.Errorf("%s at %s: searching %q shows %q, want %q", s.name, w.name, s.query, titles, want)
			}
			if len(want) > 0 && marks < len(want) {
				t.Errorf("%s at %s: %d highlighted hits for %d results", s.name, w.name, marks, len(want))
			}
			if err := os.WriteFile(filepath.Join(shots, s.name+"-"+w.name+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, problem := range watch.take() {
				t.Errorf("%s at %s: %s", s.name, w.name, problem)
			}
		}
	}
}

// galleryAssert checks a picture post's page: its three thumbnails in one
// row, square, each a link to its own picture, and no picture shown again
// in the body.
const galleryAssert = `(() => {
	const items = Array.from(document.querySelectorAll('.gallery .gallery-item'));
	if (items.length !== 3) return 'the gallery shows ' + items.length + ' pictures, want 3';
	const tops = items.map(i => Math.round(i.getBoundingClientRect().top));
	if (new Set(tops).size !== 1) return 'thumbnails not in one row: ' + tops.join(', ');
	for (const i of items) {
		const r = i.getBoundingClientRect();
		if (Math.abs(r.width - r.height) > 1 || r.width < 60) return 'thumbnail of ' + r.width + 'x' + r.height;
		const img = i.querySelector('img');
		if (i.href !== img.src) return 'thumbnail ' + img.src + ' opens ' + i.href;
		if (!(img.width > 0 && img.naturalWidth > 0)) return 'picture ' + img.src + ' not shown';
	}
	if (document.querySelectorAll('.content img').length) return 'the body shows pictures too';
	return '';
})()`

// shareCardAssert checks a share's page: the body's first quote is styled
// as a card that names and links the original.
const shareCardAssert = `(() => {
	const q = document.querySelector('.type-share .content > blockquote');
	if (!q) return 'no card';
	const s = getComputedStyle(q);
	if (s.borderLeftWidth !== '4px' || s.backgroundColor === 'rgba(0, 0, 0, 0)' || s.borderTopLeftRadius !== '8px') {
		return 'the card is not styled: ' + s.borderLeftWidth + ' ' + s.backgroundColor + ' ' + s.borderTopLeftRadius;
	}
	if (!q.querySelector('a[href]') || !q.textContent.includes('来自公众号「')) return 'the card does not name and link the original: ' + q.textContent;
	if (!document.querySelector('.sources a[href^="https://mp.weixin.qq.com/s?__biz=MzA5OTk5OTk5OQ=="]')) return 'the original is not linked below the article';
	return '';
})()`

// badgesWholeAssert reports a badge (已被删除, 原创, the kind of post) that is
// cut, hidden or clipped by the list line that holds it.
const badgesWholeAssert = `(() => {
	const cut = [];
	for (const b of document.querySelectorAll('.badge')) {
		const r = b.getBoundingClientRect();
		let clipped = r.width === 0 || b.scrollWidth > b.clientWidth + 1;
		for (let p = b.parentElement; p && !clipped; p = p.parentElement) {
			if (getComputedStyle(p).overflow === 'visible') continue;
			const pr = p.getBoundingClientRect();
			clipped = r.right > pr.right + 1 || r.left < pr.left - 1;
		}
		if (clipped) cut.push(b.textContent);
	}
	return cut.length ? 'badges cut: ' + cut.join(', ') : '';
})()`

// notFoundAssert reports a 404 page whose links do not lead into the site.
const notFoundAssert = `(() => {
	if (!document.title) return 'no title';
	const bad = [];
	for (const a of document.querySelectorAll('a[href]')) {
		const href = a.getAttribute('href');
		if (href.startsWith('#')) continue;
		if (!href.startsWith('/')) { bad.push(href + ': not from the root'); continue; }
		const x = new XMLHttpRequest();
		x.open('HEAD', a.href, false);
		x.send();
		if (x.status !== 200) bad.push(href + ': ' + x.status);
	}
	return bad.length ? 'links lead nowhere: ' + bad.join(', ') : '';
})()`
