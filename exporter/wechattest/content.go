package wechattest

import (
	"encoding/base64"
	"fmt"
	"html"
	"net/url"
	"strings"
)

// content writes one article body and returns it with its plain text (for
// auto digests). The body is a mix of the blocks real editors produce,
// sometimes inside the nested styled sections 135editor and xiumi wrap
// around everything (§8.3).
func (g *generator) content() (body, text string) {
	var b, t strings.Builder
	style := g.r.IntN(4)
	depth := 0
	switch style {
	case 1:
		depth = 1 + g.r.IntN(3)
		for range depth {
			fmt.Fprintf(&b, `<section style="margin: 0px auto; padding: %dpx; box-sizing: border-box;" data-tools="135编辑器" data-id="%d">`, g.r.IntN(12), 80000+g.r.IntN(20000))
		}
	case 2:
		depth = 2
		b.WriteString(`<section powered-by="xiumi.us" style="text-align: justify;"><section powered-by="xiumi.us" style="margin: 10px 0%;">`)
	case 3:
		depth = 1
		b.WriteString(`<section data-tool="mdnice编辑器" data-website="https://www.mdnice.com" style="font-size: 16px; color: black; padding: 0 10px; line-height: 1.6;">`)
	}
	blocks := 5 + g.r.IntN(14)
	for i := range blocks {
		g.block(&b, &t, i == 0)
	}
	for range depth {
		b.WriteString(`</section>`)
	}
	if g.r.IntN(3) == 0 {
		b.WriteString(`<p style="display: none;"><mp-style-type data-value="3"></mp-style-type></p>`)
	}
	return b.String(), t.String()
}

func (g *generator) paragraphText(t *strings.Builder) string {
	var s strings.Builder
	english := g.r.IntN(4) == 0
	for n := 1 + g.r.IntN(4); n > 0; n-- {
		if english {
			s.WriteString(pick(g.r, englishSentences) + " ")
		} else {
			s.WriteString(pick(g.r, chineseSentences))
		}
	}
	text := strings.TrimSpace(s.String())
	t.WriteString(text)
	return html.EscapeString(text)
}

func (g *generator) block(b, t *strings.Builder, first bool) {
	kind := g.r.IntN(100)
	if first {
		kind = 0
	}
	switch {
	case kind < 30:
		g.paragraph(b, t)
	case kind < 36:
		b.WriteString(pick(g.r, spacers))
	case kind < 42:
		heading := html.EscapeString(pick(g.r, headings))
		t.WriteString(heading)
		if g.r.IntN(2) == 0 {
			fmt.Fprintf(b, `<h2 style="font-size: 18px; font-weight: bold; margin: 24px 0 12px;"><span leaf="">%s</span></h2>`, heading)
		} else {
			fmt.Fprintf(b, `<section style="text-align: center;"><section style="display: inline-block; border-bottom: 2px solid rgb(7, 193, 96); padding: 0 8px;"><p><strong><span style="font-size: 17px; color: rgb(7, 193, 96);" leaf="">%s</span></strong></p></section></section>`, heading)
		}
	case kind < 58:
		g.image(b)
	case kind < 62:
		im := g.contentImage()
		fmt.Fprintf(b, `<section style="background-image: url(&quot;%s&quot;); background-size: cover; background-position: center center; background-repeat: no-repeat; padding: 24px 16px;"><section style="background-color: rgba(255, 255, 255, 0.85); padding: 12px;"><p><span leaf="">%s</span></p></section></section>`,
			html.EscapeString(im.url()), g.paragraphText(t))
	case kind < 68:
		g.codeSnippet(b)
	case kind < 71:
		g.preCode(b)
	case kind < 75:
		g.table(b, t)
	case kind < 80:
		g.list(b, t)
	case kind < 85:
		g.quote(b, t)
	case kind < 87:
		g.video(b)
	case kind < 88:
		g.voice(b)
	case kind < 89:
		g.profileCard(b)
	case kind < 93:
		g.innerLink(b, t)
	case kind < 94:
		// WeChat strips scripts from content (§2), but a client must not
		// trust that: these are here to be neutralised.
		b.WriteString(pick(g.r, hostileMarkup))
	default:
		b.WriteString(`<hr style="border-style: solid; border-width: 1px 0 0; border-color: rgba(0, 0, 0, 0.1); transform-origin: 0 0; transform: scale(1, 0.5);">`)
	}
}

func (g *generator) paragraph(b, t *strings.Builder) {
	text := g.paragraphText(t)
	switch g.r.IntN(5) {
	case 0:
		fmt.Fprintf(b, `<p style="margin-bottom: 0px; letter-spacing: 0.5px; line-height: 1.75em;"><span style="font-size: 15px; color: rgb(62, 62, 62);" leaf="">%s</span></p>`, text)
	case 1:
		fmt.Fprintf(b, `<p>%s</p>`, text)
	case 2:
		fmt.Fprintf(b, `<p><span leaf="">%s</span><strong><span leaf="">%s</span></strong></p>`, text, html.EscapeString(pick(g.r, emphasis)))
	case 3:
		fmt.Fprintf(b, `<p style="text-indent: 2em;"><span leaf="">%s</span><code style="font-size: 14px; padding: 2px 4px; color: rgb(30, 107, 184); background-color: rgba(27, 31, 35, 0.05);">%s</code><span leaf="">。</span></p>`, text, html.EscapeString(pick(g.r, inlineCode)))
	default:
		fmt.Fprintf(b, `<section style="line-height: 1.75em;"><span leaf="">%s</span></section>`, text)
	}
}

func (g *generator) image(b *strings.Builder) {
	im := g.contentImage()
	u := html.EscapeString(im.url())
	ratio := []string{"0.5625", "0.75", "1", "0.6666666666666666", "1.3333333333333333", "0.4255"}[g.r.IntN(6)]
	w := []int{640, 1080, 1280, 750, 564}[g.r.IntN(5)]
	dataType := im.wxFmt
	if dataType == "" || dataType == "other" {
		dataType = "png"
	}
	src := ""
	switch g.r.IntN(4) {
	case 0:
		// Lazy-loading placeholder pixel: the real picture is only in data-src.
		src = ` src="data:image/svg+xml,%3C%3Fxml version=&#39;1.0&#39; encoding=&#39;UTF-8&#39;%3F%3E%3Csvg width=&#39;1px&#39; height=&#39;1px&#39; viewBox=&#39;0 0 1 1&#39; version=&#39;1.1&#39; xmlns=&#39;http://www.w3.org/2000/svg&#39;%3E%3C/svg%3E"`
	case 1:
		src = ` src="` + u + `"`
	}
	img := fmt.Sprintf(`<img class="rich_pages wxw-img" data-ratio="%s" data-s="300,640" data-src="%s" data-type="%s" data-w="%d" style="width: 100%%; height: auto;"%s>`, ratio, u, dataType, w, src)
	switch g.r.IntN(3) {
	case 0:
		fmt.Fprintf(b, `<p style="text-align: center;">%s</p>`, img)
	case 1:
		fmt.Fprintf(b, `<section nodeleaf="" style="text-align: center;">%s</section>`, img)
	default:
		fmt.Fprintf(b, `<section style="text-align: center; margin: 10px 0;">%s<p style="text-align: center;"><span style="font-size: 12px; color: rgb(136, 136, 136);" leaf="">%s</span></p></section>`, img, html.EscapeString(pick(g.r, captions)))
	}
}

// codeSnippet writes the WeChat editor's code block (§8.3): line numbers as
// empty <li>s, one <code> per line, language in data-lang.
func (g *generator) codeSnippet(b *strings.Builder) {
	sample := codeSamples[g.r.IntN(len(codeSamples))]
	lines := strings.Split(sample.code, "\n")
	lang := sample.lang
	fmt.Fprintf(b, `<section class="code-snippet__fix code-snippet__js"><ul class="code-snippet__line-index code-snippet__js">%s</ul><pre class="code-snippet__js"`, strings.Repeat("<li></li>", len(lines)))
	if g.r.IntN(4) > 0 {
		fmt.Fprintf(b, ` data-lang="%s"`, lang)
	}
	b.WriteString(`>`)
	for _, line := range lines {
		if line == "" {
			b.WriteString(`<code><span class="code-snippet_outer"><br></span></code>`)
		} else {
			fmt.Fprintf(b, `<code><span class="code-snippet_outer">%s</span></code>`, html.EscapeString(line))
		}
	}
	b.WriteString(`</pre></section>`)
}

// mdniceDots is the decoration above every mdnice code block. mdnice points
// it at its own site, but WeChat replaces outside images with copies on its
// CDN when an article is saved (§1 of the 2015 notice), so the API serves a
// mmbiz URL, the same in every article.
var mdniceDots = "https://" + mmbizHost + "/mmbiz_png/mdniceMacDotsQdG6AicDzKmHn8NiamE3dZBwmjXZ/0?wx_fmt=png"

// preCode writes the mdnice style: one <code> with <br> line breaks.
func (g *generator) preCode(b *strings.Builder) {
	sample := codeSamples[g.r.IntN(len(codeSamples))]
	lines := strings.Split(sample.code, "\n")
	for i, l := range lines {
		lines[i] = strings.ReplaceAll(html.EscapeString(l), " ", "&nbsp;")
	}
	fmt.Fprintf(b, `<pre class="custom" data-tool="mdnice编辑器" style="border-radius: 5px; box-shadow: rgba(0, 0, 0, 0.55) 0px 2px 10px;"><span style="display: block; background: url(&quot;%s&quot;); height: 30px;"></span><code class="hljs" style="overflow-x: auto; padding: 16px; display: -webkit-box; font-size: 12px;">%s</code></pre>`, mdniceDots, strings.Join(lines, "<br>"))
}

func (g *generator) table(b, t *strings.Builder) {
	rows := tables[g.r.IntN(len(tables))]
	cell := `style="padding: 5px 10px; border: 1px solid rgb(221, 221, 221); word-break: break-all;"`
	if g.r.IntN(2) == 0 {
		cell = `data-darkmode-bgcolor-16262570495684="rgb(40, 40, 40)" data-darkmode-original-bgcolor-16262570495684="#fff|rgb(240, 240, 240)" ` + cell
	}
	b.WriteString(`<section style="overflow-x: auto;"><table style="border-collapse: collapse; width: 100%;"`)
	b.WriteString(`><tbody>`)
	for i, row := range rows {
		b.WriteString(`<tr>`)
		for _, c := range row {
			tag := "td"
			if i == 0 {
				tag = "th"
			}
			fmt.Fprintf(b, `<%s %s><span leaf="">%s</span></%s>`, tag, cell, html.EscapeString(c), tag)
			t.WriteString(c + " ")
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</tbody></table></section>`)
}

func (g *generator) list(b, t *strings.Builder) {
	tag := "ul"
	if g.r.IntN(3) == 0 {
		tag = "ol"
	}
	fmt.Fprintf(b, `<%s class="list-paddingleft-1" style="list-style-type: %s;">`, tag, map[string]string{"ul": "disc", "ol": "decimal"}[tag])
	for n := 2 + g.r.IntN(4); n > 0; n-- {
		entry := pick(g.r, listItems)
		t.WriteString(entry)
		if g.r.IntN(2) == 0 {
			fmt.Fprintf(b, `<li><section style="margin-top: 5px; margin-bottom: 5px;"><span leaf="">%s</span></section></li>`, html.EscapeString(entry))
		} else {
			fmt.Fprintf(b, `<li><p><span leaf="">%s</span></p></li>`, html.EscapeString(entry))
		}
	}
	fmt.Fprintf(b, `</%s>`, tag)
}

func (g *generator) quote(b, t *strings.Builder) {
	text := g.paragraphText(t)
	if g.r.IntN(2) == 0 {
		fmt.Fprintf(b, `<blockquote class="js_blockquote_wrap" data-type="2" data-url="" data-author-name="" data-content-utf8-length="%d" data-source-title=""><section class="js_blockquote_digest"><p><span leaf="">%s</span></p></section></blockquote>`, len(text), text)
	} else {
		fmt.Fprintf(b, `<blockquote style="border-left: 3px solid rgb(219, 219, 219); padding-left: 10px; color: rgb(106, 115, 125);"><p><span leaf="">%s</span></p></blockquote>`, text)
	}
}

func (g *generator) video(b *strings.Builder) {
	cover := g.newImage()
	cover.prefix, cover.wxFmt, cover.size, cover.extra = "mmbiz_jpg", "jpeg", "0", ""
	g.register(cover)
	vid := fmt.Sprintf("wxv_%d", 1000000000000000000+g.r.Int64N(999999999999999999))
	fmt.Fprintf(b, `<p style="text-align: center;"><iframe class="video_iframe rich_pages" data-vidtype="2" data-mpvid="%s" data-cover="%s" allowfullscreen="" frameborder="0" data-ratio="1.7777777777777777" data-w="1920" data-src="https://mp.weixin.qq.com/mp/readtemplate?t=pages/video_player_tmpl&amp;action=mpvideo&amp;auto=0&amp;vid=%s"></iframe></p>`,
		vid, url.QueryEscape(cover.url()), vid)
}

func (g *generator) voice(b *strings.Builder) {
	name := pick(g.r, voiceNames)
	ms := 30000 + g.r.IntN(1500000)
	id := base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "%d_%d", 3000000000+g.r.Int64N(999999999), 2247483648+g.r.Int64N(99999)))
	g.acct.voices[id] = true
	fmt.Fprintf(b, `<p><mpvoice frameborder="0" class="res_iframe js_editor_audio audio_iframe" src="/cgi-bin/readtemplate?t=tmpl/audio_tmpl&amp;name=%s&amp;play_length=%02d:%02d" isaac2="1" low_size="%d.44" source_size="%d" high_size="%d.53" name="%s" play_length="%d" voice_encode_fileid="%s"></mpvoice></p>`,
		url.QueryEscape(name), ms/60000, ms/1000%60, ms/500, ms/500, ms/120, html.EscapeString(name), ms, id)
}

func (g *generator) profileCard(b *strings.Builder) {
	head := g.shared[0]
	fmt.Fprintf(b, `<section class="mp_profile_iframe_wrp"><mp-common-profile class="js_uneditable custom_select_card mp_profile_iframe" data-pluginname="mpprofile" data-id="%s" data-headimg="%s" data-nickname="%s" data-alias="" data-signature="%s" data-from="0" data-is_biz_ban="0"></mp-common-profile></section>`,
		g.acct.biz, html.EscapeString(strings.Replace(head.url(), "mmbiz.qpic.cn", "mmbiz.qlogo.cn", 1)), pick(g.r, accountNames), html.EscapeString(pick(g.r, digests)))
}

// innerLink links to an earlier article of the same account, the way the
// editor writes it, so link rewriting can be tested.
func (g *generator) innerLink(b, t *strings.Builder) {
	if len(g.links) == 0 {
		g.paragraph(b, t)
		return
	}
	link := g.links[g.r.IntN(len(g.links))]
	target := strings.TrimSuffix(link.url, "#rd")
	if i := strings.Index(target, "&chksm="); i > 0 {
		target = target[:i]
	}
	target = strings.Replace(target, "http://", "https://", 1) + "&scene=21#wechat_redirect"
	label := link.title
	t.WriteString("相关阅读：" + label)
	fmt.Fprintf(b, `<p><span leaf="">相关阅读：</span><a target="_blank" href="%s" textvalue="%s" linktype="text" imgurl="" imgdata="null" data-itemshowtype="0" tab="innerlink" data-linktype="2"><span leaf="">%s</span></a></p>`,
		html.EscapeString(target), html.EscapeString(label), html.EscapeString(label))
}
