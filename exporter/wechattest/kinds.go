package wechattest

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"html"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Post kinds beyond the ordinary article. Since 2020 an account can publish
// picture posts (图片分享 / 小绿书), text posts (文本分享), shares of another
// account's article (文章分享, 转载) and video posts, and their pages are of
// other shapes than an article's (docs/wechat-api.md §12): the title, text and
// pictures of a picture post are only in the page's window.cgiDataNew
// object, a text post's text is in cgiDataNew.text_page_info and
// window.__QMTPL_SSR_DATA__, a share is an article page whose body is the
// original's and which names the original in copyright_info. The fake
// writes these pages after the real ones in exporter/testdata/pages/real
// (w05–w09 pictures, w10–w14 text, w15–w17 shares), so that a parser built
// on the real pages reads the fake's unchanged. Video posts are the
// exception: no captured page exists, see videoPageInfo.
//
// Through the API a picture post is an item with article_type "newspic":
// plain text in content and its pictures as permanent image materials in
// image_info.image_list (archive/testdata/a25-draft-get-newspic-wxjava.json).

// PostKind is what a post is, as the issue's `type:` names it.
type PostKind string

// The kinds. An ordinary article is KindArticle.
const (
	KindArticle PostKind = "article"
	KindPicture PostKind = "picture" // item_show_type 8
	KindText    PostKind = "text"    // item_show_type 10
	KindShare   PostKind = "share"   // item_show_type 0, copyright_stat 2
	KindVideo   PostKind = "video"   // item_show_type 5
)

// itemShowType is the page's item_show_type of a kind.
func (k PostKind) itemShowType() int {
	switch k {
	case KindPicture:
		return 8
	case KindText:
		return 10
	case KindVideo:
		return 5
	}
	return 0
}

// postInfo is what an item holds beyond the API fields: its kind and what its
// page shows. The zero value is an ordinary article.
type postInfo struct {
	kind PostKind // "" is an ordinary article
	// text is a picture, text or video post's text as WeChat keeps it
	// (content_noencode): plain text with \n line breaks and, now and then,
	// inline <a> markup (links to articles, references to pictures), as in
	// w08. For a newspic API item it is also the item's content.
	text string
	// pictures of a picture post, in order.
	pictures []picture
	// userTitle: a text post whose author wrote a title (is_user_title 1).
	// Without one WeChat uses the whole text as the title.
	userTitle bool
	share     *shareInfo
	video     *videoInfo
	// plainJS writes cgiDataNew in the 2026 dialect: plain '…' literals
	// (w09, captured 2026-06) instead of JsDecode('…') (w05–w08, 2025).
	// WeChat switched site-wide; the fake mixes both so a parser meets both.
	plainJS bool
	// nickname is the account an original article belongs to ("": this
	// account).
	nickname string
	// original marks a post as 原创 (copyright_stat 1).
	original bool
	// album, when set, puts the post in an album (appmsgalbuminfo), whose
	// own title and link are a trap for a parser that greps for "title:".
	album string
}

// picture is one picture of a picture post or newspic item.
type picture struct {
	imageID string
	url     string // on mmbizHost, as the page's cdn_url (…/0?wx_fmt=…&from=appmsg)
	// mediaID is the permanent image material of a newspic item's picture
	// (image_info.image_list[].image_media_id); "" for page-only posts.
	mediaID string
}

// shareInfo is what a share's page says about the original.
type shareInfo struct {
	original   *item // in account.originals
	platform   string
	sourceBiz  string // __biz of the original's account
	sourceUser string // its gh_ user name
	headImg    string // its avatar
	desc       string // its profile description
	// note is the sharing account's recommendation (编者荐语), "" for none:
	// w16 has one, w15 and w17 none.
	note string
}

// videoInfo is a video post's video. Not modelled on a captured page.
type videoInfo struct {
	vid      string // wxv_…
	file     string // its file on the fake's video host
	seconds  int
	coverURL string
}

// --- the cgiDataNew dialect ---

// jsObj, jsArr and jsNum are values of WeChat's object literal: an
// object's members in order, an array, and a number, which WeChat writes as
// a string times one ('8' * 1). Strings are Go strings, booleans Go bools.
type (
	jsObj []jsKV
	jsKV  struct {
		k string
		v any
	}
	jsArr []any
	jsNum string
)

func num(n int64) jsNum { return jsNum(strconv.FormatInt(n, 10)) }

// cgiEscape writes a string for a '…' literal the way WeChat's templates do:
// exactly the characters its JsDecode undoes, as \xNN (w05's JsDecode:
// \x5c \x0d \x22 \x26 \x27 \x3c \x3e \x0a).
func cgiEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '\r', '"', '&', '\'', '<', '>', '\n':
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cgiWriter writes an object literal in the layout of the real pages: one
// member a line, four spaces a level, a trailing comma after every member
// and element, empty arrays and objects opened and closed on two lines.
type cgiWriter struct {
	b     strings.Builder
	plain bool
}

func (w *cgiWriter) pad(n int) { w.b.WriteString(strings.Repeat(" ", n)) }

func (w *cgiWriter) members(o jsObj, indent int) {
	for _, kv := range o {
		w.pad(indent)
		w.b.WriteString(kv.k)
		w.b.WriteString(": ")
		w.value(kv.v, indent)
		w.b.WriteString(",\n")
	}
}

func (w *cgiWriter) value(v any, indent int) {
	switch x := v.(type) {
	case jsObj:
		w.b.WriteString("{\n")
		w.members(x, indent+4)
		w.pad(indent)
		w.b.WriteString("}")
	case jsArr:
		w.b.WriteString("[\n")
		for _, e := range x {
			w.pad(indent + 4)
			w.value(e, indent+4)
			w.b.WriteString(",\n")
		}
		w.pad(indent)
		w.b.WriteString("]")
	case jsNum:
		fmt.Fprintf(&w.b, "'%s' * 1", x)
	case bool:
		w.b.WriteString(strconv.FormatBool(x))
	case string:
		if w.plain {
			w.b.WriteString("'" + cgiEscape(x) + "'")
		} else {
			w.b.WriteString("JsDecode('" + cgiEscape(x) + "')")
		}
	default:
		panic(fmt.Sprintf("wechattest: no JS form for %T", v))
	}
}

// cgiScript is the whole <script> that sets window.cgiDataNew, with the
// JsDecode helper in the 2025 dialect and without it in the 2026 one.
func cgiScript(data jsObj, plain bool, nonce string) string {
	w := &cgiWriter{plain: plain}
	w.b.WriteString(`<script type="text/javascript" h5only nonce="` + nonce + `" reportloaderror>` + "\n    (function() {\n")
	if !plain {
		w.b.WriteString(`        function JsDecode(str) {
            return str && str
                .replace(/\\x5c/g, '\\')
                .replace(/\\x0d/g, '\r')
                .replace(/\\x22/g, '"')
                .replace(/\\x26/g, '&')
                .replace(/\\x27/g, '\'')
                .replace(/\\x3c/g, '<')
                .replace(/\\x3e/g, '>')
                .replace(/\\x0a/g, '\n');
        }
`)
	}
	w.b.WriteString("        try {\n            window.cgiDataNew = {\n")
	w.members(data, 16)
	w.b.WriteString("\n            };\n        } catch (e) {\n            window.cgiError = e;\n        }\n    })();\n</script>")
	return w.b.String()
}

// ssrData writes window.__QMTPL_SSR_DATA__'s compact literal (w10–w14).
func ssrData(o jsObj) string {
	var b strings.Builder
	var write func(v any)
	write = func(v any) {
		switch x := v.(type) {
		case jsObj:
			b.WriteString("{")
			for i, kv := range x {
				if i > 0 {
					b.WriteString(",")
				}
				b.WriteString(kv.k + ":")
				write(kv.v)
			}
			b.WriteString("}")
		case jsArr:
			b.WriteString("[]")
		default:
			b.WriteString("'" + cgiEscape(fmt.Sprint(x)) + "'")
		}
	}
	write(o)
	return b.String()
}

// --- cgiDataNew of a page ---

// pageIDs are the values a page derives from its link alone, so the same
// article always gets the same page bytes whatever the clock says.
type pageIDs struct {
	sum                        uint64
	sessionID, reqID, comment  string
	svrTime                    int64
	nonce                      string
	listenID, segmentCommentID string
}

func idsOf(link string, created int64) pageIDs {
	h := fnv.New64a()
	h.Write([]byte(link))
	sum := h.Sum64()
	hex := fmt.Sprintf("%016x%016x", sum, sum*0x9e3779b97f4a7c15)
	return pageIDs{
		sum:              sum,
		sessionID:        "svr_" + hex[:11],
		reqID:            strings.ToUpper(hex[:4]) + hex[4:24],
		comment:          strconv.FormatUint(4000000000000000000+sum%999999999999999999, 10),
		svrTime:          created + 86400*int64(30+sum%400),
		nonce:            strconv.FormatUint(sum%2000000000, 10),
		listenID:         strconv.FormatUint(150000000000000000+sum%9999999999999999, 10),
		segmentCommentID: strconv.FormatUint(4100000000000000000+sum%99999999999999999, 10),
	}
}

// accountIDs are the account-level values pages repeat: gh_ user name,
// app id and avatar, derived from __biz.
func accountIDs(biz string) (userName, appID, headImg, hdHead string) {
	h := fnv.New64a()
	h.Write([]byte(biz))
	sum := h.Sum64()
	hex := fmt.Sprintf("%016x", sum)
	userName = "gh_" + hex[:12]
	appID = "wx" + fmt.Sprintf("%016x", sum*0x9e3779b97f4a7c15)
	headImg = "http://" + mmbizHost + "/mmbiz_png/" + avatarID(biz) + "/0?wx_fmt=png"
	hdHead = "http://wx.qlogo.cn/mmhead/Q3auHgzwzM" + demoID("hd:"+biz, 38) + "/0"
	return
}

// avatarID is the image id of an account's round_head_img; New registers
// it so the avatar is served.
func avatarID(biz string) string { return "Avatar" + demoID("avatar:"+biz, 40) }

func chinaTime(unix int64) string {
	return time.Unix(unix, 0).In(chinaZone).Format("2006-01-02 15:04")
}

// cgiData builds a page's cgiDataNew: the subset of WeChat's fields a
// reader needs (title, text, times, account, ids, copyright, pictures,
// text, video) in WeChat's order, among noise fields a reader must skip.
// s.mu held.
func (s *Server) cgiData(pd *pageData, it *item) jsObj {
	ids := idsOf(pd.Link, pd.CreateTime)
	kind := it.kind
	if kind == "" {
		kind = KindArticle
	}
	userName, appID, headImg, hdHead := accountIDs(pd.Biz)
	text := it.text
	desc := ""
	contentNoEncode := ""
	switch kind {
	case KindPicture, KindVideo:
		desc = wxEscape(text)
		contentNoEncode = text
	case KindText:
		// A text post's own top-level content_noencode is empty on some
		// pages (w10) and the text on others (w11, w12); the text is
		// always in text_page_info.
		if it.userTitle || ids.sum%3 != 0 {
			contentNoEncode = text
		}
	default:
		desc = pd.Digest
		contentNoEncode = pd.Content
	}
	mid, _ := strconv.ParseInt(pd.Mid, 10, 64)
	idx, _ := strconv.ParseInt(pd.Idx, 10, 64)

	copyright := jsObj{{"copyright_stat", num(int64(pd.Copyright))}}
	if sh := pd.Share; sh != nil {
		copyright = append(copyright,
			jsKV{"platform", sh.Platform},
			jsKV{"reprint_url", html.EscapeString(sh.ReprintURL)},
			jsKV{"source_username", sh.SourceUsername},
			jsKV{"source_headimg", sh.HeadImg},
			jsKV{"card_pos", num(0)},
			jsKV{"reprint_ticket", sh.Ticket},
			jsKV{"source_mid", jsNum(sh.SourceMid)},
			jsKV{"source_idx", jsNum(sh.SourceIdx)},
			jsKV{"source_biz", jsNum(sh.SourceBizNum)},
			jsKV{"hide_source", num(0)},
			jsKV{"source_encode_biz", sh.SourceBiz},
			jsKV{"guide_words", ""},
			jsKV{"reprint_style", num(0)},
			jsKV{"reprint_type", num(3)},
			jsKV{"reprint_recommend_title", ""},
			jsKV{"reprint_recommend_content_noencode", sh.Note},
			jsKV{"profile_description", sh.Desc},
		)
	}
	copyright = append(copyright, jsKV{"is_cartoon_copyright", num(0)})

	o := jsObj{
		{"base_resp", jsObj{{"ret", num(0)}, {"errmsg", "ok"}, {"wxtoken", num(777)}, {"cookie_count", num(0)}, {"sessionid", ids.sessionID}}},
		{"user_name", userName},
		{"nick_name", pd.Nickname},
		{"round_head_img", headImg},
		{"title", pd.Title},
		{"desc", desc},
		{"content_noencode", contentNoEncode},
		{"create_time", chinaTime(pd.CreateTime)},
		{"cdn_url", pd.Cover},
		{"link", html.EscapeString(pd.Link)},
		{"source_url", pd.SourceURL},
		{"can_share", num(1)},
		{"alias", ""},
		{"type", num(9)},
		{"author", pd.Author},
		{"is_limit_user", num(0)},
		{"show_cover_pic", num(0)},
		{"advertisement_info", jsArr{}},
		{"ori_create_time", num(pd.CreateTime)},
		{"user_uin", num(0)},
		{"total_item_num", num(1)},
		{"is_async", num(1)},
		{"comment_id", ids.comment},
		{"img_format", "jpeg"},
		{"svr_time", num(ids.svrTime)},
		{"copyright_info", copyright},
		{"can_reward", num(0)},
		{"signature", pd.Signature},
		{"in_mm", num(0)},
		{"app_id", appID},
		{"show_comment", num(0)},
		{"hd_head_img", hdHead},
		{"del_reason_id", num(0)},
		{"bizuin", pd.Biz},
		{"mid", num(mid)},
		{"idx", num(idx)},
		{"sn", pd.Sn},
		{"is_only_read", num(1)},
		{"req_id", ids.reqID},
		{"csp_nonce_str", jsNum(pd.Nonce)},
		{"msg_daily_idx", num(1)},
		{"ori_head_img_url", strings.TrimSuffix(hdHead, "/0") + "/132"},
		{"appmsg_fe_filter", "contenteditable"},
		{"is_login", num(0)},
	}
	if kind != KindArticle && kind != KindShare {
		o = append(o, jsKV{"page_type", num(2)})
	}
	o = append(o,
		jsKV{"item_show_type", num(int64(kind.itemShowType()))},
		jsKV{"voice_in_appmsg", jsArr{}},
		jsKV{"video_page_info", videoPageInfo(it)},
		jsKV{"malicious_title_reason_id", num(0)},
		jsKV{"picture_page_info_list", s.picturePageInfoList(it, ids)},
	)
	if kind == KindText {
		o = append(o, jsKV{"text_page_info", jsObj{
			{"content", text},
			{"content_noencode", text},
			{"short_msg_pic_url", jsArr{}},
			{"picture_info", jsArr{}},
			{"is_user_title", num(b2i(it.userTitle))},
		}})
	}
	var videoIDs jsArr
	if it.video != nil {
		videoIDs = jsArr{it.video.vid}
	}
	o = append(o,
		jsKV{"locationlist", jsArr{}},
		jsKV{"is_top_stories", num(0)},
		jsKV{"video_ids", videoIDs},
		jsKV{"cdn_url_235_1", pd.Cover},
		jsKV{"cdn_url_1_1", pd.Cover},
		jsKV{"ori_send_time", num(pd.CreateTime)},
		jsKV{"user_info", jsObj{
			{"is_paid", num(0)},
			{"clientversion", ""},
			{"ckeys", jsArr{}},
			{"fasttmpl_infos", jsArr{jsObj{{"type", num(4)}, {"version", num(7992754)}, {"lang", "zh_CN"}, {"fullversion", "7992754-zh_CN-html"}, {"versiongroup", "zh_CN-html"}}}},
			{"isoversea", num(1)},
			{"search_keyword", jsObj{{"item_list", jsArr{}}, {"exp_info", ""}, {"need_baike_preload", true}, {"show_ad_keyword", false}, {"ad_item_list", jsArr{}}}},
		}},
	)
	if it.album != "" {
		albumID := strconv.FormatUint(4170000000000000000+fnvSum(pd.Biz+"|"+it.album)%9999999999999999, 10)
		albumLink := "https://mp.weixin.qq.com/mp/appmsgalbum?__biz=" + pd.Biz + "&action=getalbum&album_id=" + albumID + "#wechat_redirect"
		o = append(o, jsKV{"appmsgalbuminfo", jsObj{
			{"album_id", albumID},
			{"title", it.album},
			{"link", html.EscapeString(albumLink)},
			{"isupdating", num(1)},
			{"content_size", num(int64(3 + ids.sum%20))},
			{"fee", num(0)},
		}})
	}
	o = append(o,
		jsKV{"lang", "zh_CN"},
		jsKV{"real_item_show_type", num(int64(kind.itemShowType()))},
		jsKV{"url_item_show_type", num(0)},
		jsKV{"video_page_infos", jsArr{}},
		jsKV{"create_timestamp", num(pd.CreateTime)},
		jsKV{"segment_comment_id", ids.segmentCommentID},
		jsKV{"appmsg_listen_id", ids.listenID},
		jsKV{"title_gen_type", num(0)},
		jsKV{"desc_empty", desc == ""},
		jsKV{"hashtags", jsObj{{"hashtag", jsArr{}}}},
		jsKV{"aigc_pictures", jsArr{}},
	)
	return o
}

// wxEscape escapes text the way WeChat's templates do: quotes as &quot;
// (w08, w09: \x26quot;), where Go's html.EscapeString writes &#34;.
var wxEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;").Replace

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func fnvSum(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// picturePageInfoList is a picture post's pictures as its page lists them
// (w05): cdn_url with its query HTML-escaped (\x26amp; once JS-escaped),
// the real pixel size, and the noise each entry carries. s.mu held.
func (s *Server) picturePageInfoList(it *item, ids pageIDs) jsArr {
	if it.kind != KindPicture {
		return jsArr{}
	}
	out := jsArr{}
	for i, p := range it.pictures {
		w, h := imageSize(p.imageID, s.images.scale)
		brightness := fmt.Sprintf("0.9%07d", (ids.sum>>uint(i%32))%10000000)
		out = append(out, jsObj{
			{"cdn_url", html.EscapeString(p.url)},
			{"width", num(int64(w))},
			{"height", num(int64(h))},
			{"theme_color", "rgb(255,255,255)"},
			{"is_qr_code", num(0)},
			{"poi_info", jsArr{}},
			{"wxa_info", jsArr{}},
			{"live_photo", jsObj{{"format_info", jsArr{}}}},
			{"disable_theme_color", true},
			{"bind_ad_info", jsArr{}},
			{"cps_ad_info", jsArr{}},
			{"pic_window_product", jsObj{{"product_encrypt_key", ""}, {"product_type", num(0)}, {"title", ""}, {"data_type", num(0)}, {"product_id", ""}}},
			{"show_watermark", true},
			{"bottom_right_brightness", jsNum(brightness)},
			{"watermark_info", jsObj{{"cdn_url", watermarkURL(it)}, {"is_uploader", true}}},
			{"spot_product_info", jsArr{}},
			{"share_cover", jsObj{{"file_id", num(0)}, {"width", num(0)}, {"height", num(0)}, {"cdn_url", ""}, {"crop_info", ""}}},
		})
	}
	return out
}

// watermarkURL is the account watermark a picture post's pictures carry; it
// is registered (servable) like the pictures.
func watermarkURL(it *item) string {
	if len(it.pictures) == 0 {
		return ""
	}
	return "http://" + mmbizHost + "/mmbiz_png/Wm" + demoID("watermark:"+it.pictures[0].imageID, 40) + "/0?wx_fmt=png"
}

// videoPageInfo is video_page_info: empty but present on every real page;
// for a video post it names the video. No video post was ever captured, so
// the filled shape (video_id, cover_url, duration, mp_video_trans_info[] of
// url/format_id/width/height) is our guess, after the fields the exporter
// community reads from article pages' video_page_infos (docs/wechat-api.md §8.2).
func videoPageInfo(it *item) jsObj {
	v := it.video
	if v == nil {
		return jsObj{{"mp_video_trans_info", jsArr{}}, {"drama_video_info", jsObj{}}, {"drama_info", jsObj{}}}
	}
	return jsObj{
		{"video_id", v.vid},
		{"is_mp_video", num(1)},
		{"cover_url", v.coverURL},
		{"duration", num(int64(v.seconds))},
		{"mp_video_trans_info", jsArr{jsObj{
			{"url", html.EscapeString(videoURL(v))},
			{"format_id", num(10002)},
			{"width", num(1280)},
			{"height", num(720)},
			{"duration_ms", num(int64(v.seconds) * 1000)},
			{"video_quality_level", num(2)},
			{"video_quality_wording", "超清"},
		}}},
		{"drama_video_info", jsObj{}},
		{"drama_info", jsObj{}},
	}
}

// videoURL is where the fake's video host plays a video post's file; the
// host placeholder is swapped for the server's like image hosts.
func videoURL(v *videoInfo) string {
	return "https://" + mmbizHost + videoHostPath + v.file + "?vkey=" + strings.ToUpper(demoHex("vkey:"+v.vid, 32)) + "&sha=0&save=1"
}

// --- generated page-only posts ---

// generatePagePosts writes Options.PicturePosts, TextPosts, SharePosts and
// VideoPosts page-only posts, from their own random stream, so that the
// lists and the mass-sent articles stay byte-identical per seed whatever
// these counts are.
func generatePagePosts(acct *account, opts Options) {
	counts := []struct {
		kind PostKind
		n    int
	}{{KindPicture, opts.PicturePosts}, {KindText, opts.TextPosts}, {KindShare, opts.SharePosts}, {KindVideo, opts.VideoPosts}}
	var kinds []PostKind
	for _, c := range counts {
		for range max(c.n, 0) {
			kinds = append(kinds, c.kind)
		}
	}
	if len(kinds) == 0 || opts.Demo {
		return
	}
	g := &generator{r: rand.New(rand.NewPCG(uint64(opts.Seed), 0x6b696e6473)), acct: acct}
	for range 2 {
		im := g.newImage()
		im.prefix, im.wxFmt, im.extra = "mmbiz_png", "png", ""
		g.shared = append(g.shared, g.register(im))
	}
	// Texts link the account's own articles now and then, as people do.
	for _, m := range acct.published {
		if len(g.links) == 8 {
			break
		}
		g.links = append(g.links, articleLink{m.items[0].url, m.items[0].title})
	}
	g.r.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	at := time.Date(2023, 6, 1, 9, 0, 0, 0, chinaZone)
	for n, kind := range kinds {
		at = at.Add(time.Duration(30+g.r.IntN(400)) * time.Hour)
		mid := acct.nextMid
		acct.nextMid++
		it := &item{author: "", needOpenComment: 1}
		it.url = g.articleURL(SourcePublished, mid, 1)
		it.kind = kind
		it.plainJS = g.r.IntN(2) == 0
		if g.r.IntN(4) == 0 {
			it.album = pick(g.r, albumTitles)
		}
		switch kind {
		case KindPicture:
			g.picturePost(it)
		case KindText:
			g.textPost(it)
		case KindShare:
			g.sharePost(it, at)
		case KindVideo:
			g.videoPost(it)
		}
		m := &message{source: SourcePublished, id: fmt.Sprintf("pagepost-%d", n+1), created: at.Unix(), updated: at.Unix(), items: []*item{it}}
		acct.pagePosts = append(acct.pagePosts, m)
	}
}

// postText writes the text of a picture, text or video post: a few short
// paragraphs separated by blank lines, as people type them in the app.
func (g *generator) postText(paragraphs int) string {
	var ps []string
	for range paragraphs {
		var t strings.Builder
		g.paragraphText(&t)
		ps = append(ps, t.String())
	}
	return strings.Join(ps, "\n\n")
}

// cover registers a JPEG cover for a page-only post (not an image material:
// page-only posts are not in the API).
func (g *generator) pageCover() string {
	im := imageRef{id: g.imageID(), prefix: "mmbiz_jpg", wxFmt: "jpeg", size: "0"}
	g.register(im)
	return im.url()
}

func (g *generator) picturePost(it *item) {
	it.title = pick(g.r, pictureTitles)
	it.text = g.postText(1 + g.r.IntN(4))
	n := 1 + g.r.IntN(9)
	for range n {
		im := g.newImage()
		if im.wxFmt != "png" && im.wxFmt != "jpeg" {
			im.prefix, im.wxFmt = "mmbiz_jpg", "jpeg"
		}
		im.prefix = strings.TrimPrefix(im.prefix, "sz_")
		if im.prefix == "mmbiz" {
			im.prefix = "mmbiz_png"
		}
		im.size, im.extra = "0", "&from=appmsg"
		g.register(im)
		it.pictures = append(it.pictures, picture{imageID: im.id, url: im.url()})
	}
	// Some texts refer to a picture by number, in the markup WeChat keeps
	// (w08), or link an earlier article.
	if n > 1 && g.r.IntN(3) == 0 {
		seq := 1 + g.r.IntN(n)
		it.text += fmt.Sprintf("\n\n%s<a class=\"wx_img_refer_link\" data-seq=\"%d\" data-refer=\"图%d\" style=\"\">图%d</a>", pick(g.r, chineseSentences), seq, seq, seq)
	}
	if len(g.links) > 0 && g.r.IntN(4) == 0 {
		it.text += "\n\n" + articleTextLink(g.links[g.r.IntN(len(g.links))])
	}
	it.thumbURL = g.pageCover()
	g.acct.registerImages(watermarkURL(it))
	it.digest = firstRunes(it.text, 54)
}

// articleTextLink is a link to an article inside a post's text, in the
// markup WeChat keeps in content_noencode (w08): href HTML-escaped.
func articleTextLink(l articleLink) string {
	target := strings.Replace(strings.TrimSuffix(l.url, "#rd"), "http://", "https://", 1)
	if i := strings.Index(target, "&chksm="); i > 0 {
		target = target[:i]
	}
	return fmt.Sprintf(`<a href="%s&amp;scene=21#wechat_redirect" class="normal_text_link mp_article_text_link" target="_blank" data-itemshowtype="0">%s</a>`,
		html.EscapeString(target), wxEscape(l.title))
}

func (g *generator) textPost(it *item) {
	it.text = g.postText(1 + g.r.IntN(4))
	if g.r.IntN(3) == 0 {
		it.text += "\n" + pick(g.r, sourceURLs)
	}
	it.userTitle = g.r.IntN(3) == 0
	if it.userTitle {
		it.title = pick(g.r, titleTopics)
	} else {
		it.title = it.text
	}
}

func (g *generator) sharePost(it *item, at time.Time) {
	orig, sh := g.original(at)
	it.share = sh
	it.title, it.author, it.digest, it.content = orig.title, orig.author, orig.digest, orig.content
	it.thumbURL = orig.thumbURL
	if g.r.IntN(2) == 0 {
		sh.note = g.postText(1)
	}
}

// original writes another account's article for a share to point at,
// filed in acct.originals so its page is served (for --follow-shares).
func (g *generator) original(before time.Time) (*item, *shareInfo) {
	bizNum := 2000000000 + g.r.Int64N(999999999)
	biz := base64.StdEncoding.EncodeToString([]byte(strconv.FormatInt(bizNum, 10)))
	name := pick(g.r, foreignAccounts)
	created := before.Add(-time.Duration(1+g.r.IntN(72)) * time.Hour)
	content, text := g.content()
	orig := &item{
		title: g.title(), author: pick(g.r, authors), content: content,
		digest: firstRunes(text, 54), needOpenComment: 1,
		postInfo: postInfo{nickname: name, original: true},
	}
	if strings.ContainsAny(orig.title, "\n") {
		orig.title = pick(g.r, titleTopics)
	}
	orig.url = fmt.Sprintf("http://mp.weixin.qq.com/s?__biz=%s&mid=%d&idx=1&sn=%s&chksm=%s#rd",
		biz, 2247480000+g.r.Int64N(99999), g.hex(32), g.hex(108))
	orig.thumbURL = g.pageCover()
	g.acct.originals = append(g.acct.originals, &message{
		source: SourcePublished, id: "original-" + strconv.Itoa(len(g.acct.originals)+1),
		created: created.Unix(), updated: created.Unix(), items: []*item{orig},
	})
	// The card shows the account's avatar, the one its own pages show
	// (registerPageMedia serves it).
	userName, _, head, _ := accountIDs(biz)
	return orig, &shareInfo{
		original: orig, platform: name, sourceBiz: biz, sourceUser: userName,
		headImg: head, desc: pick(g.r, digests),
	}
}

func (g *generator) videoPost(it *item) {
	it.title = pick(g.r, titleTopics)
	it.text = g.postText(1)
	it.thumbURL = g.pageCover()
	vid := fmt.Sprintf("wxv_%d", 3000000000000000000+g.r.Int64N(999999999999999999))
	it.video = &videoInfo{vid: vid, file: "1070_" + g.hex(32) + ".f10002.mp4", seconds: 20 + g.r.IntN(600), coverURL: it.thumbURL}
	it.digest = firstRunes(it.text, 54)
}

// generateNewspic adds Options.Newspic picture posts to the API lists, from
// their own random stream: published items and drafts in turn, each with
// article_type newspic, its text as content and its pictures as permanent
// image materials (image_info.image_list).
func generateNewspic(acct *account, opts Options) {
	if opts.Newspic <= 0 || opts.Demo {
		return
	}
	g := &generator{r: rand.New(rand.NewPCG(uint64(opts.Seed), 0x6e657773706963)), acct: acct}
	at := publishedEraStart.Add(36 * time.Hour)
	for n := range opts.Newspic {
		at = at.Add(time.Duration(100+g.r.IntN(2000)) * time.Hour)
		if at.After(publishedEraEnd) {
			at = publishedEraEnd.Add(-time.Duration(n) * time.Hour)
		}
		src := SourcePublished
		if n%2 == 1 {
			src = SourceDrafts
		}
		mid := acct.nextMid
		acct.nextMid++
		it := &item{title: pick(g.r, pictureTitles), needOpenComment: 1, showCoverPic: 0}
		it.kind = KindPicture
		it.plainJS = g.r.IntN(2) == 0
		it.text = g.postText(1 + g.r.IntN(3))
		it.content = it.text
		it.url = g.articleURL(src, mid, 1)
		if src == SourcePublished {
			it.digest = firstRunes(it.text, 54)
		}
		for k := range 1 + g.r.IntN(6) {
			g.thumbSeq++
			t := &thumb{
				mediaID: g.mediaID(),
				name:    fmt.Sprintf("newspic_%03d_%d.jpg", n+1, k+1),
				imageID: g.imageID(),
				updated: at.Unix(),
			}
			t.url = imageRef{id: t.imageID, prefix: "mmbiz_jpg", wxFmt: "jpeg", size: "0"}.url()
			acct.addThumb(t)
			it.pictures = append(it.pictures, picture{imageID: t.imageID, mediaID: t.mediaID, url: t.url + "&from=appmsg"})
		}
		it.thumbMediaID, it.thumbURL = it.pictures[0].mediaID, strings.TrimSuffix(it.pictures[0].url, "&from=appmsg")
		acct.registerImages(watermarkURL(it))
		m := &message{source: src, created: at.Unix(), updated: at.Unix(), items: []*item{it}}
		if src == SourcePublished {
			m.id = g.chars(43, idAlphabet+"-_")
		} else {
			m.id = g.mediaID()
		}
		acct.addMessage(m)
		acct.sortList(src)
	}
}

// --- listing ---

// PagePosts returns the page-only posts of the newer kinds
// (Options.PicturePosts, TextPosts, SharePosts, VideoPosts, and the demo's),
// oldest first. No list API returns them: a backup reaches them only by
// their links.
func (s *Server) PagePosts() []Article {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.viewAll(s.acct.pagePosts)
}

// SharedOriginals returns the other accounts' articles that shares point
// at, each served on its own link (the share's copyright_info.reprint_url).
func (s *Server) SharedOriginals() []Article {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.viewAll(s.acct.originals)
}

func (s *Server) viewAll(msgs []*message) []Article {
	var out []Article
	for _, m := range msgs {
		for i, it := range m.items {
			a := s.view(m, i, it)
			a.CreateTime = time.Unix(m.created, 0).In(chinaZone)
			out = append(out, a)
		}
	}
	return out
}

// PageLinks returns the links of every page-only article, mass-sent ones
// and posts of the newer kinds, oldest first, in the form a user copies
// from a browser (ArticleLink): what a links file for the urls source
// holds. Shared originals are not among them: they are another account's.
func (s *Server) PageLinks() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var msgs []*message
	msgs = append(msgs, s.pages.massSent...)
	msgs = append(msgs, s.acct.pagePosts...)
	// Oldest first across both lists; stable, so equal times keep list order.
	slices.SortStableFunc(msgs, func(a, b *message) int { return cmp.Compare(a.created, b.created) })
	var out []string
	for _, m := range msgs {
		for _, it := range m.items {
			out = append(out, ArticleLink(it.url))
		}
	}
	return out
}

var pictureTitles = []string{
	"周末随手拍", "今天的咖啡拉花", "书桌一角", "雨后的胡同", "旧书摊淘到的几本书",
	"新工位", "下班路上的晚霞", "这周读完的三本书", "手冲器具全家福", "Weekend snapshots",
}

var albumTitles = []string{"周末随拍", "读书笔记", "慢读技术周刊"}

// foreignAccounts are the other (fictional) accounts whose articles shares
// point at.
var foreignAccounts = []string{"一周进步", "旧书店日记", "码农的自留地", "Tea & TCP"}

// markOriginals marks a third of the ordinary articles 原创, chosen by
// their links so the API's answers (which do not show it) stay as they
// were; pages show it as copyright_stat 1.
func (s *Server) markOriginals() {
	for _, list := range [][]*message{s.acct.news, s.acct.published, s.pages.massSent} {
		for _, m := range list {
			for _, it := range m.items {
				if it.kind == "" && fnvSum("original|"+it.url)%3 == 0 {
					it.original = true
				}
			}
		}
	}
}

// registerPageMedia makes what pages show besides content servable: the
// avatars of this account and of the accounts shares point at, and the
// video posts' files on the video host.
func (s *Server) registerPageMedia() {
	bizs := []string{s.acct.biz}
	for _, m := range s.acct.originals {
		u, err := url.Parse(m.items[0].url)
		if err == nil {
			bizs = append(bizs, u.Query().Get("__biz"))
		}
	}
	for _, biz := range bizs {
		s.acct.images[avatarID(biz)] = formatPNG
	}
	for _, m := range s.acct.pagePosts {
		for _, it := range m.items {
			if v := it.video; v != nil {
				s.media.byFile[v.file] = &mediaMaterial{kind: "video", mediaID: v.vid, name: v.vid + ".mp4"}
			}
		}
	}
}
