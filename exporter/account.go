package exporter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/mparchive/mparchive/archive"
)

// The account an archive backs up is recorded in its state (archive.Account)
// so that outputs can name it: API items carry its __biz in their links but
// never its name. The name comes from, in order of precedence,
// FetchOptions.AccountName (--account-name); the newest stored page of the
// account (the urls source); or one public page of an article the API
// listed, fetched for the purpose once per run until it has been read. The
// account is the one whose credentials listed the API's items, or, in an
// archive of pages alone, the one most pages are of.

// learnAccount records what the run and the stored items tell of the
// account. Nothing in it fails the run: a page that cannot be read is a
// note, and the next run tries again.
func (f *fetcher) learnAccount(ctx context.Context) {
	acct := archive.Account{}
	if f.state.Account != nil {
		acct = *f.state.Account
	}
	if name := strings.TrimSpace(f.opts.AccountName); name != "" {
		acct.Name = name
	}
	if acct.Name == "" || acct.ID == "" {
		g, err := f.arch.GuessAccount(acct.ID)
		if err != nil {
			f.opts.Logf("account: reading the stored items: %v", err)
			return
		}
		acct.ID = g.ID
		if acct.Name == "" {
			acct.Name = g.Name
		}
		if acct.Name == "" && g.Link != "" && f.listedAPI() && f.pagesReachable() {
			acct.Name = f.accountNameFromPage(ctx, g.Link, acct.ID)
		}
	}
	if acct == (archive.Account{}) || (f.state.Account != nil && *f.state.Account == acct) {
		return
	}
	f.mu.Lock()
	f.state.Account = &acct
	f.mu.Unlock()
}

// listedAPI tells whether this run listed a source of the API, the runs
// that look for the account's name on a page: a run of the urls source
// alone reads names from the pages it stores.
func (f *fetcher) listedAPI() bool {
	for src, ss := range f.sum.Sources {
		if src != archive.URLs && !ss.Skipped && ss.Refused == nil {
			return true
		}
	}
	return false
}

// pagesReachable tells whether article pages can be asked for: from
// PageBaseURL when it is set (the fake server, a mirror), else from WeChat
// itself, but only for items WeChat's API listed. An API at another address
// without a page base is a test double or a stand-in whose links lead
// nowhere real.
func (f *fetcher) pagesReachable() bool {
	if f.opts.PageBaseURL != "" {
		return true
	}
	if f.client == nil || f.client.base == nil {
		return false
	}
	host := strings.ToLower(f.client.base.Hostname())
	return host == "weixin.qq.com" || strings.HasSuffix(host, ".weixin.qq.com")
}

// accountNameFromPage fetches the public page of link, politely and as the
// urls source fetches pages, and returns the account name it shows, or ""
// with a note saying why not. id is the account's __biz: a page of another
// account (a link that redirects) names the wrong one.
func (f *fetcher) accountNameFromPage(ctx context.Context, link, id string) string {
	if ctx.Err() != nil {
		return ""
	}
	note := func(format string, args ...any) string {
		f.opts.Logf("account: the account's name could not be read from %s (%s); the next run tries again, or give it with --account-name",
			link, fmt.Sprintf(format, args...))
		return ""
	}
	if us := f.sum.Sources[archive.URLs]; us != nil && errors.Is(us.Err, ErrVerification) {
		return note("WeChat asks for a verification")
	}
	u, err := NormalizeArticleURL(link)
	if err != nil {
		return note("%v", err)
	}
	link = u // shorter in the note, and the address asked for
	pf, err := newPageFetcher(f.opts.PageHTTPClient, URLOptions{
		BaseURL: f.opts.PageBaseURL, Interval: f.opts.PageInterval, Sleep: f.opts.PageSleep,
	})
	if err != nil {
		return note("%v", err)
	}
	if _, ranURLs := f.sum.Sources[archive.URLs]; ranURLs {
		// The urls source has just asked for pages: this one waits its
		// turn like the next of them would.
		pf.sent = true
	}
	page, finalURL, err := pf.fetch(ctx, u)
	if err != nil {
		return note("%v", err)
	}
	p, err := ParseArticlePage(finalURL, page)
	switch {
	case err != nil:
		return note("%v", err)
	case p.Kind != PageArticle:
		return note("%s", p.Kind)
	case id != "" && p.Biz != "" && p.Biz != id:
		return note("the page is of another account")
	case strings.TrimSpace(p.AccountName) == "":
		return note("the page names no account")
	}
	return strings.TrimSpace(p.AccountName)
}

// newPageFetcher is the page client of FetchURLs with its defaults.
func newPageFetcher(hc *http.Client, opts URLOptions) (*pageFetcher, error) {
	if hc == nil {
		hc = NewDownloadClient(opts.AllowPrivateHosts, opts.BaseURL)
	}
	client := *hc
	client.Jar = nil // pages are asked for as an anonymous visitor would
	if opts.Interval == 0 {
		opts.Interval = DefaultPageInterval
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultPageTimeout
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepContext
	}
	if opts.RetrySleep == nil {
		opts.RetrySleep = opts.Sleep
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.Progress == nil {
		opts.Progress = func(int, int) {}
	}
	f := &pageFetcher{get: newGetter(&client, newRetrier(opts.Attempts, opts.RetrySleep)), opts: opts}
	if opts.BaseURL != "" {
		b, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
		if err != nil || (b.Scheme != "http" && b.Scheme != "https") || b.Host == "" {
			return nil, fmt.Errorf("page base URL %q must be an http(s) URL with a host", opts.BaseURL)
		}
		f.base = b
	}
	return f, nil
}
