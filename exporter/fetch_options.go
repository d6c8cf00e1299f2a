package exporter

import (
	"context"
	"net/http"
	"time"

	"github.com/mparchive/mparchive/archive"
)

// FetchOptions tune a fetch run.
type FetchOptions struct {
	Sources []archive.Source
	// Concurrency bounds parallel media downloads (default 8).
	Concurrency int
	// ImageHTTPClient downloads images, voices and videos; nil uses
	// NewDownloadClient (see AllowPrivateHosts).
	ImageHTTPClient *http.Client
	// AllowPrivateHosts lets the default download clients reach loopback,
	// private and link-local addresses. Without it they reach public
	// addresses only, and the loopback address of the API base,
	// PageBaseURL or VoiceBaseURL when one names one (the fake API, a
	// local mirror): those serve their articles' media too.
	AllowPrivateHosts bool
	// Attempts bounds tries per request, for images, voices, videos and
	// pages as for API calls (default DefaultMaxAttempts).
	Attempts int
	// MediaTimeout is the deadline of an image or voice download, body
	// included, its attempts together (default DefaultMediaTimeout);
	// PageTimeout that of an article page (default DefaultPageTimeout).
	MediaTimeout, PageTimeout time.Duration
	// Progress receives counts as the run goes; it must not block.
	Progress func(Progress)
	// ItemDone, when set, is told of each item of a listed source once
	// its media downloads, and those of the pages listed before, have
	// ended (stored or failed): the item and its media are then as this
	// run leaves them, so work on it may start before the fetch ends
	// (export converts it). It must not block. Not called after ctx ends.
	ItemDone func(src archive.Source, id string)
	// Logf receives notes worth telling the user (quota plans, skipped
	// sources). Messages never hold secrets.
	Logf func(format string, args ...any)
	// Sleep waits between image retries; tests make it instant.
	Sleep func(context.Context, time.Duration) error
	// Full lists every page of every source. Without it a listing stops at
	// the first page that holds nothing new or changed: the lists come
	// newest first, so the rest is known. Only a full listing can notice
	// articles that disappeared upstream.
	Full bool
	// Now is the clock for the days recorded in the state (default
	// time.Now).
	Now func() time.Time

	// URLs are the article pages of the urls source (see ReadURLList).
	URLs []string
	// PageBaseURL replaces https://mp.weixin.qq.com when fetching pages
	// (the fake API in tests and --demo); stored links keep the real host.
	PageBaseURL string
	// VoiceBaseURL replaces DefaultVoiceBaseURL (https://res.wx.qq.com)
	// when downloading the voice messages of articles (the fake API in
	// tests and --demo). Voices are stored under their real address
	// (archive.VoiceKey) whatever host served them.
	VoiceBaseURL string
	// PageInterval is the pause between two page requests (default 1 s).
	PageInterval time.Duration
	// PageHTTPClient fetches pages; nil uses ImageHTTPClient's default.
	PageHTTPClient *http.Client
	// PageSleep waits between page requests, kept apart from Sleep so that
	// tests can make retries instant yet keep pages polite.
	PageSleep func(context.Context, time.Duration) error
	// RefetchURLs fetches pages the archive already holds again.
	RefetchURLs bool
	// FollowShares fetches the original of every share the urls source
	// meets as well (URLOptions.FollowShares).
	FollowShares bool
	// Materials lists the kinds of permanent materials to back up.
	Materials []archive.MaterialKind
	// Explicit says the user named Sources (--source) rather than taking
	// the default. A source an earlier run found refused to the account
	// (State.Refused) is tried again only then; otherwise it is skipped
	// and reported as SourceSummary.Skipped.
	Explicit bool
	// AccountName, when set, is recorded as the account's name
	// (--account-name), in place of what its pages say (account.go).
	AccountName string
}

// Progress is a snapshot of a run, sent after each page and download.
type Progress struct {
	Source        archive.Source
	Pages, Items  int // listed so far in this source
	TotalItems    int // total_count as last seen (0 while unknown)
	ImagesDone    int // downloads finished (stored or failed) in the run
	ImagesPlanned int // downloads found needed so far in the run
}
