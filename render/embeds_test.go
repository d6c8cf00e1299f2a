package render

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestEmbeds(t *testing.T) {
	const player = "https://mp.weixin.qq.com/mp/readtemplate?t=pages/video_player_tmpl&action=mpvideo&auto=0&vid="
	runRuleCases(t, []ruleCase{
		{"wechat video with cover", `<iframe class="video_iframe" data-mpvid="wxv_42" data-cover="http%3A%2F%2Fm%2Fc.jpg"></iframe>`,
			"> [![视频封面](http://m/c.jpg)](" + player + "wxv_42 \"mparchive:video wxv_42\")\n>\n> [视频] [播放视频](" + player + "wxv_42)\n"},
		{"vid from data-src", `<iframe class="video_iframe" data-src="https://mp.weixin.qq.com/mp/readtemplate?t=x&amp;vid=wxv_7"></iframe>`,
			"> [视频] [播放视频](" + player + "wxv_7 \"mparchive:video wxv_7\")\n"},
		{"tencent video", `<iframe class="video_iframe" data-src="https://v.qq.com/iframe/preview.html?vid=x00&amp;auto=0"></iframe>`,
			"> [视频] [播放视频](https://v.qq.com/txp/iframe/player.html?vid=x00 \"mparchive:tencent-video x00\")\n"},
		{"other iframe", `<iframe src="https://e.com/w"></iframe>`, "> [嵌入] [打开网页](https://e.com/w \"mparchive:iframe\")（e.com）\n"},
		{"iframe with only a cover keeps it", `<iframe data-cover="https%3A%2F%2Fm%2Fc.jpg"></iframe>`, "> [![嵌入封面](https://m/c.jpg)](# \"mparchive:iframe\")\n>\n> [嵌入]\n"},
		{"an empty frame between words keeps them apart", `<p>a<iframe></iframe>b</p>`, "a b\n"},
		{"iframe without address dropped", `<p>a</p><iframe></iframe>`, "a\n"},
		{"video element", `<video><source src="https://e.com/v.mp4"></video>`, "> [视频] [视频文件](https://e.com/v.mp4 \"mparchive:video-file\")（e.com）\n"},
		{"voice", `<mpvoice name="名" play_length="61000" voice_encode_fileid="ab=="></mpvoice>`,
			"> [语音] [名（1:01）](https://res.wx.qq.com/voice/getvoice?mediaid=ab%3D%3D \"mparchive:voice ab==\")\n"},
		{"voice without id keeps its name", `<mpvoice name="名"></mpvoice>`, "> [语音] [名](# \"mparchive:voice\")\n"},
		{"mini program", `<mp-miniprogram data-miniprogram-appid="wxa" data-miniprogram-path="p/q" data-miniprogram-title="T"></mp-miniprogram>`,
			"> [小程序] [T](# \"mparchive:miniprogram wxa data-miniprogram-path=p/q\") · 在微信中打开\n"},
		{"profile", `<mp-common-profile data-id="QQ==" data-nickname="号" data-signature="签名"></mp-common-profile>`,
			"> [公众号] [号](https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=QQ==#wechat_redirect \"mparchive:profile QQ==\")\n>\n> 简介：签名\n"},
		{"qqmusic", `<qqmusic mid="m1" music_name="歌" singer="人"></qqmusic>`,
			"> [音乐] [歌](https://y.qq.com/n/ryqq/songDetail/m1 \"mparchive:music m1\")（歌手 人）\n"},
		{"channels", `<mp-common-videosnap class="js_uneditable" data-pluginname="videosnap" data-id="export/abc" data-nickname="号" data-username="v2_x@finder" data-desc="描述" data-url="https://m/c.jpg"></mp-common-videosnap>`,
			"> [![视频号封面](https://m/c.jpg)](# \"mparchive:channels export/abc data-username=v2_x@finder\")\n>\n> [视频号] 描述（视频号 号） · 在微信视频号中观看\n"},
		{"vote iframe", `<iframe class="vote_iframe js_editor_vote_card" data-display-src="/cgi-bin/readtemplate?t=vote/vote-new_tmpl&amp;__biz=QQ==&amp;supervoteid=123" data-supervoteid="123"></iframe>`,
			"> [投票] [参与投票](https://mp.weixin.qq.com/cgi-bin/readtemplate?t=vote/vote-new_tmpl&__biz=QQ==&supervoteid=123 \"mparchive:vote 123 data-display-src=/cgi-bin/readtemplate?t=vote/vote-new_tmpl&__biz=QQ==&supervoteid=123\")\n"},
		{"product", `<mp-common-product data-pid="p9" data-title="书" data-img_url="https://m/p.jpg"></mp-common-product>`,
			"> [![商品封面](https://m/p.jpg)](# \"mparchive:product p9\")\n>\n> [商品] 书 · 在微信中查看\n"},
		{"unknown empty widget lists its attributes", `<mp-common-search data-query="关键词"></mp-common-search>`,
			"> [嵌入 `mp-common-search`] [嵌入](# \"mparchive:other\")（`data-query` `关键词`）\n"},
		{"known widget with text keeps the text", `<qqmusic mid="m" music_name="歌">歌词</qqmusic>`,
			"> [音乐] [歌](https://y.qq.com/n/ryqq/songDetail/m \"mparchive:music m\")\n\n歌词\n"},
		{"video fallback text is not content", `<video src="https://e.com/v.mp4">浏览器不支持</video>`, "> [视频] [视频文件](https://e.com/v.mp4 \"mparchive:video-file\")（e.com）\n"},
		{"an embed inside a widget with text", `<mp-x><mpvoice name="a"></mpvoice>t</mp-x>`, "> [语音] [a](# \"mparchive:voice\")\n\nt\n"},
		{"background of a widget kept before its card", `<mpvoice name="n" style="background:url(https://m/d.png)"></mpvoice><mp-x style="background:url(https://m/e.png)">t</mp-x>`,
			"![](https://m/d.png)\n\n> [语音] [n](# \"mparchive:voice\")\n\n![](https://m/e.png)t\n"},
		{"unknown widget with text is unwrapped", `<mp-common-blockquote><p>引用的话</p></mp-common-blockquote>`, "引用的话\n"},
		{"hidden embed dropped", `<p>a</p><mpvoice style="display:none" name="n" voice_encode_fileid="x"></mpvoice>`, "a\n"},
		{"embed inside a paragraph splits it", `<p>前<mpvoice name="n"></mpvoice>后</p>`, "前\n\n> [语音] [n](# \"mparchive:voice\")\n\n后\n"},
	})
}

// TestVoiceMediaURL checks that a voice links the file MediaURL gives,
// the remote player address when it gives none, and that no other embed
// goes through MediaURL.
func TestVoiceMediaURL(t *testing.T) {
	const remote = "https://res.wx.qq.com/voice/getvoice?mediaid="
	local := map[string]string{
		remote + "STORED":                       "0123456789ab.mp3",
		"https://e.com/a.mp3":                   "should-not-be-used.mp3",
		"https://y.qq.com/n/ryqq/songDetail/m1": "should-not-be-used.mp3",
	}
	var asked []string
	opts := Options{
		MediaURL: func(u string) string { asked = append(asked, u); return local[u] },
		ImageURL: func(u string) string {
			if u == "https://mmbiz.qpic.cn/cover/0" {
				return "cover.png"
			}
			return ""
		},
	}
	tests := []struct{ name, html, want string }{
		{"stored voice links its copy",
			`<mpvoice name="晨读" play_length="65000" voice_encode_fileid="STORED"></mpvoice>`,
			"> [语音] [晨读（1:05）](0123456789ab.mp3 \"mparchive:voice STORED\")\n"},
		{"missing voice keeps the player address",
			`<mpvoice name="晨读" play_length="65000" voice_encode_fileid="GONE"></mpvoice>`,
			"> [语音] [晨读（1:05）](" + remote + "GONE \"mparchive:voice GONE\")\n"},
		{"a cover shows above the linked name",
			`<mp-common-mpaudio name="新版" author="某" play_length="3723000" cover="https://mmbiz.qpic.cn/cover/0" voice_encode_fileid="STORED"></mp-common-mpaudio>`,
			"> ![语音封面](cover.png)\n>\n> [语音] [新版（1:02:03）](0123456789ab.mp3 \"mparchive:voice STORED\")（作者 某）\n"},
		{"without a name the affordance is the text, the id only in the title",
			`<mpvoice play_length="1000" voice_encode_fileid="STORED"></mpvoice>`,
			"> [语音] [播放语音（0:01）](0123456789ab.mp3 \"mparchive:voice STORED\")\n"},
		{"audio and music files are not voices",
			`<audio src="https://e.com/a.mp3"></audio><qqmusic mid="m1" music_name="歌"></qqmusic>`,
			"> [音频] [音频文件](https://e.com/a.mp3 \"mparchive:audio-file\")（e.com）\n\n> [音乐] [歌](https://y.qq.com/n/ryqq/songDetail/m1 \"mparchive:music m1\")\n"},
	}
	c := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asked = nil
			got, err := c.Convert(tt.html, opts)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
			for _, u := range asked {
				if !strings.HasPrefix(u, remote) {
					t.Errorf("MediaURL asked for %s", u)
				}
			}
		})
	}
}

func TestEmbedTitleRoundTrip(t *testing.T) {
	cases := []Embed{
		{Kind: EmbedVideo, ID: "wxv_123"},
		{Kind: EmbedProfile, ID: "MzA5MDE3MTE1NA=="},
		{Kind: EmbedChannels, ID: `export/a b"c\d%e(f)`},
		{Kind: EmbedOther},
	}
	for _, e := range cases {
		title := e.LinkTitle()
		kind, id, ok := ParseEmbedTitle(title)
		if !ok || kind != e.Kind || id != e.ID {
			t.Errorf("ParseEmbedTitle(%q) = %q, %q, %v; want %q, %q", title, kind, id, ok, e.Kind, e.ID)
		}
	}
	if kind, id, ok := ParseEmbedTitle("mparchive:miniprogram wx12 pages/a?x=1"); !ok || kind != EmbedMiniProgram || id != "wx12" {
		t.Errorf("title with a path: %q %q %v", kind, id, ok)
	}
	for _, bad := range []string{"", "video wxv_1", "mparchive:", "mparchive: x", "Mparchive:video x"} {
		if _, _, ok := ParseEmbedTitle(bad); ok {
			t.Errorf("ParseEmbedTitle(%q) accepted", bad)
		}
	}
}

// TestEmbedLinkSurvivesGoldmark checks the contract outputs rely on: the
// embed's main link reaches goldmark's AST with its title intact.
func TestEmbedLinkSurvivesGoldmark(t *testing.T) {
	md := convert(t, `<iframe class="video_iframe" data-mpvid="wxv_9" data-cover="https%3A%2F%2Fm%2Fc.jpg"></iframe>`, Options{})
	html, err := sharedConverter.ToHTML([]byte(md))
	if err != nil {
		t.Fatal(err)
	}
	want := `title="mparchive:video wxv_9"`
	if !strings.Contains(string(html), want) {
		t.Errorf("rendered HTML lacks %s:\n%s", want, html)
	}
}

func TestExtractEmbeds(t *testing.T) {
	in := `<p>x</p><iframe class="video_iframe" data-mpvid="wxv_1" data-cover="https%3A%2F%2Fm%2Fc.jpg" style="width:1px"></iframe>` +
		`<section style="display:none"><mpvoice voice_encode_fileid="hidden"></mpvoice></section>` +
		`<mpvoice name="n" play_length="1000" voice_encode_fileid="v=="></mpvoice>`
	got, err := extractEmbeds(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d embeds, want 2: %+v", len(got), got)
	}
	if got[0].Kind != EmbedVideo || got[0].ID != "wxv_1" || got[0].Cover != "https://m/c.jpg" {
		t.Errorf("video = %+v", got[0])
	}
	wantFields := map[string]string{"element": "mpvoice", "name": "n", "play_length": "1000", "voice_encode_fileid": "v=="}
	if got[1].Kind != EmbedVoice || got[1].URL != "https://res.wx.qq.com/voice/getvoice?mediaid=v%3D%3D" || !maps.Equal(got[1].Fields, wantFields) {
		t.Errorf("voice = %+v", got[1])
	}
}

// TestEmbedIDsOnlyInTitle checks that no identifier of a card shows: the
// vid, file id, AppID, __biz, product and other ids, and the fields kept
// with them, are in the main link's title and nowhere else of the
// Markdown, while the card still names what it is and what following it
// does.
func TestEmbedIDsOnlyInTitle(t *testing.T) {
	longURL := "https://mpvideo.qpic.cn/0bc3xaaaiaaa4ianhkfwqbsvbcgdbgnaaama.f10002.mp4?dis_k=" + strings.Repeat("0123456789abcdef", 12) + "&dis_t=1700000000&play_scene=10120&vid=wxv_3000000000000000001&format_id=10002"
	tests := []struct {
		name, html string
		ids        []string // must be in the title only
		shows      []string // must show
	}{
		{"wechat video", `<iframe class="video_iframe" data-mpvid="wxv_1893021654875629568" data-cover="http%3A%2F%2Fm%2Fc.jpg"></iframe>`,
			[]string{"wxv_1893021654875629568"}, []string{"[视频]", "播放视频"}},
		{"voice", `<mpvoice name="播客第12期" play_length="2102000" voice_encode_fileid="MzkwMDIxNzQ1Nl8yMjQ3NDgzNzAx"></mpvoice>`,
			[]string{"MzkwMDIxNzQ1Nl8yMjQ3NDgzNzAx"}, []string{"播客第12期（35:02）"}},
		{"music", `<qqmusic mid="0039MnYb0qxYhV" musicid="102065756" music_name="晴天" singer="周杰伦" play_length="269000" albumurl="/2/x.jpg"></qqmusic>`,
			[]string{"0039MnYb0qxYhV", "102065756"}, []string{"晴天（4:29）", "歌手 周杰伦"}},
		{"mini program", `<mp-miniprogram data-miniprogram-appid="wx1234567890abcdef" data-miniprogram-path="pages/index/index?from=mp" data-miniprogram-title="每日一题" data-miniprogram-nickname="刷题小助手" data-miniprogram-imageurl="https://m/mini.jpg"></mp-miniprogram>`,
			[]string{"wx1234567890abcdef", "pages/index"}, []string{"每日一题", "名称 刷题小助手", "在微信中打开"}},
		{"mini program text link", `<p><a data-miniprogram-appid="wx1234567890abcdef" data-miniprogram-path="pages/a/b" href="">打开小程序看看</a></p>`,
			[]string{"wx1234567890abcdef", "pages/a/b"}, []string{"打开小程序看看"}},
		{"account", `<mp-common-profile data-id="MzkwMDIxNzQ1Ng==" data-nickname="慢读技术" data-alias="slowreadtech" data-headimg="https://m/h.png" data-signature="每周一篇"></mp-common-profile>`,
			[]string{"MzkwMDIxNzQ1Ng=="}, []string{"慢读技术", "微信号 slowreadtech", "查看公众号", "简介：每周一篇"}},
		{"product", `<mp-common-product data-productid="P_10002345" data-templateid="T88" data-product_name="手冲壶" data-cover="https://m/p.jpg"></mp-common-product>`,
			[]string{"P_10002345", "T88"}, []string{"[商品] 手冲壶", "在微信中查看"}},
		{"channels", `<mp-common-videosnap data-id="export/UzFfAgtgekIEAQAAAAAA" data-nickname="慢读技术" data-username="v2_060000231003b20f@finder" data-desc="一分钟的工作室" data-url="https://m/c.jpg"></mp-common-videosnap>`,
			[]string{"export/UzFfAgtgekIEAQAAAAAA", "v2_060000231003b20f@finder"}, []string{"一分钟的工作室", "视频号 慢读技术"}},
		{"video file", `<video src="` + longURL + `"></video>`, nil, []string{"[视频] [视频文件]", "mpvideo.qpic.cn"}},
	}
	title := regexp.MustCompile(`"mparchive:[^"]*"`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md := convert(t, tt.html, Options{})
			titles := strings.Join(title.FindAllString(md, -1), "\n")
			visible := title.ReplaceAllString(md, "")
			// What a reader sees: the Markdown without link destinations.
			html, err := sharedConverter.ToHTML([]byte(title.ReplaceAllString(md, `"t"`)))
			if err != nil {
				t.Fatal(err)
			}
			text := htmlText(string(html))
			for _, id := range tt.ids {
				if !strings.Contains(titles, id) {
					t.Errorf("%s is not in the link title:\n%s", id, md)
				}
				if strings.Contains(text, id) {
					t.Errorf("%s shows:\n%s", id, text)
				}
			}
			for _, s := range tt.shows {
				if !strings.Contains(visible, s) {
					t.Errorf("the card does not show %q:\n%s", s, md)
				}
			}
			if strings.Contains(text, "dis_k=") {
				t.Errorf("a file's address is link text:\n%s", text)
			}
		})
	}
}

// htmlText is the text of rendered HTML, tags dropped.
func htmlText(s string) string {
	return regexp.MustCompile(`<[^>]*>`).ReplaceAllString(s, " ")
}

// TestNestedEmbedsAgree checks that Convert writes a card for the embeds
// extractEmbeds lists, in the same order, where embeds sit inside others:
// the fallback content of iframe, video and audio and the inside of an
// empty WeChat element hold none, a WeChat element with content keeps the
// embeds in it.
func TestNestedEmbedsAgree(t *testing.T) {
	tests := []string{
		`<mpvoice voice_encode_fileid="a"><p>说明</p><qqmusic mid="m1"></qqmusic></mpvoice>`,
		`<video src="https://v/1.mp4"><qqmusic mid="m2"></qqmusic></video>`,
		`<audio src="https://a/1.mp3"><mpvoice voice_encode_fileid="b"></mpvoice></audio>`,
		`<mp-common-profile data-id="biz"> </mp-common-profile><mpvoice voice_encode_fileid="c"></mpvoice>`,
		`<mp-unknown-thing data-x="1"><mp-common-profile data-id="biz2"></mp-common-profile>文字</mp-unknown-thing>`,
		`<section style="display:none"><mpvoice voice_encode_fileid="d"></mpvoice></section><qqmusic mid="m3"><video src="https://v/2.mp4"></video></qqmusic>`,
		`<iframe class="video_iframe" data-mpvid="wxv_1"></iframe><mp-x><mp-y><mpvoice voice_encode_fileid="e"></mpvoice></mp-y>字</mp-x>`,
	}
	conv := New()
	for _, in := range tests {
		embeds, err := extractEmbeds(in)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, e := range embeds {
			want = append(want, e.Kind)
		}
		md, err := conv.Convert(in, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range regexp.MustCompile(`"mparchive:([a-z-]+)`).FindAllStringSubmatch(md, -1) {
			got = append(got, m[1])
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s\nConvert wrote cards %q, extractEmbeds lists %q\n%s", in, got, want, md)
		}
	}
}

// Every element embedKinds knows is an embed candidate: isEmbedCandidate
// looks names up only when they start as WeChat's do.
func TestEmbedKindsAreCandidates(t *testing.T) {
	for name := range embedKinds {
		if !isEmbedCandidate(&html.Node{Type: html.ElementNode, Data: name}) {
			t.Errorf("<%s> is in embedKinds but not an embed candidate", name)
		}
	}
}
