package exporter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mparchive/mparchive/archive"
)

// The URL source reads article web pages (mp.weixin.qq.com/s…), for what no
// list API reaches: articles mass-sent after the draft-box switch, topic
// posts (docs/wechat-api.md). A page is not an API answer: it can be a
// WeChat message instead of the article (deleted, removed, account banned,
// "verify you are human"), and asking too fast gets the verification page
// for every further request. So pages are fetched one at a time, with a
// pause between them, and classified before anything is stored.

// DefaultPageInterval is the pause between two page requests.
const DefaultPageInterval = time.Second

// --- storing ---

// urlItem is a page's article in the shape of a freepublish/batchget item,
// so archive.DecodeItem reads it like any other. "page" holds what the API
// shape has no field for.
type urlItem struct {
	ArticleID string `json:"article_id"`
	Content   struct {
		NewsItem   []archive.NewsItem `json:"news_item"`
		CreateTime int64              `json:"create_time"`
		UpdateTime int64              `json:"update_time"`
	} `json:"content"`
	UpdateTime int64   `json:"update_time"`
	Page       urlPage `json:"page"`
}

type urlPage struct {
	// FetchedFrom is the link as the list gave it (a short /s/… link
	// stays recognisable on the next run).
	FetchedFrom   string `json:"fetched_from"`
	Biz           string `json:"biz,omitempty"`
	Mid           string `json:"mid,omitempty"`
	Idx           string `json:"idx,omitempty"`
	Sn            string `json:"sn,omitempty"`
	ContentSHA256 string `json:"content_sha256"`
	// PageKey is the media-store key of the page as fetched, kept whole so
	// a better parser can read it again without asking WeChat.
	PageKey string `json:"page_key"`
	// Status is "deleted" or "removed" once a later fetch found the article
	// gone; the stored copy is kept.
	Status string `json:"status,omitempty"`
}

// PageMediaKey is the media-store key of an article page's HTML.
func PageMediaKey(canonicalURL string) string { return "wechat-page:" + canonicalURL }

func (p *ArticlePage) item(fetchedFrom string) ([]byte, string) {
	canonical := p.CanonicalURL(fetchedFrom)
	id := urlItemIDFromLink(canonical)
	if pl, ok := p.Permalink(); ok {
		id = URLItemID(pl)
	}
	var it urlItem
	it.ArticleID = id
	var ct int64
	if !p.PublishTime.IsZero() {
		ct = p.PublishTime.Unix()
	}
	it.Content.CreateTime, it.Content.UpdateTime, it.UpdateTime = ct, ct, ct
	n := archive.NewsItem{
		Title: p.Title, Author: p.Author, Digest: p.Digest, Content: p.Body,
		ContentSourceURL: p.SourceURL, URL: canonical, ThumbURL: p.Cover,
		PageFields: archive.PageFields{
			AccountName: p.AccountName, AccountID: p.Biz,
			ItemShowType: p.ItemShowType, CopyrightStat: p.CopyrightStat, Paid: p.Paid,
			Share: p.Share, VideoIDs: p.VideoIDs,
		},
	}
	if len(p.Pictures) > 0 {
		n.ImageInfo = &archive.ImageInfo{ImageList: p.Pictures}
	}
	it.Content.NewsItem = []archive.NewsItem{n}
	it.Page = urlPage{
		FetchedFrom: fetchedFrom,
		Biz:         p.Biz, Mid: p.Mid, Idx: p.Idx, Sn: p.Sn,
		ContentSHA256: p.ContentHash(), PageKey: PageMediaKey(canonical),
	}
	raw, _ := encodeJSON(it)
	return raw, id
}

// --- fetching ---

// URLOptions tune FetchURLs.
type URLOptions struct {
	// BaseURL, when set, is where pages are fetched from instead of
	// https://mp.weixin.qq.com: the fake API in tests (its pages live on the
	// same paths), or a local mirror. Stored links keep the real host.
	BaseURL string
	// Interval is the pause between two page requests, ±50 % at random so
	// the requests do not tick like a robot (default 1 s). Negative: none.
	Interval time.Duration
	// Attempts bounds tries per page for 5xx, 429 and network errors
	// (default DefaultMaxAttempts).
	Attempts int
	// Timeout is the deadline of one page, body included, its attempts
	// together (default DefaultPageTimeout).
	Timeout time.Duration
	// AllowPrivateHosts lets the default client (hc nil) reach loopback,
	// private and link-local addresses; BaseURL's own loopback address is
	// reachable without it.
	AllowPrivateHosts bool
	// Refetch fetches pages the archive already holds. By default they are
	// skipped, so a run stopped by a verification page resumes where it
	// stopped without asking WeChat for the same pages again.
	Refetch bool
	// FollowShares fetches the original article a share points to as
	// well, once, after the listed links (the original belongs to another
	// account; its link is not in the list).
	FollowShares bool
	// Stored is called after each article is stored, with its articles
	// decoded as the archive will read them and whether the item is new
	// or changed, so the caller can download their images, checkpoint and
	// list them among the run's changes.
	Stored func(ctx context.Context, arts []archive.Article, isNew, changed bool)
	// Progress receives how many URLs are done (stored, skipped or failed).
	Progress func(done, total int)
	// Logf receives one line per URL that gave no article.
	Logf func(format string, args ...any)
	// Sleep waits between requests; tests make it instant.
	Sleep func(context.Context, time.Duration) error
	// RetrySleep waits between attempts of one page (default Sleep).
	RetrySleep func(context.Context, time.Duration) error
}

// URLSummary tells what FetchURLs did.
type URLSummary struct {
	SourceSummary
	// Skipped counts URLs already in the archive (see URLOptions.Refetch).
	Skipped int
	// Failed lists the URLs that gave no article, in list order.
	Failed []*PageError
	// Remaining counts URLs not tried because the run stopped early.
	Remaining int
}

// FetchURLs fetches each article page in urls (see ReadURLList), one at a
// time and politely, and stores each article in the archive's urls source,
// in the shape of an API list item, plus the page itself in the media
// store. Deleted, removed and banned pages are reported in the summary and
// mark an already stored copy; a verification page stops the run with an
// error wrapping ErrVerification. Images are not downloaded here: Stored
// hands each stored article to the caller.
//
// hc must not follow the user's cookies: pages are fetched as an anonymous
// browser would, and a client with a cookie jar is used without it.
func FetchURLs(ctx context.Context, hc *http.Client, arch *archive.Archive, urls []string, opts URLOptions) (*URLSummary, error) {
	f, err := newPageFetcher(hc, opts)
	if err != nil {
		return nil, err
	}
	opts = f.opts
	known, err := storedURLItems(arch)
	if err != nil {
		return nil, err
	}
	sum := &URLSummary{}
	// Followed originals join the end of the list; queued tells links
	// already on it, so a share shared back is fetched once.
	urls = slices.Clone(urls)
	queued := map[string]bool{}
	for _, u := range urls {
		queued[u] = true
	}
	for i := 0; i < len(urls); i++ {
		link := urls[i]
		if err := ctx.Err(); err != nil {
			sum.Remaining = len(urls) - i
			return sum, err
		}
		u, err := NormalizeArticleURL(link)
		if err != nil {
			sum.Failed = append(sum.Failed, &PageError{URL: link, Kind: PageUnknown, Message: err.Error()})
			opts.Progress(i+1, len(urls))
			continue
		}
		storedID := known.lookup(u)
		if storedID != "" && !opts.Refetch {
			sum.Skipped++
			opts.Progress(i+1, len(urls))
			continue
		}
		page, finalURL, err := f.fetch(ctx, u)
		if err != nil {
			if ctx.Err() != nil {
				sum.Remaining = len(urls) - i
				return sum, ctx.Err()
			}
			if unreachable(err) {
				// Every page is on the same host: the rest would fail
				// the same way.
				sum.Remaining = len(urls) - i
				return sum, fmt.Errorf("urls: %s: %w", u, err)
			}
			sum.Failed = append(sum.Failed, &PageError{URL: u, Kind: PageUnknown, Message: err.Error(), transient: IsRetryable(err)})
			opts.Logf("urls: %s: %v", u, err)
			opts.Progress(i+1, len(urls))
			continue
		}
		p, err := ParseArticlePage(finalURL, page)
		if err != nil {
			p = &ArticlePage{Kind: PageUnknown, Message: err.Error()}
		}
		if p.Kind != PageArticle {
			perr := &PageError{URL: u, Kind: p.Kind, Message: p.Message}
			if p.Kind == PageVerify {
				sum.Remaining = len(urls) - i
				return sum, fmt.Errorf("%w at %s, link %d of %d; stopped so as not to make it stricter. "+
					"%d articles are stored; wait an hour or more (or open the link in a browser and pass the check), "+
					"then run the same command again: stored links are skipped",
					ErrVerification, u, i+1, len(urls), sum.New+sum.Changed+sum.Skipped)
			}
			sum.Failed = append(sum.Failed, perr)
			opts.Logf("urls: %v", perr)
			if storedID != "" && (p.Kind == PageDeleted || p.Kind == PageRemoved) {
				if err := markGone(arch, storedID, p.Kind); err != nil {
					return sum, err
				}
			}
			opts.Progress(i+1, len(urls))
			continue
		}
		raw, id := p.item(u)
		if _, err := arch.PutMedia(PageMediaKey(p.CanonicalURL(u)), page, ".html", "text/html; charset=utf-8"); err != nil {
			return sum, fmt.Errorf("storing the page of %s: %w", u, err)
		}
		isNew := !arch.HasItem(archive.URLs, id)
		changed, err := arch.PutItem(archive.URLs, raw)
		if err != nil {
			return sum, fmt.Errorf("storing %s: %w", u, err)
		}
		sum.Items++
		sum.Articles++
		switch {
		case isNew:
			sum.New++
		case changed:
			sum.Changed++
		}
		known.add(u, id, p)
		if opts.FollowShares && p.Share != nil && p.Share.URL != "" && !queued[p.Share.URL] {
			queued[p.Share.URL] = true
			urls = append(urls, p.Share.URL)
		}
		if opts.Stored != nil {
			arts, err := archive.DecodeItem(archive.URLs, raw)
			if err != nil {
				return sum, fmt.Errorf("storing %s: %w", u, err)
			}
			opts.Stored(ctx, arts, isNew, !isNew && changed)
		}
		opts.Progress(i+1, len(urls))
	}
	sum.Complete = true
	return sum, nil
}

// knownURLs indexes the stored urls items by the links they were fetched
// from and by permalink.
type knownURLs map[string]string

func (k knownURLs) lookup(u string) string {
	if id := k[u]; id != "" {
		return id
	}
	if pl, ok := archive.ParsePermalink(u); ok {
		return k[URLItemID(pl)]
	}
	return ""
}

func (k knownURLs) add(u, id string, p *ArticlePage) {
	k[u] = id
	k[id] = id
	if pl, ok := p.Permalink(); ok {
		k[URLItemID(pl)] = id
	}
}

func storedURLItems(arch *archive.Archive) (knownURLs, error) {
	k := knownURLs{}
	refs, err := arch.Items()
	if err != nil {
		return nil, err
	}
	for _, ref := range refs {
		if ref.Source != archive.URLs {
			continue
		}
		raw, err := arch.ReadItem(ref)
		if err != nil {
			return nil, err
		}
		var it urlItem
		if err := json.Unmarshal(raw, &it); err != nil || it.ArticleID == "" {
			// A damaged item is refetched rather than trusted.
			continue
		}
		k[it.ArticleID] = it.ArticleID
		if it.Page.FetchedFrom != "" {
			k[it.Page.FetchedFrom] = it.ArticleID
		}
	}
	return k, nil
}

// markGone records in a stored item that the article's page now says it
// is deleted or removed, the way the API marks is_deleted. The copy stays.
func markGone(arch *archive.Archive, id string, kind PageKind) error {
	raw, err := arch.RawItem(archive.URLs, id)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // gone from the archive: nothing to mark
	}
	if err != nil {
		return err
	}
	var it urlItem
	if err := json.Unmarshal(raw, &it); err != nil {
		return nil // damaged: refetched rather than trusted
	}
	for i := range it.Content.NewsItem {
		it.Content.NewsItem[i].IsDeleted = true
	}
	it.Page.Status = "deleted"
	if kind == PageRemoved {
		it.Page.Status = "removed"
	}
	out, err := encodeJSON(it)
	if err != nil {
		return err
	}
	_, err = arch.PutItem(archive.URLs, out)
	return err
}

type pageFetcher struct {
	get  *getter
	opts URLOptions
	base *url.URL
	sent bool // a request was made: the next one waits the interval
}

// fetch gets one page after the polite pause, retrying what passes.
func (f *pageFetcher) fetch(ctx context.Context, u string) (page []byte, finalURL string, err error) {
	target := u
	if f.base != nil {
		target = strings.Replace(u, "https://"+mpHost, f.base.String(), 1)
	}
	var got readSink
	// What a desktop browser sends for a page opened from the address bar:
	// no Referer, no cookies.
	err = f.get.get(ctx, getSpec{what: "page", url: target, limit: maxPageBytes, timeout: f.opts.Timeout,
		before: f.pause,
		header: map[string]string{
			"User-Agent":      browserUA,
			"Accept":          "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
			"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8",
		}}, got.sink)
	if err != nil {
		return nil, "", err
	}
	finalURL = got.finalURL
	if f.base != nil {
		finalURL = strings.Replace(finalURL, f.base.String(), "https://"+mpHost, 1)
	}
	return got.data, finalURL, nil
}

// pause waits the interval (±50 %) before every request but the run's
// first, retries included, so that pages never come faster than a person
// would open them.
func (f *pageFetcher) pause(ctx context.Context) error {
	if f.sent && f.opts.Interval > 0 {
		wait := f.opts.Interval/2 + rand.N(f.opts.Interval+1)
		if err := f.opts.Sleep(ctx, wait); err != nil {
			return err
		}
	}
	f.sent = true
	return nil
}
