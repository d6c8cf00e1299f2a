package render

import (
	"strings"
)

// Embed is one player, card or widget of an article (a WeChat video, a voice
// message, a mini program, an account card…) as the converter understood it.
//
// In the Markdown, every embed is a blockquote whose first link is the
// embed's main link and carries a link title of the form
//
//	mparchive:<kind> <id>
//
// (further space-separated key=value fields, percent-encoded, may follow
// the id), for example
//
//	> [![视频封面](cover.jpg)](https://mp.weixin.qq.com/mp/readtemplate?…&vid=wxv_123 "mparchive:video wxv_123")
//	>
//	> [视频] 标题 · [播放视频](https://mp.weixin.qq.com/mp/readtemplate?…&vid=wxv_123)
//
// The link is standard Markdown and renders everywhere as a linked cover
// image (or a linked name when the embed has no cover), while outputs that
// can do better recognise the title with ParseEmbedTitle and turn the quote
// into a card or a player: the site writer through a goldmark transformer,
// Hugo through a render-link.html hook. The link destination is Embed.URL
// (or "#" when the embed has no web address, as for mini programs); the
// image inside the link, if any, is the cover. Exactly one link per embed
// has such a title, and the title is the only place its identifiers are
// written: the rest of the quote is what a reader sees, the name, duration
// or account name and the affordance, and never an id. EMBEDS.md lists the
// kinds and their fields.
type Embed struct {
	// Kind is one of the Embed* constants.
	Kind string
	// ID names the media on WeChat's side (video vid, voice file id,
	// QQ Music mid, mini program AppID, account __biz…); it may be empty
	// when the markup carried none.
	ID string
	// Title is the human name: video title, song, account nickname…
	Title string
	// URL is where the media plays, downloads or opens on the web; empty
	// when there is no such address.
	URL string
	// Cover is the remote URL of the cover, album art or avatar.
	Cover string
	// Fields holds the element's other attributes that carry data, by
	// WeChat's attribute name (styles, classes and layout hints excluded),
	// plus "element" with the tag name.
	Fields map[string]string
}

// Embed kinds, as written after "mparchive:" in link titles.
const (
	EmbedVideo        = "video"         // WeChat-hosted video (iframe.video_iframe with data-mpvid)
	EmbedTencentVideo = "tencent-video" // Tencent Video (v.qq.com) player
	EmbedVideoFile    = "video-file"    // a plain <video> element
	EmbedAudioFile    = "audio-file"    // a plain <audio> element
	EmbedVoice        = "voice"         // WeChat voice message (mpvoice, mp-common-mpaudio)
	EmbedMusic        = "music"         // QQ Music song (qqmusic, mp-common-qqmusic)
	EmbedMiniProgram  = "miniprogram"   // mini program card or link (mp-miniprogram, mp-weapp)
	EmbedProfile      = "profile"       // Official Account card (mp-common-profile, mpprofile)
	EmbedChannels     = "channels"      // Channels (视频号) video or live (mp-common-videosnap…)
	EmbedProduct      = "product"       // shop product or CPS ad (mpproduct, mp-common-product…)
	EmbedShop         = "shop"          // shop card (mpshop, mp-common-shopprofile)
	EmbedVote         = "vote"          // vote (iframe.js_editor_vote_card, mpvote)
	EmbedCard         = "card"          // WeChat card/coupon (iframe.js_editor_card)
	EmbedRedPacket    = "redpacket"     // red packet cover (mp-common-redpacket)
	EmbedIframe       = "iframe"        // any other iframe
	EmbedOther        = "other"         // an unknown custom element; Fields["element"] names it
)

// EmbedTitlePrefix starts the link title of every embed's main link.
const EmbedTitlePrefix = "mparchive:"

// embedLabels are the placeholders WeChat's own previews use, so readers
// recognise them.
var embedLabels = map[string]string{
	EmbedVideo:        "视频",
	EmbedTencentVideo: "视频",
	EmbedVideoFile:    "视频",
	EmbedAudioFile:    "音频",
	EmbedVoice:        "语音",
	EmbedMusic:        "音乐",
	EmbedMiniProgram:  "小程序",
	EmbedProfile:      "公众号",
	EmbedChannels:     "视频号",
	EmbedProduct:      "商品",
	EmbedShop:         "小店",
	EmbedVote:         "投票",
	EmbedCard:         "卡券",
	EmbedRedPacket:    "红包封面",
	EmbedIframe:       "嵌入",
	EmbedOther:        "嵌入",
}

// EmbedLabel returns the Chinese placeholder shown for kind ("视频", "语音"…).
func EmbedLabel(kind string) string {
	if l, ok := embedLabels[kind]; ok {
		return l
	}
	return embedLabels[EmbedOther]
}

// LinkTitle is the title the embed's main link carries in the Markdown.
func (e Embed) LinkTitle() string {
	if e.ID == "" {
		return EmbedTitlePrefix + e.Kind
	}
	return EmbedTitlePrefix + e.Kind + " " + escapeTitleID(e.ID)
}

// ParseEmbedTitle recognises the link title of an embed's main link and
// returns its kind and identifier. Kinds this version does not know are
// accepted (ok is true) so that older readers degrade to a generic embed.
func ParseEmbedTitle(title string) (kind, id string, ok bool) {
	rest, found := strings.CutPrefix(title, EmbedTitlePrefix)
	if !found {
		return "", "", false
	}
	kind, id, _ = strings.Cut(rest, " ")
	// Further space-separated fields may follow the id (a mini program
	// link's path); they are percent-encoded like the id.
	id, _, _ = strings.Cut(id, " ")
	if kind == "" || strings.ContainsAny(kind, " \t\"\\") {
		return "", "", false
	}
	return kind, unescapeTitleID(id), true
}

// escapeTitleID percent-encodes the bytes that could end or corrupt a
// quoted Markdown link title or the "kind id" split. WeChat ids are base64
// or alphanumeric, so in practice nothing changes.
func escapeTitleID(id string) string {
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c <= ' ' || c == '"' || c == '\\' || c == '%' || c == '\'' || c == '(' || c == ')' || c == 0x7f {
			b.WriteByte('%')
			b.WriteByte("0123456789ABCDEF"[c>>4])
			b.WriteByte("0123456789ABCDEF"[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func unescapeTitleID(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
