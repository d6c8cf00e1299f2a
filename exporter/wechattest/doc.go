// Package wechattest is a fake WeChat Official Account (公众号) API for
// tests and demos: a real HTTP server on loopback, like net/http/httptest,
// with one generated (or hand-written) account behind it.
//
//	srv, err := wechattest.NewServer(wechattest.Options{Articles: 200, Seed: 1})
//	defer srv.Close()
//	// point the client at srv.URL() (mparchive's --api-base)
//
// It answers the endpoints a backup needs on their real paths: token and
// stable_token, material/get_materialcount, batchget_material and
// get_material, freepublish/batchget, draft/count and draft/batchget, and
// openapi/quota/get. It also hosts the account's images under mmbiz-style
// paths (/mmbiz_png/<id>/640?wx_fmt=png), because article content links
// images absolutely and a client must be able to download them offline,
// and the voices content names on the public player's path
// (/voice/getvoice?mediaid=<voice_encode_fileid>, voice.go), which a client
// reaches by using URL() in place of https://res.wx.qq.com.
//
// Fidelity is the point: a client that passes against the fake should work
// against api.weixin.qq.com. The choices, with the sections of
// docs/wechat-api.md they come from:
//
//   - Errors are HTTP 200 with {"errcode","errmsg"} and errmsg ends in
//     " rid: xxxxxxxx-xxxxxxxx-xxxxxxxx" (§6); get_material errors are
//     text/plain (§3.2). JSON escapes "/" as "\/" and keeps <, >, & and
//     Chinese literal, as the real samples do.
//   - cgi-bin/token retires the previous classic token (§1.1, answered with
//     40001 after Options.TokenOverlap); stable_token keeps its token until
//     the last 5 minutes and is isolated from classic tokens (§1.2).
//   - Shapes follow the real samples in testdata/: news materials carry
//     content.create_time/update_time and thumb_url (§2); published items
//     carry article_id and is_deleted and no create_time (§4.1); drafts have
//     a temporary preview url and no is_deleted (§4.4). Only the first
//     article of a multi-article message has a digest; an empty published
//     digest is the first 54 characters of the body.
//   - Lists are newest first by update_time (undocumented, §2), so an
//     edited message jumps to the front while a client pages.
//   - Daily quotas are enforced per path (DefaultQuotas, §7) and reset at
//     midnight Asia/Shanghai by the server's clock (Options.Now, SetNow,
//     Advance, AdvanceDay); 45009 when exceeded.
//   - Content is markup as the editors write it (§8): nested styled
//     sections, <span leaf="">, lazy images with data-src, CSS background
//     images, code-snippet blocks, mpvoice, video iframes, account cards,
//     and some hostile input (scripts, odd titles) a client must survive.
//   - A foreign Referer on an image gets the hot-link placeholder (§8.1);
//     see PlaceholderSHA256.
//
// It also serves the articles' web pages on mp.weixin.qq.com's paths
// (pages.go), in the shapes of pages WeChat really served in 2025–2026
// (exporter/testdata/pages/real; docs/wechat-api.md §12): ordinary articles and
// shares with #js_content, picture posts (图片分享) and text posts (文本分享)
// whose text and pictures are only in window.cgiDataNew, written in
// WeChat's own object-literal dialect (cgiscript.go, cgidata.go), and video
// posts (kinds.go, kindposts.go). Page-only
// posts (Options.MassSent, PicturePosts, TextPosts, SharePosts, VideoPosts)
// are listed by no API, as in reality; PageLinks gives their links. Deleted,
// removed and unavailable articles, expired links and blocked, migrated or
// deregistered accounts get WeChat's message pages instead, in English when
// Accept-Language prefers it (messages.go). Through the API, picture posts
// are article_type "newspic" items whose pictures are image materials
// (Options.Newspic).
//
// Faults (Options.FaultRate, InjectFault) imitate what goes wrong in
// practice: errcode -1 and 45011, gateway 5xx pages, truncated and cut
// bodies, stalled bodies and connection resets. They are drawn from the
// seed and the request itself, so a failing run reproduces.
//
// The fake knows nothing of mparchive's client; it only speaks the API.
package wechattest
