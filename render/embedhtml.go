package render

import (
	"net/url"
	"slices"
	"strings"

	"github.com/JohannesKaufmann/dom"
	"golang.org/x/net/html"
)

// embedTag is the element the clean-up pass puts in place of every embed.
// It carries the Embed as attributes, so the renderer needs no state shared
// between passes and every conversion stays independent.
const embedTag = "mparchive-embed"

// embedKinds maps the custom elements WeChat stores in article bodies to
// embed kinds. iframe, video and audio are decided by their attributes.
// isEmbedCandidate expects every name to start with "mp" but qqmusic
// (TestEmbedKindsAreCandidates).
var embedKinds = map[string]string{
	"mpvoice":                  EmbedVoice,
	"mp-common-mpaudio":        EmbedVoice,
	"qqmusic":                  EmbedMusic,
	"mp-common-qqmusic":        EmbedMusic,
	"mp-common-music":          EmbedMusic,
	"mp-miniprogram":           EmbedMiniProgram,
	"mp-weapp":                 EmbedMiniProgram,
	"mp-common-miniprogram":    EmbedMiniProgram,
	"mp-common-profile":        EmbedProfile,
	"mpprofile":                EmbedProfile,
	"mp-common-videosnap":      EmbedChannels,
	"mpvideosnap":              EmbedChannels,
	"mp-common-channels_video": EmbedChannels,
	"mp-common-channels":       EmbedChannels,
	"mp-common-product":        EmbedProduct,
	"mpproduct":                EmbedProduct,
	"mpcps":                    EmbedProduct,
	"mp-common-cpsad":          EmbedProduct,
	"mpshop":                   EmbedShop,
	"mp-common-shopprofile":    EmbedShop,
	"mpvote":                   EmbedVote,
	"mp-common-vote":           EmbedVote,
	"mp-common-redpacket":      EmbedRedPacket,
}

// isCustomEmbedElement reports elements that are neither HTML nor known to
// us but look like WeChat widgets (mp-common-search, mpgongyi…). Empty ones
// become "other" embeds that list their attributes; ones with content are
// unwrapped so their text survives.
func isCustomEmbedElement(n *html.Node) bool {
	name := n.Data
	if name == "mp-style-type" || name == embedTag {
		return false
	}
	return strings.HasPrefix(name, "mp-") || strings.HasPrefix(name, "mp") && len(name) > 4 && !strings.ContainsAny(name, ":")
}

// isEmbedCandidate reports the elements embedOf looks at.
func isEmbedCandidate(n *html.Node) bool {
	if n.Type != html.ElementNode {
		return false
	}
	switch n.Data {
	case "iframe", "video", "audio":
		return true
	}
	// Every WeChat element's name starts with "mp" but qqmusic's: the
	// other elements, nearly all of them, need no look-up.
	if !strings.HasPrefix(n.Data, "mp") && n.Data != "qqmusic" {
		return false
	}
	_, known := embedKinds[n.Data]
	return known || isCustomEmbedElement(n)
}

// replaceEmbeds swaps every embed for an embedTag element, and unwraps
// unknown custom elements that hold content. candidates are the embed
// candidates of the document in document order, those inside others
// included; the content of an iframe, video or audio element is fallback,
// and an empty WeChat element has none, so candidates inside those are
// not embeds of the article.
func replaceEmbeds(candidates []*html.Node) {
	var found []*html.Node
	var closed map[*html.Node]bool
	for _, n := range candidates {
		if len(closed) > 0 && hasAncestorIn(n, closed) {
			continue
		}
		found = append(found, n)
		// Content of a WeChat element is kept (below), with the embeds it
		// may hold.
		if !isCustomElement(n) || childrenBlank(n) {
			if closed == nil {
				closed = map[*html.Node]bool{}
			}
			closed[n] = true
		}
	}
	for _, n := range found {
		e, ok := embedOf(n)
		if !ok {
			if n.Data == "iframe" || n.Data == "video" || n.Data == "audio" || childrenBlank(n) {
				// The empty box stood between words: they stay apart.
				n.Parent.InsertBefore(&html.Node{Type: html.TextNode, Data: " "}, n)
				n.Parent.RemoveChild(n)
			} else {
				dom.UnwrapNode(n)
			}
			continue
		}
		n.Parent.InsertBefore(embedNode(e), n)
		if isCustomElement(n) && !childrenBlank(n) {
			// WeChat's widgets are empty; text put inside one stays,
			// under the widget's card.
			n.Data, n.DataAtom, n.Attr = "div", 0, nil
			continue
		}
		n.Parent.RemoveChild(n)
	}
}

func hasAncestorIn(n *html.Node, set map[*html.Node]bool) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if set[p] {
			return true
		}
	}
	return false
}

// isCustomElement reports the WeChat elements among the embed candidates:
// the content of iframe, video and audio is fallback, not shown.
func isCustomElement(n *html.Node) bool {
	return n.Data != "iframe" && n.Data != "video" && n.Data != "audio"
}

func embedNode(e Embed) *html.Node {
	n := &html.Node{Type: html.ElementNode, Data: embedTag}
	n.Attr = []html.Attribute{
		{Key: "kind", Val: e.Kind}, {Key: "id", Val: e.ID}, {Key: "title", Val: e.Title},
		{Key: "url", Val: e.URL}, {Key: "cover", Val: e.Cover},
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		n.Attr = append(n.Attr, html.Attribute{Namespace: "f", Key: k, Val: e.Fields[k]})
	}
	return n
}

func embedFromNode(n *html.Node) Embed {
	e := Embed{Fields: map[string]string{}}
	for _, a := range n.Attr {
		if a.Namespace == "f" {
			e.Fields[a.Key] = a.Val
			continue
		}
		switch a.Key {
		case "kind":
			e.Kind = a.Val
		case "id":
			e.ID = a.Val
		case "title":
			e.Title = a.Val
		case "url":
			e.URL = a.Val
		case "cover":
			e.Cover = a.Val
		}
	}
	return e
}

func isEmbed(n *html.Node) bool {
	return n.Type == html.ElementNode && n.Data == embedTag
}

const (
	mpVideoPlayer      = "https://mp.weixin.qq.com/mp/readtemplate?t=pages/video_player_tmpl&action=mpvideo&auto=0&vid="
	tencentVideoPlayer = "https://v.qq.com/txp/iframe/player.html?vid="
	voiceDownload      = "https://res.wx.qq.com/voice/getvoice?mediaid="
	profileHome        = "https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz="
	qqMusicSong        = "https://y.qq.com/n/ryqq/songDetail/"
	mpOrigin           = "https://mp.weixin.qq.com"
)

// embedOf reads the embed an element stands for. It reports false for
// elements with nothing to keep (an iframe without any address or id).
func embedOf(n *html.Node) (Embed, bool) {
	if n.Type != html.ElementNode {
		return Embed{}, false
	}
	e := Embed{Fields: embedFields(n)}
	switch n.Data {
	case "iframe":
		iframeEmbed(n, &e)
	case "video", "audio":
		e.Kind = EmbedVideoFile
		if n.Data == "audio" {
			e.Kind = EmbedAudioFile
		}
		e.URL = attr(n, "src")
		for c := n.FirstChild; c != nil && e.URL == ""; c = c.NextSibling {
			if c.Type == html.ElementNode && c.Data == "source" {
				e.URL = attr(c, "src")
			}
		}
		if !isWebURL(e.URL) {
			e.URL = ""
		}
		e.Title = attr(n, "title")
		e.Cover = attr(n, "poster")
	default:
		kind, known := embedKinds[n.Data]
		if !known {
			if !childrenBlank(n) {
				return Embed{}, false
			}
			kind = EmbedOther
		}
		e.Kind = kind
		customEmbed(n, &e)
	}
	if e.Kind == "" {
		return Embed{}, false
	}
	if !isWebURL(e.Cover) {
		e.Cover = ""
	}
	if e.Kind == EmbedIframe && e.URL == "" && e.ID == "" && e.Cover == "" {
		return Embed{}, false
	}
	if (e.Kind == EmbedVideoFile || e.Kind == EmbedAudioFile) && e.URL == "" && e.Cover == "" {
		return Embed{}, false
	}
	e.Fields["element"] = n.Data
	return e, true
}

// embedFields keeps the attributes that carry data. Presentation attributes
// (styles, classes, sizes, dark-mode colours) say nothing about the media.
func embedFields(n *html.Node) map[string]string {
	fields := map[string]string{}
	for _, a := range n.Attr {
		key := strings.ToLower(a.Key)
		switch key {
		case "style", "class", "frameborder", "allowfullscreen", "width", "height", "data-ratio",
			"data-w", "data-style", "nodeleaf", "leaf", "contenteditable", "scrolling", "id":
			continue
		}
		if strings.HasPrefix(key, "data-darkmode") || strings.HasPrefix(key, "_") {
			continue
		}
		if v := strings.TrimSpace(a.Val); v != "" {
			fields[key] = v
		}
	}
	return fields
}

// firstAttr returns the first non-empty attribute among keys; WeChat spells
// the same field with and without a data- prefix across editor versions.
func firstAttr(n *html.Node, keys ...string) string {
	for _, k := range keys {
		if v := attr(n, k); v != "" {
			return v
		}
	}
	return ""
}

// absoluteMP resolves the site-relative addresses WeChat stores in embeds
// ("/cgi-bin/readtemplate?…") against mp.weixin.qq.com.
func absoluteMP(u string) string {
	if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") {
		return mpOrigin + u
	}
	if strings.HasPrefix(u, "//") {
		return "https:" + u
	}
	return u
}

func queryValue(u string, keys ...string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return ""
	}
	q := parsed.Query()
	for _, k := range keys {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			return v
		}
	}
	return ""
}

func iframeEmbed(n *html.Node, e *Embed) {
	src := absoluteMP(firstAttr(n, "data-src", "src"))
	display := absoluteMP(attr(n, "data-display-src"))
	class := " " + attr(n, "class") + " "
	e.Title = firstAttr(n, "data-title", "title")

	switch {
	case strings.Contains(class, "vote") || strings.Contains(src, "/vote") || strings.Contains(display, "/vote"):
		e.Kind = EmbedVote
		e.ID = firstAttr(n, "data-supervoteid", "supervoteid", "data-voteid", "voteid")
		if e.ID == "" {
			e.ID = queryValue(display, "supervoteid", "voteid")
		}
		if e.ID == "" {
			e.ID = queryValue(src, "supervoteid", "voteid")
		}
		e.URL = firstWebURL(display, src)
		return
	case strings.Contains(class, "js_editor_card") || strings.Contains(class, "card_iframe"):
		e.Kind = EmbedCard
		e.ID = firstAttr(n, "data-cardid", "cardid", "card_id")
		if e.ID == "" {
			e.ID = queryValue(firstWebURL(display, src), "card_id", "cardid")
		}
		e.URL = firstWebURL(display, src)
		return
	}

	vid := attr(n, "data-mpvid")
	if vid == "" {
		vid = queryValue(src, "vid")
	}
	if vid != "" {
		e.ID = vid
		e.Kind = EmbedVideo
		e.URL = mpVideoPlayer + url.QueryEscape(vid)
		if host := urlHost(src); host == "v.qq.com" || strings.HasSuffix(host, ".v.qq.com") || attr(n, "data-vidtype") == "1" && !strings.HasPrefix(vid, "wxv_") {
			e.Kind = EmbedTencentVideo
			e.URL = tencentVideoPlayer + url.QueryEscape(vid)
		}
		e.Cover = decodeCover(attr(n, "data-cover"))
		return
	}
	e.Kind = EmbedIframe
	if isWebURL(src) {
		e.URL = absoluteMP(src)
	}
	e.Cover = decodeCover(attr(n, "data-cover")) // the archive downloads it
}

func urlHost(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return strings.ToLower(parsed.Hostname())
}

func firstWebURL(urls ...string) string {
	for _, u := range urls {
		if isWebURL(u) {
			return absoluteMP(u)
		}
	}
	return ""
}

// decodeCover undoes the URL encoding WeChat applies to data-cover.
func decodeCover(cover string) string {
	if strings.Contains(cover, "%3A") || strings.Contains(cover, "%3a") || strings.Contains(cover, "%2F") {
		// Path unescaping, as archive.ContentImages decodes it, so that
		// the cover looked up is the one downloaded ("+" stays "+").
		if decoded, err := url.PathUnescape(cover); err == nil {
			cover = decoded
		}
	}
	return strings.TrimSpace(cover)
}

func customEmbed(n *html.Node, e *Embed) {
	switch e.Kind {
	case EmbedVoice:
		e.ID = firstAttr(n, "voice_encode_fileid", "data-voice_encode_fileid", "data-voiceid")
		e.Title = firstAttr(n, "name", "data-name", "title")
		e.Cover = firstAttr(n, "cover", "data-cover")
		if e.ID != "" {
			e.URL = voiceDownload + url.QueryEscape(e.ID)
		}
	case EmbedMusic:
		mid := firstAttr(n, "mid", "data-mid", "data-songmid")
		e.ID = mid
		if e.ID == "" {
			e.ID = firstAttr(n, "musicid", "data-musicid")
		}
		e.Title = firstAttr(n, "music_name", "data-music_name", "musicname", "data-musicname", "title")
		e.Cover = firstAttr(n, "albumurl", "data-albumurl", "cover")
		if mid != "" {
			e.URL = qqMusicSong + url.PathEscape(mid)
		} else if audio := firstAttr(n, "audiourl", "data-audiourl"); isWebURL(audio) {
			e.URL = audio
		}
	case EmbedMiniProgram:
		e.ID = firstAttr(n, "data-miniprogram-appid", "data-weappid", "weappid", "appid", "data-appid")
		e.Title = firstAttr(n, "data-miniprogram-title", "data-weappname", "data-title", "title")
		e.Cover = firstAttr(n, "data-miniprogram-imageurl", "data-imageurl", "data-weappimageurl", "imageurl")
	case EmbedProfile:
		e.ID = firstAttr(n, "data-id", "data-biz", "biz")
		e.Title = firstAttr(n, "data-nickname", "nickname")
		e.Cover = firstAttr(n, "data-headimg", "headimg")
		if e.ID != "" {
			e.URL = profileHome + e.ID + "#wechat_redirect"
		}
	case EmbedChannels:
		e.ID = firstAttr(n, "data-id", "data-object_id", "data-objectid", "data-feedid", "data-nonceid")
		e.Title = firstAttr(n, "data-desc", "data-title", "data-nickname")
		e.Cover = firstAttr(n, "data-url", "data-coverurl", "data-cover", "data-headimgurl")
	default:
		e.ID = firstAttr(n, "data-pid", "data-productid", "data-product_id", "data-supervoteid", "data-voteid",
			"data-id", "data-appid", "data-shopid", "data-coverid", "data-cover_id", "data-key", "id")
		e.Title = firstAttr(n, "data-title", "data-product_name", "data-name", "data-nickname", "title", "name")
		e.Cover = firstAttr(n, "data-img_url", "data-imageurl", "data-image", "data-cover", "data-headimg",
			"data-receive_img", "cover")
		if u := firstWebURL(attr(n, "data-url"), attr(n, "data-link"), attr(n, "href"), attr(n, "src")); u != "" && u != absoluteMP(e.Cover) {
			e.URL = u
		}
	}
}
