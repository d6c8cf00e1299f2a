package wechattest

import (
	"fmt"
	"hash/fnv"
	"html"
	"strconv"
	"strings"
	"time"
)

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
