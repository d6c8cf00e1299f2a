package exporter

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter/wechattest"
)

// An API run learns the account's name from one public page of an article
// it listed, once; a page that cannot be read is a note and is tried again
// by the next run; --account-name wins over the page.
func TestFetch_AccountNameFromOnePage(t *testing.T) {
	srv, c := startFake(t, wechattest.Options{Articles: 12, Drafts: 2, Seed: 51})
	noSleep := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	dir := t.TempDir()
	arch, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	run := func(opts FetchOptions) {
		t.Helper()
		notes = nil
		opts.Sources = []archive.Source{archive.News, archive.Published, archive.Drafts}
		opts.Sleep, opts.PageSleep = noSleep, noSleep
		// The generated articles hold voices, which the fake serves.
		opts.VoiceBaseURL = srv.URL()
		opts.Logf = func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) }
		if _, err := Fetch(t.Context(), c, arch, opts); err != nil {
			t.Fatal(err)
		}
	}
	account := func() archive.Account {
		t.Helper()
		st, err := arch.LoadState()
		if err != nil {
			t.Fatal(err)
		}
		if st.Account == nil {
			return archive.Account{}
		}
		return *st.Account
	}
	// What the fake's pages say, read as the urls source reads them.
	news := srv.Articles(wechattest.SourceNews)
	biz := bizOfLink(t, news[0].URL)
	want := archive.Account{Name: nameOnPage(t, srv, news[0].URL), ID: biz}
	if want.Name == "" {
		t.Fatal("the fake's page names no account")
	}
	before := len(srv.PageRequests())
	pageRequests := func() int { return len(srv.PageRequests()) - before }

	// No page base, an API that is not WeChat's: its links lead nowhere
	// real, so no page is asked for, and nothing is said about it.
	run(FetchOptions{})
	if got := account(); got != (archive.Account{ID: biz}) || pageRequests() != 0 {
		t.Errorf("without pages: account %+v after %d page requests, want the id alone and none", got, pageRequests())
	}
	if len(notes) != 0 {
		t.Errorf("without pages: notes %q", notes)
	}

	// The account's pages are unreadable: a note, no error, no name.
	srv.BanAccount(true)
	run(FetchOptions{PageBaseURL: srv.URL()})
	if got := account(); got != (archive.Account{ID: biz}) || pageRequests() != 1 {
		t.Errorf("banned: account %+v after %d page requests, want the id alone after one", got, pageRequests())
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "account banned") || !strings.Contains(notes[0], "--account-name") {
		t.Errorf("banned: notes %q, want one saying why and what to do", notes)
	}

	// The next run tries again, and reads it.
	srv.BanAccount(false)
	run(FetchOptions{PageBaseURL: srv.URL()})
	if got := account(); got != want || pageRequests() != 2 {
		t.Errorf("account %+v after %d page requests, want %+v after two", got, pageRequests(), want)
	}
	if req := srv.PageRequests()[before+1]; !strings.HasPrefix(req.Path, "/s?__biz=") || req.Cookie != "" {
		t.Errorf("the page asked for: %+v, want an article's page without cookies", req)
	}
	state, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil {
		t.Fatal(err)
	}

	// Known: no more pages, and a run with nothing new leaves the state
	// as it was.
	run(FetchOptions{PageBaseURL: srv.URL()})
	if pageRequests() != 2 {
		t.Errorf("%d page requests after the name was known", pageRequests())
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "state.json")); string(again) != string(state) {
		t.Errorf("a run with nothing new rewrote the state:\n%s\nwas\n%s", again, state)
	}

	// --account-name wins, asks for nothing, and stays.
	run(FetchOptions{PageBaseURL: srv.URL(), AccountName: " 我的公众号 "})
	run(FetchOptions{PageBaseURL: srv.URL()})
	if got := account(); got != (archive.Account{Name: "我的公众号", ID: biz}) || pageRequests() != 2 {
		t.Errorf("--account-name: account %+v after %d page requests", got, pageRequests())
	}
}

// A run of pages alone takes the account from the pages it stored, with no
// page fetched for it; a verification wall stops the name's page too.
func TestFetch_AccountNameFromStoredPages(t *testing.T) {
	srv, c := startFake(t, wechattest.Options{Articles: 6, MassSent: 3, Seed: 52})
	noSleep := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	var urls []string
	for _, a := range srv.MassSentArticles() {
		urls = append(urls, a.URL)
	}
	want := archive.Account{Name: nameOnPage(t, srv, urls[0]), ID: bizOfLink(t, urls[0])}
	before := len(srv.PageRequests())

	arch, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Fetch(t.Context(), nil, arch, FetchOptions{
		Sources: []archive.Source{archive.URLs}, URLs: urls, PageBaseURL: srv.URL(), Sleep: noSleep, PageSleep: noSleep,
	}); err != nil {
		t.Fatal(err)
	}
	if st, _ := arch.LoadState(); st.Account == nil || *st.Account != want {
		t.Errorf("account %+v, want %+v", st.Account, want)
	}
	if n := len(srv.PageRequests()) - before; n != len(urls) {
		t.Errorf("%d page requests for %d links", n, len(urls))
	}

	// An API run whose urls source met the verification wall asks for no
	// further page.
	arch2, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv.RequireVerification(0)
	before = len(srv.PageRequests())
	var notes []string
	if _, err := Fetch(t.Context(), c, arch2, FetchOptions{
		Sources: []archive.Source{archive.News, archive.URLs}, URLs: urls, PageBaseURL: srv.URL(), Sleep: noSleep, PageSleep: noSleep,
		Logf: func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) },
	}); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.PageRequests()) - before; n != 1 {
		t.Errorf("%d page requests after the verification wall, want the one that met it", n)
	}
	if st, _ := arch2.LoadState(); st.Account == nil || st.Account.Name != "" || st.Account.ID == "" {
		t.Errorf("account %+v, want the id alone", st.Account)
	}
	if joined := strings.Join(notes, "\n"); !strings.Contains(joined, "account: ") || !strings.Contains(joined, "verification") {
		t.Errorf("notes %q", notes)
	}
}

func bizOfLink(t *testing.T, link string) string {
	t.Helper()
	p, ok := archive.ParsePermalink(link)
	if !ok {
		t.Fatalf("%s is no permalink", link)
	}
	return p.Biz
}

// nameOnPage reads the account name from the fake's page of link.
func nameOnPage(t *testing.T, srv *wechattest.Server, link string) string {
	t.Helper()
	u, err := NormalizeArticleURL(link)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Get(strings.Replace(u, "https://mp.weixin.qq.com", srv.URL(), 1))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseArticlePage(u, page)
	if err != nil || p.Kind != PageArticle {
		t.Fatalf("%s: %v %v", link, p, err)
	}
	return p.AccountName
}
