package output

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"golang.org/x/net/html"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/render"
)

// demoCardKinds are the kinds of card the demo shows, each of which must
// come out finished in the site and in the Hugo layouts.
var demoCardKinds = []string{"video", "video-file", "voice", "music", "miniprogram", "profile", "product"}

// embedIDAttrs are the attributes in which WeChat's embed elements carry
// identifiers: video vids, voice file ids, QQ Music mids, mini program
// AppIDs and paths, account __biz, product ids. The list is the test's
// own, read off the markup, so that it does not take the converter's word
// for what an identifier is.
var embedIDAttrs = []string{
	"vid", "data-vid", "data-mpvid", "voice_encode_fileid", "data-voice_encode_fileid",
	"mid", "musicid", "data-mid", "data-musicid", "data-id", "data-pid",
	"data-miniprogram-appid", "data-miniprogram-path", "data-productid", "data-username", "data-appid",
}

// demoIDs lists the identifiers of the demo's embeds (the values of
// embedIDAttrs on iframe, video, audio and WeChat's mp* and qqmusic
// elements): what no reader may see.
func demoIDs(t *testing.T, a *archive.Archive) []string {
	t.Helper()
	seen := map[string]bool{}
	var ids []string
	err := a.Walk(func(art *archive.Article) error {
		doc, err := html.Parse(strings.NewReader(art.Content))
		if err != nil {
			return err
		}
		for n := range doc.Descendants() {
			if n.Type != html.ElementNode || !isEmbedElement(n.Data) {
				continue
			}
			for _, at := range n.Attr {
				if v := strings.TrimSpace(at.Val); len(v) >= 6 && slices.Contains(embedIDAttrs, at.Key) && !seen[v] {
					seen[v] = true
					ids = append(ids, v)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) < 8 {
		t.Fatalf("the demo's embeds hold %d ids: %q", len(ids), ids)
	}
	return ids
}

// isEmbedElement reports the elements an article embeds media or cards
// with.
func isEmbedElement(tag string) bool {
	switch tag {
	case "iframe", "video", "audio", "qqmusic":
		return true
	}
	return strings.HasPrefix(tag, "mp")
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
