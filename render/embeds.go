package render

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"golang.org/x/net/html"
)

// embedTag is the element the clean-up pass puts in place of every embed.
// It carries the Embed as attributes, so the renderer needs no state shared
// between passes and every conversion stays independent.
const embedTag = "mparchive-embed"

// embedKinds maps the custom elements WeChat stores in article bodies to
// embed kinds. iframe, video and audio are decided by their attributes.
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
	_, known := embedKinds[n.Data]
	return known || isCustomEmbedElement(n)
}

// replaceEmbeds swaps every embed in doc for an embedTag element, and
// unwraps unknown custom elements that hold content.
func replaceEmbeds(doc *html.Node) {
	var found []*html.Node
	walk(doc, func(n *html.Node) bool {
		if n.Type != html.ElementNode {
			return true
		}
		if isEmbedCandidate(n) {
			found = append(found, n)
			// Content of a WeChat element is kept (below), with the
			// embeds it may hold.
			return isCustomElement(n) && !childrenBlank(n)
		}
		return true
	})
	for _, n := range found {
		e, ok := embedOf(n)
		if !ok {
			if n.Data == "iframe" || n.Data == "video" || n.Data == "audio" || childrenBlank(n) {
				// The empty box stood between words: they stay apart.
				n.Parent.InsertBefore(&html.Node{Type: html.TextNode, Data: " "}, n)
				n.Parent.RemoveChild(n)
			} else {
				unwrap(n)
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

// isCustomElement reports the WeChat elements among the embed candidates:
// the content of iframe, video and audio is fallback, not shown.
func isCustomElement(n *html.Node) bool {
	return n.Data != "iframe" && n.Data != "video" && n.Data != "audio"
}

func childrenBlank(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if !isBlank(c) {
			return false
		}
	}
	return true
}

func unwrap(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		n.RemoveChild(c)
		n.Parent.InsertBefore(c, n)
		c = next
	}
	n.Parent.RemoveChild(n)
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

// embedDetail is one "label value" part of the line under an embed, or,
// with hidden, a field that goes into the main link's title instead: an
// identifier readers have no use for, kept where outputs and tools find it.
type embedDetail struct {
	label, key string
	hidden     bool
}

// embedDetails are the fields shown, per kind, in the order shown. Kinds
// without a list here put all their fields into the link title (product,
// shop, vote…: embeds we understand only in part), except other, whose
// attributes are all there is to show.
var embedDetails = map[string][]embedDetail{
	EmbedVideo:        {},
	EmbedTencentVideo: {},
	EmbedVideoFile:    {},
	EmbedAudioFile:    {},
	EmbedIframe:       {},
	EmbedVoice:        {{label: "作者", key: "author"}, {label: "作者", key: "data-author"}},
	EmbedMusic: {{label: "歌手", key: "singer"}, {label: "歌手", key: "data-singer"},
		{key: "musicid", hidden: true}, {key: "data-musicid", hidden: true}},
	EmbedMiniProgram: {{label: "名称", key: "data-miniprogram-nickname"}, {label: "名称", key: "data-nickname"},
		{key: "data-miniprogram-path", hidden: true}, {key: "data-weapppath", hidden: true}, {key: "weapppath", hidden: true},
		{key: "data-path", hidden: true}, {key: "path", hidden: true}},
	EmbedProfile:  {{label: "微信号", key: "data-alias"}, {label: "微信号", key: "alias"}},
	EmbedChannels: {{label: "视频号", key: "data-nickname"}, {key: "data-username", hidden: true}, {key: "data-type", hidden: true}},
}

// embedActions are what following an embed's link does, said on the card:
// the affordance. An embed without a web address gets the second form,
// which tells where it opens instead, or nothing when it opens nowhere (a
// voice whose file is unknown).
var embedActions = map[string][2]string{
	EmbedVideo:        {"播放视频", "在微信中播放"},
	EmbedTencentVideo: {"播放视频", "在腾讯视频中播放"},
	EmbedVideoFile:    {"视频文件", ""},
	EmbedAudioFile:    {"音频文件", ""},
	EmbedVoice:        {"播放语音", ""},
	EmbedMusic:        {"收听", "在 QQ 音乐中收听"},
	EmbedMiniProgram:  {"打开小程序", "在微信中打开"},
	EmbedProfile:      {"查看公众号", "在微信中查看"},
	EmbedChannels:     {"观看", "在微信视频号中观看"},
	EmbedProduct:      {"查看商品", "在微信中查看"},
	EmbedShop:         {"进入小店", "在微信中查看"},
	EmbedVote:         {"参与投票", "在微信中投票"},
	EmbedCard:         {"查看卡券", "在微信中领取"},
	EmbedRedPacket:    {"领取红包封面", "在微信中领取"},
	EmbedIframe:       {"打开网页", ""},
	EmbedOther:        {"嵌入", ""},
}

// embedAction is the affordance of an embed whose link goes to dest, ""
// when there is none.
func embedAction(kind, dest string) string {
	a, ok := embedActions[kind]
	if !ok {
		a = embedActions[EmbedOther]
	}
	if dest == "#" {
		return a[1]
	}
	return a[0]
}

// embedName is what names an embed without a title: its affordance, or
// where there is none its label.
func embedName(kind, dest string) string {
	if a := embedAction(kind, dest); a != "" {
		return a
	}
	if a := embedActions[kind][0]; a != "" {
		return a
	}
	return EmbedLabel(kind)
}

func renderEmbed(ctx converter.Context, w converter.Writer, n *html.Node) converter.RenderStatus {
	e := embedFromNode(n)
	writeBlockquote(w, embedMarkdown(e, optionsFrom(ctx)))
	return converter.RenderSuccess
}

// embedMarkdown is the blockquote content documented on Embed: the cover
// (linked, except a voice's), then one line with the label, the name, the
// details readers care about and the affordance. Identifiers never show:
// they are in the main link's title (embedTitle).
func embedMarkdown(e Embed, opts Options) []string {
	label := "[" + EmbedLabel(e.Kind) + "]"
	if e.Kind == EmbedOther {
		label = "[" + EmbedLabel(e.Kind) + " " + codeSpan(e.Fields["element"]) + "]"
	}
	dest := e.URL
	if e.Kind == EmbedVoice && dest != "" {
		// A voice is a file the archive keeps: its link is the copy.
		dest = opts.mapMedia(dest)
	}
	if dest == "" {
		dest = "#"
	}
	title := embedTitle(e)
	titled := func(text string) string {
		return "[" + text + "](" + markdownDestination(dest) + ` "` + title + `")`
	}
	action := embedAction(e.Kind, dest)
	// The affordance as a link of its own, under a cover that is the main
	// link; an embed without an address says where it opens instead.
	actionLink := action
	if dest != "#" && action != "" {
		actionLink = "[" + action + "](" + markdownDestination(dest) + ")"
	}

	name := escapeText(e.Title)
	// A voice and a song show their length beside their name, where
	// readers look before they play.
	if d := formatDuration(firstNonEmpty(e.Fields["play_length"], e.Fields["data-play_length"])); d != "" && (e.Kind == EmbedVoice || e.Kind == EmbedMusic) {
		if name == "" {
			name = embedName(e.Kind, dest)
		}
		name += "（" + d + "）"
	}
	details := embedShownDetails(e)

	var paragraphs []string
	var line strings.Builder
	line.WriteString(label)
	hasCover := e.Cover != ""
	if hasCover {
		alt := EmbedLabel(e.Kind) + "封面"
		if e.Kind == EmbedProfile && e.Title != "" {
			alt = e.Title
		}
		cover := markdownImage(alt, opts.mapImage(e.Cover))
		if e.Kind != EmbedVoice {
			cover = titled(cover)
		}
		paragraphs = append(paragraphs, cover)
	}
	switch {
	case hasCover && e.Kind != EmbedVoice:
		if name != "" {
			line.WriteString(" " + name)
		}
		if len(details) > 0 {
			line.WriteString("（" + strings.Join(details, "，") + "）")
		}
		switch {
		case actionLink == "":
		case name != "" || len(details) > 0:
			line.WriteString(" · " + actionLink)
		default:
			line.WriteString(" " + actionLink)
		}
	default:
		text := name
		if text == "" {
			text = embedName(e.Kind, dest)
		}
		line.WriteString(" " + titled(text))
		if len(details) > 0 {
			line.WriteString("（" + strings.Join(details, "，") + "）")
		}
		if dest == "#" && action != "" && text != action {
			line.WriteString(" · " + action)
		}
	}
	paragraphs = append(paragraphs, line.String())

	if e.Kind == EmbedProfile {
		if sig := firstNonEmpty(e.Fields["data-signature"], e.Fields["signature"]); sig != "" {
			paragraphs = append(paragraphs, "简介："+escapeText(sig))
		}
	}
	return paragraphs
}

// embedShownDetails are the "label value" parts shown after the name: the
// kind's readable fields; for a plain file or frame the host it comes
// from; for an unknown element every attribute, all there is to show.
func embedShownDetails(e Embed) []string {
	var details []string
	switch e.Kind {
	case EmbedVideoFile, EmbedAudioFile, EmbedIframe:
		if h := urlHost(e.URL); h != "" {
			details = append(details, escapeText(h))
		}
		return details
	case EmbedOther:
		for _, k := range sortedFieldKeys(e) {
			details = append(details, codeSpan(k)+" "+codeSpan(e.Fields[k]))
		}
		return details
	}
	seen := map[string]bool{}
	for _, d := range embedDetails[e.Kind] {
		v := e.Fields[d.key]
		if d.hidden || v == "" || seen[d.label] {
			continue
		}
		seen[d.label] = true
		details = append(details, d.label+" "+escapeText(v))
	}
	return details
}

// embedTitle is the main link's title: LinkTitle, then the fields that
// are kept but not shown, as key=value, percent-encoded like the id.
// Kinds understood only in part keep every field there, so nothing the
// markup said is lost.
func embedTitle(e Embed) string {
	var b strings.Builder
	b.WriteString(e.LinkTitle())
	add := func(k, v string) {
		v = strings.TrimSpace(v)
		if v == "" || v == e.ID {
			return
		}
		b.WriteString(" " + escapeTitleID(k) + "=" + escapeTitleID(v))
	}
	switch shown, known := embedDetails[e.Kind]; {
	case known:
		seen := map[string]bool{}
		for _, d := range shown {
			if d.hidden && !seen[d.key] {
				seen[d.key] = true
				add(d.key, e.Fields[d.key])
			}
		}
	case e.Kind != EmbedOther:
		for _, k := range sortedFieldKeys(e) {
			if v := e.Fields[k]; v != e.Title && v != e.URL && decodeCover(v) != e.Cover {
				add(k, v)
			}
		}
	}
	return b.String()
}

// sortedFieldKeys lists the embed's fields but the element's name.
func sortedFieldKeys(e Embed) []string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		if k != "element" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

func writeBlockquote(w converter.Writer, paragraphs []string) {
	first := true
	for _, p := range paragraphs {
		if p == "" {
			continue
		}
		if first {
			w.WriteString("\n\n> ")
			first = false
		} else {
			w.WriteString("\n>\n> ")
		}
		w.WriteString(p)
	}
	if !first {
		w.WriteString("\n\n")
	}
}

// formatDuration turns WeChat's play_length (milliseconds) into m:ss or
// h:mm:ss; values that are already formatted pass through.
func formatDuration(ms string) string {
	if ms == "" || strings.Contains(ms, ":") {
		return escapeText(ms)
	}
	v, err := strconv.ParseFloat(ms, 64)
	if err != nil || v <= 0 || v > 1e10 {
		return escapeText(ms)
	}
	total := int64(v/1000 + 0.5)
	h, m, s := total/3600, total/60%60, total%60
	if h > 0 {
		return strconv.FormatInt(h, 10) + ":" + pad2(m) + ":" + pad2(s)
	}
	return strconv.FormatInt(m, 10) + ":" + pad2(s)
}

func pad2(v int64) string {
	if v < 10 {
		return "0" + strconv.FormatInt(v, 10)
	}
	return strconv.FormatInt(v, 10)
}

func isWebURL(u string) bool {
	lower := strings.ToLower(u)
	return strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "//")
}

// codeSpan shows an identifier literally: ids such as wxv_… contain
// underscores that would otherwise need escaping.
func codeSpan(s string) string {
	s = strings.Join(strings.Fields(normalizeText(s)), " ")
	if s == "" {
		return ""
	}
	if strings.Contains(s, "`") {
		return escapeText(s)
	}
	return "`" + s + "`"
}
