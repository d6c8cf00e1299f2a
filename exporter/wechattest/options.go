package wechattest

import (
	"fmt"
	"time"
)

// Options configure a fake server. The zero value is a usable account: any
// appid/secret accepted, Articles generated articles (none when 0 and not
// Demo), real-sized quotas, no faults.
type Options struct {
	// Articles is how many articles the default sources (news materials and
	// published items) hold together. Drafts come on top.
	Articles int
	// Drafts is the number of draft articles: 0 means Articles/10, a negative
	// number means none.
	Drafts int
	// Seed makes everything reproducible: the same seed gives a byte-identical
	// account, the same tokens and the same faults for the same call sequence.
	Seed int64
	// Demo serves the hand-written demo account instead of a generated one;
	// Articles and Drafts are ignored.
	Demo bool
	// MissingImages is how many content images of a generated account point
	// at URLs the image host answers with 404, for download-failure tests.
	MissingImages int
	// NewsPercent is the share of Articles that are news materials, the
	// rest being published items (default 55). Tests of one source's
	// quota make it small to pile the articles into freepublish.
	NewsPercent int

	// AppID and Secret, when set, are the only credentials the token
	// endpoints accept. Empty means any value is accepted.
	AppID  string
	Secret string
	// RejectIP, when set, makes token requests fail with 40164 naming this
	// address as the caller's IP, as WeChat does for an address missing from
	// the account's IP whitelist (docs/wechat-api.md §1.3).
	RejectIP string
	// SecretFrozen makes token requests fail with 40243 (§1.1).
	SecretFrozen bool
	// Personal makes the account a personal (or unverified) one as WeChat
	// treats them since July 2025 (§12): every /cgi-bin/freepublish/ call
	// answers 48001, so its published articles exist only as pages; its
	// news materials (all from before 2022) and drafts list as usual
	// (personal.go).
	Personal bool
	// TokenOverlap is how long a classic token stays usable after a newer
	// classic token replaced it. WeChat keeps 5 minutes (§1.1); the default 0
	// invalidates at once, which is the case a client must survive.
	TokenOverlap time.Duration

	// Quotas override the daily call limits per API path, e.g.
	// {"/cgi-bin/freepublish/batchget": 3}. Paths absent here keep
	// DefaultQuotas; a value <= 0 means unlimited.
	Quotas map[string]int
	// Now is the server's clock (default time.Now). Quotas roll over at
	// midnight Asia/Shanghai by this clock; token lifetimes follow it too.
	Now func() time.Time

	// Latency delays every request (API and images) before it is answered.
	Latency time.Duration
	// FaultRate is the probability that an API call (or image, see
	// NoImageFaults) fails with one of Faults.
	FaultRate float64
	// Faults is the set of fault kinds to draw from; empty means AllFaults.
	Faults []Fault
	// NoImageFaults exempts the image host from FaultRate. By default images
	// fail at the same rate (with the HTTP-level kinds only).
	NoImageFaults bool
	// SlowBody is how long a FaultSlowBody response stalls after sending
	// headers and part of the body (default 10s): set it above the client's
	// timeout.
	SlowBody time.Duration

	// Hostile makes the server attack its client's bounds: answers far
	// larger than any real one, a gzip bomb, a stall, a redirect
	// (hostile.go).
	Hostile Hostile

	// Host, when set, is the host name NewServer puts in URL() and in every
	// image URL instead of its loopback address, so that two servers (or two
	// runs of --demo) serve byte-identical content. Reach such a server with
	// the client from Client(), which dials it whatever host a URL names.
	Host string
	// RealImageHosts keeps the image URLs of content and covers on
	// WeChat's CDN hosts (mmbiz.qpic.cn, mmbiz.qlogo.cn), over the scheme
	// they were written with, instead of pointing them at the server.
	// Reach them with the client from Client(), which sends every request
	// to the server in plain HTTP, https URLs included. Tests of how a
	// client tells one picture under several addresses use it.
	RealImageHosts bool

	// MediaMaterials is how many voice and how many video materials the
	// account has: 0 means 3 (none for an account without articles), a
	// negative number none (materials.go).
	MediaMaterials int
	// MassSent is how many articles have only a web page: mass-sent after
	// the draft-box switch, listed by no API (pages.go).
	MassSent int
	// PicturePosts, TextPosts, SharePosts and VideoPosts are how many
	// page-only posts of the newer kinds the account has (kindposts.go):
	// picture posts (图片分享), text posts (文本分享), shares of another
	// account's article (文章分享; the original is served too) and video
	// posts. Like MassSent they are listed by no API; PagePosts and
	// PageLinks list them.
	PicturePosts, TextPosts, SharePosts, VideoPosts int
	// Newspic is how many picture posts the API lists (article_type
	// newspic), published items and drafts in turn, their pictures
	// permanent image materials.
	Newspic int
	// PageMinInterval, when set, sends every page request to the
	// verification page once two came closer together than this (by the
	// server's clock, see SetNow), as
	// WeChat does with robots (until PassVerification).
	PageMinInterval time.Duration

	// Logf, when set, receives one line per request. Lines never contain
	// access tokens or secrets.
	Logf func(format string, args ...any)
}

// Fault is a way a call can fail, as seen from WeChat's API in practice.
type Fault int

// The fault kinds. JSON-level faults answer HTTP 200 with an error body, as
// WeChat does; HTTP-level ones imitate its gateway and the network.
const (
	// FaultSystemError answers {"errcode":-1,"errmsg":"system error"}.
	FaultSystemError Fault = iota + 1
	// FaultMinuteQuota answers 45011, the per-minute limit.
	FaultMinuteQuota
	// FaultHTTP500, FaultHTTP502, FaultHTTP503 answer a gateway HTML page
	// with that status.
	FaultHTTP500
	FaultHTTP502
	FaultHTTP503
	// FaultTruncated declares the full Content-Length but sends half the
	// body, then closes the connection: the client reads an unexpected EOF.
	FaultTruncated
	// FaultCutJSON sends a well-formed HTTP response whose JSON body is cut
	// in half: the transport succeeds and decoding fails.
	FaultCutJSON
	// FaultSlowBody sends the real answer's headers and first bytes, then
	// stalls for Options.SlowBody before the rest: past the client's
	// deadline the client gives up, within it the answer arrives whole.
	FaultSlowBody
	// FaultReset accepts the request and resets the TCP connection.
	FaultReset
)

// AllFaults lists every fault kind, the default for Options.Faults.
var AllFaults = []Fault{
	FaultSystemError, FaultMinuteQuota, FaultHTTP500, FaultHTTP502, FaultHTTP503,
	FaultTruncated, FaultCutJSON, FaultSlowBody, FaultReset,
}

func (f Fault) String() string {
	switch f {
	case FaultSystemError:
		return "system-error"
	case FaultMinuteQuota:
		return "minute-quota"
	case FaultHTTP500:
		return "http-500"
	case FaultHTTP502:
		return "http-502"
	case FaultHTTP503:
		return "http-503"
	case FaultTruncated:
		return "truncated"
	case FaultCutJSON:
		return "cut-json"
	case FaultSlowBody:
		return "slow-body"
	case FaultReset:
		return "reset"
	}
	return fmt.Sprintf("Fault(%d)", int(f))
}

// jsonLevel reports whether the fault is an API error body, which makes no
// sense for an image and is skipped there.
func (f Fault) jsonLevel() bool {
	return f == FaultSystemError || f == FaultMinuteQuota || f == FaultCutJSON
}

// The API paths the fake serves, as the real API spells them.
const (
	PathToken             = "/cgi-bin/token"
	PathStableToken       = "/cgi-bin/stable_token"
	PathMaterialCount     = "/cgi-bin/material/get_materialcount"
	PathBatchGetMaterial  = "/cgi-bin/material/batchget_material"
	PathGetMaterial       = "/cgi-bin/material/get_material"
	PathFreePublishList   = "/cgi-bin/freepublish/batchget"
	PathDraftCount        = "/cgi-bin/draft/count"
	PathDraftList         = "/cgi-bin/draft/batchget"
	PathQuotaGet          = "/cgi-bin/openapi/quota/get"
	imageStatsPath        = "images"
	defaultSlowBody       = 10 * time.Second
	stableForceDailyLimit = 20
)

// DefaultQuotas are the daily limits of a new account (docs/wechat-api.md §7,
// API_Call_Limits). batchget_material and get_materialcount are not in the
// official table; 1000 is assumed from a community report (§0.3), and
// get_material is assumed to share the media-download limit. quota/get itself
// is not limited.
var DefaultQuotas = map[string]int{
	PathToken:            2000,
	PathStableToken:      500000,
	PathMaterialCount:    1000,
	PathBatchGetMaterial: 1000,
	PathGetMaterial:      200000,
	PathFreePublishList:  100,
	PathDraftCount:       1000,
	PathDraftList:        1000,
}
