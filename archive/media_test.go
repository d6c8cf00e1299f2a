package archive

import (
	"reflect"
	"testing"
)

func TestBodyMedia(t *testing.T) {
	const fileID = "MzA5MDE3MTE1NF8yMjQ3NDkwMjMw"
	voice := "https://res.wx.qq.com/voice/getvoice?mediaid=" + fileID
	tests := []struct {
		name string
		html string
		want []MediaRef
	}{
		{"editor mpvoice, as stored (corpus 07)",
			`<p><mpvoice frameborder="0" class="res_iframe js_editor_audio audio_iframe" src="/cgi-bin/readtemplate?t=tmpl/audio_tmpl&amp;name=%E6%98%A5&amp;play_length=21:43" name="春之祭+日瓦戈医生" play_length="1303000" voice_encode_fileid="` + fileID + `"></mpvoice><img data-src="https://mmbiz.qpic.cn/mmbiz_png/X/640?wx_fmt=png" src="data:image/gif;base64,iVBO"></p>`,
			[]MediaRef{{voice, MediaVoice}, {"https://mmbiz.qpic.cn/mmbiz_png/X/640?wx_fmt=png", MediaImage}}},
		{"page markup mp-common-mpaudio with its cover",
			`<mp-common-mpaudio name="新版音频" cover="https://mmbiz.qpic.cn/audio_cover/0?wx_fmt=png" voice_encode_fileid=" ` + fileID + ` "></mp-common-mpaudio>`,
			[]MediaRef{{"https://mmbiz.qpic.cn/audio_cover/0?wx_fmt=png", MediaImage}, {voice, MediaVoice}}},
		{"data- spellings", `<mpvoice data-voice_encode_fileid="A"></mpvoice><mpvoice data-voiceid="B"></mpvoice>`,
			[]MediaRef{{"https://res.wx.qq.com/voice/getvoice?mediaid=A", MediaVoice}, {"https://res.wx.qq.com/voice/getvoice?mediaid=B", MediaVoice}}},
		{"base64 ids are query-escaped", `<mpvoice voice_encode_fileid="ab+/=="></mpvoice>`,
			[]MediaRef{{"https://res.wx.qq.com/voice/getvoice?mediaid=ab%2B%2F%3D%3D", MediaVoice}}},
		{"the same voice twice is one file", `<mpvoice voice_encode_fileid="A"></mpvoice><mp-common-mpaudio voice_encode_fileid="A"></mp-common-mpaudio>`,
			[]MediaRef{{"https://res.wx.qq.com/voice/getvoice?mediaid=A", MediaVoice}}},
		{"a voice without an id has no file", `<mpvoice name="无id"></mpvoice>`, nil},
		{"other elements' file ids are not voices", `<qqmusic voice_encode_fileid="A"></qqmusic>`, nil},
		// Embed covers, as the converter reads them (render/embedhtml.go).
		{"video poster", `<video src="https://e/v.mp4" poster="https://e/poster.png"></video>`,
			[]MediaRef{{"https://e/poster.png", MediaImage}}},
		{"QQ music album", `<qqmusic mid="M" albumurl="https://y.gtimg.cn/a.jpg" cover="https://e/other.jpg"></qqmusic>`,
			[]MediaRef{{"https://y.gtimg.cn/a.jpg", MediaImage}}},
		{"mini program picture", `<mp-miniprogram data-miniprogram-imageurl="https://e/mini.jpg" data-imageurl="https://e/second.jpg"></mp-miniprogram>`,
			[]MediaRef{{"https://e/mini.jpg", MediaImage}}},
		{"channels cover", `<mp-common-videosnap data-url="https://e/snap.jpg" data-headimgurl="https://e/head.jpg"></mp-common-videosnap>`,
			[]MediaRef{{"https://e/snap.jpg", MediaImage}}},
		{"product image", `<mp-common-product data-img_url="https://e/p.jpg"></mp-common-product>`,
			[]MediaRef{{"https://e/p.jpg", MediaImage}}},
		{"an unknown widget's cover", `<mpgongyi data-image="https://e/g.jpg"></mpgongyi>`,
			[]MediaRef{{"https://e/g.jpg", MediaImage}}},
		{"the first attribute set wins, even when it is no web address", `<mp-miniprogram data-miniprogram-imageurl="/local.jpg" data-imageurl="https://e/second.jpg"></mp-miniprogram>`, nil},
		{"cover attributes of elements that are no embed", `<p albumurl="https://e/a.jpg" poster="https://e/p.jpg">x</p><mp-style-type data-image="https://e/s.jpg"></mp-style-type>`, nil},
		{"doubly encoded quotes in a style", `<section style="background-image:url(&amp;quot;https://e/bg.png&amp;quot;)">x</section>`,
			[]MediaRef{{"https://e/bg.png", MediaImage}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := BodyMedia(tt.html); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestArticleMedia(t *testing.T) {
	tests := []struct {
		name string
		art  Article
		want []MediaRef
	}{
		{"cover first, then the body in order",
			Article{ThumbURL: "https://mmbiz.qpic.cn/cover/0", Content: `<img src="https://mmbiz.qpic.cn/a/0"><mpvoice voice_encode_fileid="V"></mpvoice><img src="https://mmbiz.qpic.cn/b/0">`},
			[]MediaRef{{"https://mmbiz.qpic.cn/cover/0", MediaCover}, {"https://mmbiz.qpic.cn/a/0", MediaImage},
				{"https://res.wx.qq.com/voice/getvoice?mediaid=V", MediaVoice}, {"https://mmbiz.qpic.cn/b/0", MediaImage}}},
		{"a cover also shown in the body is listed once, as the cover",
			Article{ThumbURL: "https://mmbiz.qpic.cn/cover/0", Content: `<img src="https://mmbiz.qpic.cn/cover/0">`},
			[]MediaRef{{"https://mmbiz.qpic.cn/cover/0", MediaCover}}},
		{"thumb material cover", Article{ThumbMediaID: "M1"}, []MediaRef{{"wechat-material:M1", MediaCover}}},
		{"nothing", Article{Content: "<p>文字</p>"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ArticleMedia(&tt.art); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestVoiceKey(t *testing.T) {
	for _, id := range []string{"MzA5MDE3MTE1NF8yMjQ3NDkwMjMw", "ab+/==", "有 空格&#"} {
		key := VoiceKey(id)
		if got, ok := VoiceFileID(key); !ok || got != id {
			t.Errorf("VoiceFileID(VoiceKey(%q)) = %q, %v", id, got, ok)
		}
	}
	for _, key := range []string{
		"https://mmbiz.qpic.cn/mmbiz_png/X/0",
		"https://res.wx.qq.com/voice/getvoice?mediaid=",
		"https://res.wx.qq.com/voice/getvoice?mediaid=A&x=1",
		"http://res.wx.qq.com/voice/getvoice?mediaid=A",
		"wechat-material:A",
	} {
		if id, ok := VoiceFileID(key); ok {
			t.Errorf("VoiceFileID(%q) = %q, want not a voice", key, id)
		}
	}
}
