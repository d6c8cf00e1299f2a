package render

import (
	"slices"
	"strconv"
	"strings"

	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"golang.org/x/net/html"
)

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
