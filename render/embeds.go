package render

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"golang.org/x/net/html"
)

// embedElements are the custom elements and players WeChat stores in an
// article body. Each becomes a labelled blockquote: the player cannot run in
// Markdown, but the reader sees what was there and every identifier needed
// to fetch it later (video vid, voice file id, __biz, mini program AppID)
// survives. Labels follow the placeholders readers know from WeChat's own
// previews ([视频], [语音], [音乐], [小程序]).
var embedElements = []string{
	"iframe", "video",
	"mpvoice", "mp-common-mpaudio",
	"qqmusic", "mp-common-qqmusic",
	"mp-miniprogram", "mp-weapp", "mp-common-miniprogram",
	"mp-common-profile", "mpprofile",
	"mp-common-channels_video",
}

func isEmbed(n *html.Node) bool {
	if n.Type != html.ElementNode {
		return false
	}
	for _, name := range embedElements {
		if n.Data == name {
			return true
		}
	}
	return false
}

func renderEmbed(ctx converter.Context, w converter.Writer, n *html.Node) converter.RenderStatus {
	if !isEmbed(n) {
		return converter.RenderTryNext
	}
	opts := optionsFrom(ctx)
	var paragraphs []string
	switch n.Data {
	case "iframe":
		paragraphs = iframeEmbed(n, opts)
	case "video":
		paragraphs = videoEmbed(n, opts)
	case "mpvoice", "mp-common-mpaudio":
		paragraphs = voiceEmbed(n, opts)
	case "qqmusic", "mp-common-qqmusic":
		paragraphs = musicEmbed(n, opts)
	case "mp-miniprogram", "mp-weapp", "mp-common-miniprogram":
		paragraphs = miniProgramEmbed(n, opts)
	case "mp-common-profile", "mpprofile":
		paragraphs = profileEmbed(n, opts)
	case "mp-common-channels_video":
		paragraphs = channelsEmbed(n, opts)
	}
	writeBlockquote(w, paragraphs)
	return converter.RenderSuccess
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

const (
	mpVideoPlayer      = "https://mp.weixin.qq.com/mp/readtemplate?t=pages/video_player_tmpl&action=mpvideo&auto=0&vid="
	tencentVideoPlayer = "https://v.qq.com/txp/iframe/player.html?vid="
	voiceDownload      = "https://res.wx.qq.com/voice/getvoice?mediaid="
	profileHome        = "https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz="
	qqMusicSong        = "https://y.qq.com/n/ryqq/songDetail/"
)

func iframeEmbed(n *html.Node, opts Options) []string {
	src := firstAttr(n, "data-src", "src")
	vid := attr(n, "data-mpvid")
	srcURL, _ := url.Parse(src)
	if vid == "" && srcURL != nil {
		vid = srcURL.Query().Get("vid")
	}
	title := firstAttr(n, "data-title", "title")

	if vid != "" {
		player := mpVideoPlayer + vid
		if srcURL != nil && (srcURL.Host == "v.qq.com" || strings.HasSuffix(srcURL.Host, ".v.qq.com")) {
			player = tencentVideoPlayer + url.QueryEscape(vid)
		}
		name := codeSpan(vid)
		if title != "" {
			name = escapeText(title) + "（" + codeSpan(vid) + "）"
		}
		return []string{
			"[视频] " + name + " — " + autolink(player),
			linkedImage("视频封面", decodeCover(attr(n, "data-cover")), player, opts),
		}
	}
	if !isWebURL(src) {
		return nil
	}
	label := "[嵌入] "
	if hasClassPrefix(n, "video_iframe") {
		label = "[视频] "
	}
	if title != "" {
		label += escapeText(title) + " — "
	}
	return []string{label + autolink(src)}
}

// decodeCover undoes the URL encoding WeChat applies to data-cover.
func decodeCover(cover string) string {
	if decoded, err := url.QueryUnescape(cover); err == nil {
		cover = decoded
	}
	return strings.TrimSpace(cover)
}

func videoEmbed(n *html.Node, opts Options) []string {
	src := attr(n, "src")
	for c := n.FirstChild; c != nil && src == ""; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == "source" {
			src = attr(c, "src")
		}
	}
	if !isWebURL(src) {
		return nil
	}
	label := "[视频] "
	if title := attr(n, "title"); title != "" {
		label += escapeText(title) + " — "
	}
	return []string{
		label + autolink(src),
		linkedImage("视频封面", attr(n, "poster"), src, opts),
	}
}

func voiceEmbed(n *html.Node, opts Options) []string {
	fileID := firstAttr(n, "voice_encode_fileid", "data-voice_encode_fileid")
	name := firstAttr(n, "name", "data-name", "title")
	author := firstAttr(n, "author", "data-author")

	line := "[语音]"
	if name != "" {
		line += " " + escapeText(name)
	}
	if author != "" {
		line += " — " + escapeText(author)
	}
	if d := formatDuration(firstAttr(n, "play_length", "data-play_length")); d != "" {
		line += "（" + d + "）"
	}
	if fileID != "" {
		line += " — " + autolink(voiceDownload+url.QueryEscape(fileID))
	}
	cover := firstAttr(n, "cover", "data-cover")
	var image string
	if isWebURL(cover) {
		image = markdownImage("语音封面", opts.mapImage(cover))
	}
	return []string{line, image}
}

// formatDuration turns WeChat's play_length (milliseconds) into m:ss or
// h:mm:ss; values that are already formatted pass through.
func formatDuration(ms string) string {
	if ms == "" || strings.Contains(ms, ":") {
		return escapeText(ms)
	}
	v, err := strconv.ParseFloat(ms, 64)
	if err != nil || v <= 0 || v > 1e10 {
		return ""
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

func musicEmbed(n *html.Node, opts Options) []string {
	name := firstAttr(n, "music_name", "data-music_name", "musicname", "title")
	singer := firstAttr(n, "singer", "data-singer")
	mid := firstAttr(n, "mid", "data-mid")
	musicID := firstAttr(n, "musicid", "data-musicid")
	audio := firstAttr(n, "audiourl", "data-audiourl")

	line := "[音乐]"
	if name != "" {
		line += " " + escapeText(name)
	}
	if singer != "" {
		line += " — " + escapeText(singer)
	}
	switch {
	case mid != "":
		line += " — " + autolink(qqMusicSong+url.PathEscape(mid))
	case isWebURL(audio):
		line += " — " + autolink(audio)
	}
	if musicID != "" {
		line += "（musicid " + codeSpan(musicID) + "）"
	}
	var image string
	if album := firstAttr(n, "albumurl", "data-albumurl"); isWebURL(album) {
		image = markdownImage("专辑封面", opts.mapImage(album))
	}
	return []string{line, image}
}

func miniProgramEmbed(n *html.Node, opts Options) []string {
	appID := firstAttr(n, "data-miniprogram-appid", "data-weappid", "weappid", "appid")
	path := firstAttr(n, "data-miniprogram-path", "data-weapppath", "weapppath", "path")
	title := firstAttr(n, "data-miniprogram-title", "data-weappname", "title")
	nickname := firstAttr(n, "data-miniprogram-nickname", "data-nickname")

	line := "[小程序]"
	if title != "" {
		line += " " + escapeText(title)
	}
	if nickname != "" {
		line += "（" + escapeText(nickname) + "）"
	}
	var ids []string
	if appID != "" {
		ids = append(ids, "AppID "+codeSpan(appID))
	}
	if path != "" {
		ids = append(ids, "路径 "+codeSpan(path))
	}
	var image string
	if img := firstAttr(n, "data-miniprogram-imageurl", "data-imageurl"); isWebURL(img) {
		image = markdownImage("小程序封面", opts.mapImage(img))
	}
	return []string{line, strings.Join(ids, "，"), image}
}

func profileEmbed(n *html.Node, opts Options) []string {
	biz := firstAttr(n, "data-id", "data-biz")
	nickname := firstAttr(n, "data-nickname", "nickname")
	alias := firstAttr(n, "data-alias", "alias")
	signature := firstAttr(n, "data-signature", "signature")
	headImg := firstAttr(n, "data-headimg", "headimg")

	name := escapeText(nickname)
	if name == "" {
		name = "公众号"
	}
	var home string
	if biz != "" {
		home = profileHome + biz + "#wechat_redirect"
		name = markdownLink(name, home)
	}
	line := "[公众号] " + name
	if alias != "" {
		line += "（微信号 " + codeSpan(alias) + "）"
	}
	var intro string
	if signature != "" {
		intro = "简介：" + escapeText(signature)
	}
	var image string
	if isWebURL(headImg) {
		if home != "" {
			image = linkedImage(nickname, headImg, home, opts)
		} else {
			image = markdownImage(nickname, opts.mapImage(headImg))
		}
	}
	return []string{line, intro, image}
}

func channelsEmbed(n *html.Node, opts Options) []string {
	nickname := firstAttr(n, "data-nickname")
	desc := firstAttr(n, "data-desc")
	objectID := firstAttr(n, "data-object_id", "data-objectid")
	line := "[视频号]"
	if nickname != "" {
		line += " " + escapeText(nickname)
	}
	if desc != "" {
		line += "：" + escapeText(desc)
	}
	if objectID != "" {
		line += "（object_id " + codeSpan(objectID) + "）"
	}
	var image string
	if cover := firstAttr(n, "data-url", "data-headimgurl"); isWebURL(cover) {
		image = markdownImage("视频号封面", opts.mapImage(cover))
	}
	return []string{line, image}
}

// linkedImage is a cover image that links to what it stands for.
func linkedImage(alt, remote, href string, opts Options) string {
	if !isWebURL(remote) {
		return ""
	}
	return markdownLink(markdownImage(alt, opts.mapImage(remote)), href)
}

func isWebURL(u string) bool {
	lower := strings.ToLower(u)
	return strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "//")
}

// autolink writes a URL as <…>, which CommonMark links without escaping;
// URLs that cannot be autolinks become ordinary links.
func autolink(u string) string {
	if strings.HasPrefix(u, "//") {
		u = "https:" + u
	}
	if strings.ContainsAny(u, " <>\t\r\n") {
		return markdownLink("链接", u)
	}
	return "<" + u + ">"
}

// codeSpan shows an identifier literally: ids such as wxv_… contain
// underscores that would otherwise need escaping.
func codeSpan(s string) string {
	s = strings.Join(strings.Fields(normalizeText(s)), " ")
	if strings.Contains(s, "`") {
		return escapeText(s)
	}
	return "`" + s + "`"
}
