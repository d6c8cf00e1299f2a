package exporter

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter/wechattest"
)

// urlRun is one FetchURLs run against the fake with instant, counted pauses
// and a cookie jar the fetcher must ignore.
type urlRun struct {
	srv    *wechattest.Server
	arch   *archive.Archive
	mu     sync.Mutex
	pauses int
	arts   []archive.Article
}

func newURLRun(t *testing.T, opts wechattest.Options) *urlRun {
	t.Helper()
	srv, err := wechattest.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	arch, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &urlRun{srv: srv, arch: arch}
}

func (r *urlRun) fetch(t *testing.T, urls []string, refetch bool) (*URLSummary, error) {
	return r.run(t, urls, URLOptions{Refetch: refetch})
}

// fetchFollowing fetches with FollowShares.
func (r *urlRun) fetchFollowing(t *testing.T, urls []string) (*URLSummary, error) {
	return r.run(t, urls, URLOptions{FollowShares: true})
}

func (r *urlRun) run(t *testing.T, urls []string, opts URLOptions) (*URLSummary, error) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	dl := testDownloader(http.DefaultClient, nil, r.srv.URL(), 2, func(ctx context.Context, _ time.Duration) error { return ctx.Err() })
	return FetchURLs(t.Context(), &http.Client{Jar: jar}, r.arch, urls, URLOptions{
		BaseURL:      r.srv.URL(),
		Refetch:      opts.Refetch,
		FollowShares: opts.FollowShares,
		Sleep: func(ctx context.Context, d time.Duration) error {
			r.mu.Lock()
			r.pauses++
			r.mu.Unlock()
			return ctx.Err()
		},
		Stored: func(ctx context.Context, arts []archive.Article, _, _ bool) {
			for i := range arts {
				for _, k := range mediaKeys(&arts[i]) {
					if _, err := dl.fetchMedia(ctx, r.arch, k); err != nil {
						t.Errorf("image %s of %s: %v", k, arts[i].URL, err)
					}
				}
			}
			r.arts = append(r.arts, arts...)
		},
	})
}

func TestFetchURLs_EndToEnd(t *testing.T) {
	r := newURLRun(t, wechattest.Options{Articles: 12, Seed: 21, MassSent: 4})
	mass := r.srv.MassSentArticles()
	pub := r.srv.Articles(wechattest.SourcePublished)
	gone, removed := pub[0], pub[1]
	if err := r.srv.DeletePublished(gone.ID, gone.Index); err != nil {
		t.Fatal(err)
	}
	if err := r.srv.SetPageState(removed.URL, wechattest.PageRemoved); err != nil {
		t.Fatal(err)
	}
	urls := []string{
		wechattest.ArticleLink(mass[0].URL),
		mass[1].URL, // as the API spells it: http, chksm, #rd
		wechattest.ShortLink(mass[2].URL),
		wechattest.ArticleLink(mass[3].URL),
		wechattest.ArticleLink(gone.URL),
		wechattest.ArticleLink(removed.URL),
		"https://mp.weixin.qq.com/s/NoSuchShortLink00000000",
	}
	// A 503 on the first page is retried after a pause.
	r.srv.InjectFault(wechattest.PagesStatsPath, wechattest.FaultHTTP503, 1)
	sum, err := r.fetch(t, urls, false)
	if err != nil {
		t.Fatal(err)
	}
	if sum.New != 4 || sum.Items != 4 || !sum.Complete || len(sum.Failed) != 3 {
		t.Fatalf("summary %+v, failed %v", sum, sum.Failed)
	}
	for i, kind := range []PageKind{PageDeleted, PageRemoved, PageUnknown} {
		if sum.Failed[i].Kind != kind {
			t.Errorf("failure %d: %v, want %v", i, sum.Failed[i], kind)
		}
	}

	// Every stored article is the fake's article, field by field.
	var got []archive.Article
	if err := r.arch.Walk(func(a *archive.Article) error { got = append(got, *a); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("%d articles in the archive", len(got))
	}
	byURL := map[string]archive.Article{}
	for _, a := range got {
		byURL[a.URL] = a
	}
	for _, want := range mass {
		a, ok := byURL[wechattest.ArticleLink(want.URL)]
		if !ok {
			t.Errorf("%s not stored (have %v)", want.URL, byURL)
			continue
		}
		if a.Source != archive.URLs || a.Title != want.Title || a.Author != want.Author || a.Digest != want.Digest ||
			a.Content != want.Content || a.ContentSourceURL != want.ContentSourceURL || a.ThumbURL != want.ThumbURL ||
			!a.CreateTime.Equal(want.CreateTime) {
			t.Errorf("stored\n%+v\nwant\n%+v", a, want)
		}
		pl, _ := archive.ParsePermalink(a.URL)
		if a.ItemID != URLItemID(pl) {
			t.Errorf("item id %s, want %s", a.ItemID, URLItemID(pl))
		}
		// The page itself is kept, and the article's images are in.
		if e, ok := r.arch.Media(PageMediaKey(a.URL)); !ok || e.Type != "text/html; charset=utf-8" {
			t.Errorf("page of %s not kept: %+v", a.URL, e)
		}
		for _, k := range contentImages(a.Content) {
			if _, ok := r.arch.Media(k); !ok {
				t.Errorf("image %s not stored", k)
			}
		}
	}

	// Politeness: a pause before every request but the first, the retry
	// included, and a backoff before the retry; browser headers; no
	// Referer and no cookies although the fake sets some and the client
	// has a jar.
	reqs := r.srv.PageRequests()
	if len(reqs) != len(urls)+1 || r.pauses != len(reqs) {
		t.Errorf("%d requests, %d pauses", len(reqs), r.pauses)
	}
	for _, q := range reqs {
		if q.UserAgent != browserUA || !strings.HasPrefix(q.AcceptLanguage, "zh-CN") || q.Referer != "" || q.Cookie != "" {
			t.Errorf("request %+v", q)
		}
	}

	// A second run skips what is stored and asks only for the failures.
	sum, err = r.fetch(t, urls, false)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Skipped != 4 || sum.New != 0 || len(r.srv.PageRequests()) != len(reqs)+3 {
		t.Errorf("re-run: %+v after %d requests", sum, len(r.srv.PageRequests())-len(reqs))
	}

	// Refetching a page that is now deleted keeps the copy and marks it.
	if err := r.srv.SetPageState(mass[0].URL, wechattest.PageDeleted); err != nil {
		t.Fatal(err)
	}
	if _, err := r.fetch(t, urls[:1], true); err != nil {
		t.Fatal(err)
	}
	r.arch.Walk(func(a *archive.Article) error {
		if a.URL == wechattest.ArticleLink(mass[0].URL) && (!a.Deleted || a.Content != mass[0].Content) {
			t.Errorf("deleted article: Deleted=%v, content kept=%v", a.Deleted, a.Content == mass[0].Content)
		}
		return nil
	})
}

func TestFetchURLs_VerificationStopsAndResumes(t *testing.T) {
	r := newURLRun(t, wechattest.Options{Articles: 4, Seed: 22, MassSent: 5})
	var urls []string
	for _, a := range r.srv.MassSentArticles() {
		urls = append(urls, wechattest.ArticleLink(a.URL))
	}
	r.srv.RequireVerification(2)
	sum, err := r.fetch(t, urls, false)
	if !errors.Is(err, ErrVerification) || !strings.Contains(err.Error(), "run the same command again") {
		t.Fatalf("err = %v", err)
	}
	if sum.New != 2 || sum.Remaining != 3 || sum.Complete {
		t.Errorf("summary %+v", sum)
	}
	asked := len(r.srv.PageRequests())
	if asked != 3 {
		t.Errorf("%d requests; the run must stop at the first verification page", asked)
	}

	r.srv.PassVerification()
	sum, err = r.fetch(t, urls, false)
	if err != nil {
		t.Fatal(err)
	}
	if sum.New != 3 || sum.Skipped != 2 || len(r.srv.PageRequests()) != asked+3 {
		t.Errorf("resumed run: %+v", sum)
	}
}

func TestFetchURLs_TooFastMeetsVerification(t *testing.T) {
	// The fake sends a visitor to verification when two pages come within
	// 20 ms of its clock; the fetcher's own pauses (50–150 ms here) keep it
	// clear. The clock moves only when the fetcher pauses, so how fast the
	// machine is plays no part.
	r := newURLRun(t, wechattest.Options{Articles: 4, Seed: 23, MassSent: 3, PageMinInterval: 20 * time.Millisecond})
	r.srv.SetNow(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	pause := func(ctx context.Context, d time.Duration) error {
		r.srv.Advance(d)
		return ctx.Err()
	}
	var urls []string
	for _, a := range r.srv.MassSentArticles() {
		urls = append(urls, wechattest.ArticleLink(a.URL))
	}
	sum, err := FetchURLs(t.Context(), nil, r.arch, urls, URLOptions{BaseURL: r.srv.URL(), Interval: 100 * time.Millisecond, Sleep: pause})
	if err != nil || sum.New != 3 {
		t.Fatalf("polite run: %+v, %v", sum, err)
	}
	_, err = FetchURLs(t.Context(), nil, r.arch, urls, URLOptions{BaseURL: r.srv.URL(), Interval: -1, Refetch: true, Sleep: pause})
	if !errors.Is(err, ErrVerification) {
		t.Fatalf("a run without pauses got through: %v", err)
	}
}

func TestFetchURLs_StoredItemShape(t *testing.T) {
	p, err := ParseArticlePage("https://mp.weixin.qq.com/s/Xk3b9QeW0aLimmaShort2", readFixture(t, "a2-limma-short.html"))
	if err != nil {
		t.Fatal(err)
	}
	raw, id := p.item("https://mp.weixin.qq.com/s/Xk3b9QeW0aLimmaShort2")
	if id != "MzkyNTIzMzYyMA==_2247492301_2" {
		t.Errorf("id %s", id)
	}
	arts, err := archive.DecodeItem(archive.URLs, raw)
	if err != nil || len(arts) != 1 {
		t.Fatal(err)
	}
	a := arts[0]
	if a.URL != "https://mp.weixin.qq.com/s?__biz=MzkyNTIzMzYyMA%3D%3D&mid=2247492301&idx=2&sn=0b3c5e7a9d1f2e4c6a8b0d2f4e6a8c0e" ||
		a.Title != p.Title || a.ThumbURL != p.Cover || !a.CreateTime.Equal(p.PublishTime) || a.ItemID != id ||
		a.AccountName != "生信益站" || a.AccountID != "MzkyNTIzMzYyMA==" {
		t.Errorf("decoded %+v", a)
	}
	var extra struct {
		Page urlPage `json:"page"`
	}
	json.Unmarshal(raw, &extra)
	if extra.Page.FetchedFrom != "https://mp.weixin.qq.com/s/Xk3b9QeW0aLimmaShort2" ||
		extra.Page.ContentSHA256 != p.ContentHash() || extra.Page.PageKey != PageMediaKey(a.URL) {
		t.Errorf("page record %+v", extra.Page)
	}
	// Stored twice, byte-identical: nothing in it depends on when it ran.
	raw2, _ := p.item("https://mp.weixin.qq.com/s/Xk3b9QeW0aLimmaShort2")
	if string(raw) != string(raw2) {
		t.Error("the item is not deterministic")
	}
}

// TestFetch_URLArticlesAreListedAsChanges: articles stored from their
// pages are in the run's Added list like listed ones, so --git commits
// count them, and a refetch that changes nothing lists nothing.
func TestFetch_URLArticlesAreListedAsChanges(t *testing.T) {
	srv, err := wechattest.NewServer(wechattest.Options{Articles: 2, Seed: 41, MassSent: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var urls []string
	want := map[string]bool{}
	for _, a := range srv.MassSentArticles() {
		urls = append(urls, wechattest.ArticleLink(a.URL))
		want[a.Title] = true
	}
	arch, _ := archive.Open(t.TempDir())
	noSleep := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	opts := FetchOptions{Sources: []archive.Source{archive.URLs}, URLs: urls, PageBaseURL: srv.URL(), VoiceBaseURL: srv.URL(),
		PageInterval: -1, PageSleep: noSleep, Sleep: noSleep}
	sum, err := Fetch(t.Context(), nil, arch, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Added) != len(want) || len(sum.Changed) != 0 {
		t.Fatalf("added %v, changed %v; want the %d articles added", sum.Added, sum.Changed, len(want))
	}
	for _, c := range sum.Added {
		if !want[c.Title] || !strings.HasPrefix(c.Key, string(archive.URLs)+"/") {
			t.Errorf("added %+v", c)
		}
	}
	opts.RefetchURLs = true
	sum, err = Fetch(t.Context(), nil, arch, opts)
	if err != nil || len(sum.Added)+len(sum.Changed) != 0 {
		t.Errorf("refetch of unchanged pages: added %v, changed %v, %v", sum.Added, sum.Changed, err)
	}
}

// TestMarkGone_HashedID: an item stored under a hashed file name (its id
// is no safe file name) is marked deleted like any other.
func TestMarkGone_HashedID(t *testing.T) {
	arch, _ := archive.Open(t.TempDir())
	for _, id := range []string{"MzA5_2247_1", "an id/that is not a file name?"} {
		var it urlItem
		it.ArticleID = id
		it.Content.NewsItem = []archive.NewsItem{{Title: "t"}}
		raw, _ := encodeJSON(it)
		if _, err := arch.PutItem(archive.URLs, raw); err != nil {
			t.Fatal(err)
		}
		if err := markGone(arch, id, PageRemoved); err != nil {
			t.Fatal(err)
		}
		got, err := arch.RawItem(archive.URLs, id)
		if err != nil {
			t.Fatal(err)
		}
		var back urlItem
		json.Unmarshal(got, &back)
		if back.Page.Status != "removed" || !back.Content.NewsItem[0].IsDeleted {
			t.Errorf("%q: not marked: %s", id, got)
		}
	}
	if err := markGone(arch, "never stored", PageDeleted); err != nil {
		t.Errorf("an item not in the archive: %v", err)
	}
}
