package output

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/render"
)

// chromiumBinary finds Chromium; developers without it skip, CI must have it.
func chromiumBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: runs Chromium")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "" {
		t.Skip("chromium not on PATH (apt-get install chromium); CI runs this test")
	}
	t.Fatal("chromium not on PATH, and CI is set: the CI setup must install it")
	return ""
}

// artifactsDir is where screenshots go: $MPARCHIVE_ARTIFACTS, or the
// repository's git-ignored testdata/artifacts.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("MPARCHIVE_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "testdata", "artifacts")
	}
	dir = filepath.Join(dir, "site")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	t.Logf("screenshots in %s", abs)
	return abs
}

// browserWatch records what a page did that a self-contained site must
// never do: ask anything of another machine, fail a request, log an error.
type browserWatch struct {
	mu       sync.Mutex
	problems []string
}

func (w *browserWatch) add(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.problems = append(w.problems, s)
}

func (w *browserWatch) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.problems
	w.problems = nil
	return p
}

func isLocalURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "file", "data", "about", "blob":
		return true
	case "http", "https", "ws", "wss":
		h := u.Hostname()
		return h == "127.0.0.1" || h == "localhost" || h == "::1"
	}
	return false
}

func (w *browserWatch) listen(ctx context.Context) error {
	return chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			if !isLocalURL(ev.Request.URL) {
				w.add("request leaves the machine: " + ev.Request.URL)
			}
		case *network.EventLoadingFailed:
			w.add("request failed: " + ev.ErrorText + " (" + string(ev.Type) + ")")
		case *network.EventResponseReceived:
			if ev.Response.Status >= 400 {
				w.add("HTTP " + ev.Response.StatusText + ": " + ev.Response.URL)
			}
		case *runtime.EventExceptionThrown:
			w.add("uncaught exception: " + ev.ExceptionDetails.Text + " " + exceptionText(ev.ExceptionDetails))
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value))
				}
				w.add("console." + string(ev.Type) + ": " + strings.Join(parts, " "))
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				w.add("browser log: " + ev.Entry.Text + " " + ev.Entry.URL)
			}
		}
	})
}

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

// startBrowser starts headless Chromium for ctx, with the watch listening
// before the first page so that no request goes unseen.
func startBrowser(t *testing.T, ctx context.Context, chromium string) (context.Context, *browserWatch) {
	t.Helper()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
	)
	t.Cleanup(cancelAlloc)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	watch := &browserWatch{}
	// The first action starts the browser.
	if _, err := chromedp.Call(browserCtx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(browserCtx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(browserCtx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if err := watch.listen(browserCtx); err != nil {
		t.Fatal(err)
	}
	return browserCtx, watch
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil {
		return d.Exception.Description
	}
	return ""
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

// demoCardKinds are the kinds of card the demo shows, each of which must
// come out finished in the site and in the Hugo layouts.
var demoCardKinds = []string{"video", "video-file", "voice", "music", "miniprogram", "profile", "product"}

// demoIDs lists the identifiers of the demo's embeds (video vids, voice
// file ids, AppIDs and paths, __biz, product ids…): what no reader may see.
func demoIDs(t *testing.T, a *archive.Archive) []string {
	t.Helper()
	seen := map[string]bool{}
	var ids []string
	add := func(v string) {
		if len(v) >= 6 && !seen[v] {
			seen[v] = true
			ids = append(ids, v)
		}
	}
	err := a.Walk(func(art *archive.Article) error {
		embeds, err := render.ExtractEmbeds(art.Content)
		for _, e := range embeds {
			add(e.ID)
			for _, k := range []string{"musicid", "data-miniprogram-path", "data-productid", "data-username"} {
				add(e.Fields[k])
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) < 8 {
		t.Fatalf("the demo's embeds hold %d ids: %q", len(ids), ids)
	}
	return ids
}

// cardsAssert checks a page's cards: no id in the page's text or in a
// tooltip, each card names something beside its label, no address is
// link text, and every cover loaded and is not drawn larger than it is.
// It marks the first card of each kind with data-shot for a screenshot.
const cardsAssert = `((ids, sel) => {
	const problems = [];
	const text = document.body.innerText;
	for (const id of ids) if (text.includes(id)) problems.push('an id shows: ' + id);
	for (const el of document.querySelectorAll('[title]')) if (el.title.includes('mparchive:') || ids.some(id => el.title.includes(id))) problems.push('a tooltip holds ' + el.title);
	const kinds = [];
	for (const q of document.querySelectorAll(sel)) {
		const link = q.querySelector('a[data-embed]');
		const kind = link ? link.dataset.embed : 'none';
		let words = q.innerText;
		const label = q.querySelector('.embed-label');
		if (label) words = words.replace(label.innerText, '');
		words = words.replace(/^\s*\[[^\]]*\]/, '').trim();
		if (!words) problems.push(kind + ': the card names nothing');
		for (const a of q.querySelectorAll('a')) if (/^\s*(https?:|\/\/)/.test(a.innerText)) problems.push(kind + ': an address as link text: ' + a.innerText.slice(0, 60));
		for (const img of q.querySelectorAll('img')) {
			const w = img.getBoundingClientRect().width;
			if (!img.naturalWidth) problems.push(kind + ': cover not shown: ' + img.src);
			else if (kind !== 'profile' && w > img.naturalWidth + 1) problems.push(kind + ': cover drawn ' + w + 'px wide, it is ' + img.naturalWidth);
		}
		if (!document.querySelector('[data-shot="' + kind + '"]')) q.dataset.shot = kind;
		kinds.push(kind);
	}
	return {problems, kinds};
})`

// embedLink finds the main link of a card in a page.
var embedLink = regexp.MustCompile(`<a [^>]*data-embed="`)

// cardsResult is what cardsAssert returns.
type cardsResult struct {
	Problems []string `json:"problems"`
	Kinds    []string `json:"kinds"`
}

// TestDemoCardsInBrowser builds the demo as a site and, with the real Hugo,
// through mparchive's Hugo layouts, opens every page with a card in
// headless Chromium and checks that each card kind shows finished: a name,
// duration or account name, its cover at its natural size, an affordance,
// and no id anywhere a reader looks (text, tooltips, the site's search
// results and search index). Screenshots of one card of each kind, in both,
// go to the artifacts folder.
func TestDemoCardsInBrowser(t *testing.T) {
	t.Parallel()
	chromium := chromiumBinary(t)
	hugo := hugoBinary(t)
	a := demoArchive(t)
	ids := demoIDs(t, a)

	site := t.TempDir()
	if res, err := NewSite(site, Options{Converter: render.New()}).Write(t.Context(), a); err != nil || len(res.Failed) > 0 {
		t.Fatalf("%+v %v", res, err)
	}
	// The search index holds the text snippets come from.
	index, _ := filepath.Glob(filepath.Join(site, "search", "t", "*"))
	if len(index) == 0 {
		t.Fatal("the site has no search texts")
	}
	for _, f := range index {
		b, _ := os.ReadFile(f)
		for _, id := range ids {
			if strings.Contains(string(b), id) {
				t.Errorf("the search index %s holds the id %s", filepath.Base(f), id)
			}
		}
	}
	hugoSite := t.TempDir()
	if res, err := NewHugo(hugoSite, Options{Converter: render.New()}).Write(t.Context(), a); err != nil || len(res.Failed) > 0 {
		t.Fatalf("%+v %v", res, err)
	}
	public := t.TempDir()
	if out, err := exec.CommandContext(t.Context(), hugo, "--source", hugoSite, "--destination", public, "--cacheDir", t.TempDir()).CombinedOutput(); err != nil {
		t.Fatalf("hugo: %v\n%s", err, out)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	browserCtx, watch := startBrowser(t, ctx, chromium)
	if err := chromedp.Do(browserCtx, chromedp.EmulateViewport(1024, 900, chromedp.EmulateScale(1))); err != nil {
		t.Fatal(err)
	}
	shots := artifactsDir(t)
	for _, out := range []struct {
		name, root, cards string
	}{
		{"site", site, "blockquote.embed"},
		{"hugo", public, "blockquote:has(a[data-embed])"},
	} {
		pages, _ := filepath.Glob(filepath.Join(out.root, "posts", "*", "index.html"))
		seen := map[string]bool{}
		for _, p := range pages {
			if b, _ := os.ReadFile(p); !embedLink.Match(b) {
				continue
			}
			u := (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String()
			if err := chromedp.Do(browserCtx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS(out.cards))); err != nil {
				t.Fatalf("%s %s: %v", out.name, p, err)
			}
			idsJSON, _ := json.Marshal(ids)
			got, err := chromedp.Run(browserCtx, chromedp.Evaluate[cardsResult](`(async () => {
				await Promise.all(Array.from(document.images).map(i => { i.loading = 'eager'; return i.decode().catch(() => {}); }));
				return `+cardsAssert+`(`+string(idsJSON)+`, `+strconv.Quote(out.cards)+`);
			})()`, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatalf("%s %s: %v", out.name, p, err)
			}
			rel, _ := filepath.Rel(out.root, p)
			for _, problem := range got.Problems {
				t.Errorf("%s %s: %s", out.name, rel, problem)
			}
			for _, k := range got.Kinds {
				if seen[k] {
					continue
				}
				seen[k] = true
				png, err := chromedp.Run(browserCtx, chromedp.Screenshot(chromedp.CSS(`[data-shot="`+k+`"]`)))
				if err != nil {
					t.Fatalf("%s %s: screenshot of the %s card: %v", out.name, rel, k, err)
				}
				must(t, os.WriteFile(filepath.Join(shots, "demo-card-"+k+"-"+out.name+".png"), png, 0o644))
			}
			for _, problem := range watch.take() {
				t.Errorf("%s %s: %s", out.name, rel, problem)
			}
		}
		for _, k := range demoCardKinds {
			if !seen[k] {
				t.Errorf("%s: no %s card among the demo's pages", out.name, k)
			}
		}
	}

	// Search results show snippets of the cards' text, never an id.
	for _, q := range []string{"晴天", "播客", "慢读技术", "小程序", "手冲壶"} {
		err := chromedp.Do(browserCtx,
			chromedp.Navigate((&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(site, "search", "index.html"))}).String()),
			chromedp.WaitVisible("#search-input"),
			chromedp.SendKeys("#search-input", q),
		)
		var results string
		if err == nil {
			_, err = chromedp.Run(browserCtx, chromedp.Poll[bool](`/^找到/.test(document.getElementById('search-status').textContent)`, chromedp.WithPollingTimeout(10*time.Second)))
		}
		if err == nil {
			results, err = chromedp.Run(browserCtx, chromedp.Evaluate[string](`document.getElementById('search-results').innerText`))
		}
		if err != nil {
			t.Fatalf("searching %q: %v", q, err)
		}
		for _, id := range ids {
			if strings.Contains(results, id) {
				t.Errorf("searching %q shows the id %s", q, id)
			}
		}
		if !strings.Contains(results, q) {
			t.Errorf("searching %q: the results do not show it:\n%s", q, results)
		}
	}

	// The Hugo layouts: navigation, the site's code styling, dark mode.
	slog, _ := filepath.Glob(filepath.Join(public, "posts", "*structured-logging*", "index.html"))
	if len(slog) != 1 {
		t.Fatalf("the slog article: %v", slog)
	}
	slogURL := (&url.URL{Scheme: "file", Path: filepath.ToSlash(slog[0])}).String()
	for _, mode := range []struct{ scheme, bg, code string }{
		{"light", "rgb(253, 253, 252)", "rgb(244, 246, 245)"},
		{"dark", "rgb(22, 24, 27)", "rgb(31, 35, 39)"},
	} {
		if _, err := chromedp.Call(browserCtx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: mode.scheme}}}); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(browserCtx, chromedp.Navigate(slogURL), chromedp.WaitVisible(chromedp.CSS("pre"))); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(browserCtx, chromedp.Evaluate[[]string](`[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.querySelector('pre')).backgroundColor,
				String(document.querySelectorAll('header.site nav a').length), String(document.querySelectorAll('nav.prevnext a').length),
				String(document.querySelectorAll('pre [style]').length)]`))
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != mode.bg || got[1] != mode.code {
			t.Errorf("hugo %s: background %s, code %s; want %s, %s", mode.scheme, got[0], got[1], mode.bg, mode.code)
		}
		if got[2] == "0" || got[3] == "0" {
			t.Errorf("hugo: %s links in the header, %s to the next and previous article", got[2], got[3])
		}
		if got[4] != "0" {
			t.Errorf("hugo: code carries %s inline colours of a highlighter", got[4])
		}
		png, err := chromedp.Run(browserCtx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		must(t, os.WriteFile(filepath.Join(shots, "demo-hugo-code-"+mode.scheme+".png"), png, 0o644))
	}
}

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
