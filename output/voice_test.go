package output

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/render"
)

// voiceArticle holds three voices: one stored as MP3, one stored as AMR
// (which browsers cannot play), and one whose download failed.
const voiceArticle = `<p>本期节目：</p>` +
	`<mpvoice frameborder="0" class="res_iframe js_editor_audio audio_iframe" src="/cgi-bin/readtemplate?t=tmpl/audio_tmpl&amp;name=a&amp;play_length=01:05" name="晨读_第1期" play_length="65000" voice_encode_fileid="MzA5MDE3MTE1NF8yMjQ3NDkwMjMw"></mpvoice>` +
	`<p><img data-src="https://mmbiz.qpic.cn/mmbiz_png/SPRING/640?wx_fmt=png"></p>` +
	`<mp-common-mpaudio name="留言 <回放>" author="作者名" play_length="3723000" voice_encode_fileid="AMR+ID=="></mp-common-mpaudio>` +
	`<mpvoice name="没下载到的语音" play_length="21000" voice_encode_fileid="GONE"></mpvoice>`

// voiceArchive is an archive with voiceArticle, its image and its first
// two voices stored.
func voiceArchive(t *testing.T) *archive.Archive {
	t.Helper()
	a, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct{ key, file, mime string }{
		{archive.VoiceKey("MzA5MDE3MTE1NF8yMjQ3NDkwMjMw"), "voice.mp3", "audio/mpeg"},
		{archive.VoiceKey("AMR+ID=="), "voice.amr", "audio/amr"},
		{"https://mmbiz.qpic.cn/mmbiz_png/SPRING/640?wx_fmt=png", "red.png", "image/png"},
	} {
		data, err := os.ReadFile(filepath.Join("testdata", "media", m.file))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.PutMedia(m.key, data, filepath.Ext(m.file), m.mime); err != nil {
			t.Fatal(err)
		}
	}
	putNews(t, a, "MEDIA_voice", 1707494400, fixtureArticle{
		Title: "播客第1期", Author: "张三", URL: "https://mp.weixin.qq.com/s/VOICE", Content: voiceArticle,
	})
	must(t, a.Flush())
	return a
}

func putNews(t *testing.T, a *archive.Archive, id string, created int64, items ...fixtureArticle) {
	t.Helper()
	raw := fmt.Appendf(nil, `{"media_id":%q,"update_time":%d,"content":{"create_time":%d,"update_time":%d,"news_item":[`, id, created, created, created)
	for i, it := range items {
		if i > 0 {
			raw = append(raw, ',')
		}
		raw = fmt.Appendf(raw, `{"title":%q,"author":%q,"content":%q,"url":%q}`, it.Title, it.Author, it.Content, it.URL)
	}
	raw = append(raw, "]}}"...)
	if _, err := a.PutItem(archive.News, raw); err != nil {
		t.Fatal(err)
	}
}

// voiceQuote finds the site's voice cards.
var voiceQuote = regexp.MustCompile(`(?s)<blockquote class="embed embed-voice">.*?</blockquote>`)

// TestVoiceOutputs writes the voice article in every format with the real
// converter and compares, with testdata/voice/<format>.txtar, the article
// page (the site's voice cards only: the rest is the theme's) and the list
// of files beside it: the stored voices are copied into the article's
// folder and linked by name and duration, the site plays the MP3 with an
// <audio> player, the AMR stays a link, and the failed one links WeChat's
// player address and is reported missing.
//
//	go test ./output -run TestVoiceOutputs -update
func TestVoiceOutputs(t *testing.T) {
	a := voiceArchive(t)
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			out := t.TempDir()
			res, err := newWriter(t, format, out, Options{Converter: render.New(), SiteTitle: "测试公众号"}).Write(t.Context(), a)
			if err != nil || len(res.Failed) > 0 {
				t.Fatalf("%+v %v", res, err)
			}
			gone := archive.VoiceKey("GONE")
			if len(res.Missing) != 1 || !slices.Equal(res.Missing[0].Images, []string{gone}) {
				t.Errorf("missing %+v, want only %s", res.Missing, gone)
			}

			var page string
			var files []string
			for _, f := range treeTxtar(t, out).Files {
				switch ext := filepath.Ext(f.Name); {
				case ext == ".mp3" || ext == ".amr" || ext == ".png":
					files = append(files, f.Name)
				case strings.Contains(string(f.Data), "晨读") && (ext == ".md" || strings.HasSuffix(f.Name, "index.html")):
					if page != "" {
						t.Fatalf("two pages hold the article: %s and %s", page, f.Name)
					}
					page = f.Name
				}
			}
			if page == "" {
				t.Fatal("no page holds the article")
			}
			got := &txtar.Archive{Comment: []byte("The voice article of TestVoiceOutputs in --format " + format + "; regenerate with go test ./output -run TestVoiceOutputs -update.\n")}
			body, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(page)))
			if err != nil {
				t.Fatal(err)
			}
			if format == "site" {
				body = []byte(strings.Join(voiceQuote.FindAllString(string(body), -1), "\n") + "\n")
			}
			got.Files = append(got.Files, txtar.File{Name: page, Data: body})
			got.Files = append(got.Files, txtar.File{Name: "media files", Data: []byte(strings.Join(files, "\n") + "\n")})
			compareGolden(t, "voice", format, got)

			// Every voice the page links or plays locally was copied
			// (where each generator looks for it, the real-tool tests
			// check for images, which voices share).
			for _, m := range regexp.MustCompile(`[0-9a-f]{12}\.(?:mp3|amr)`).FindAllString(string(body), -1) {
				if !slices.ContainsFunc(files, func(f string) bool { return path.Base(f) == m }) {
					t.Errorf("%s links %s, which the output lacks", page, m)
				}
			}
		})
	}
}

// TestVoiceKeysAgree checks that the media store key archive gives a voice
// is the address render asks the output to link it to, so that the output finds the file the
// fetcher stored under it.
func TestVoiceKeysAgree(t *testing.T) {
	bodies := []string{
		voiceArticle,
		`<mpvoice voice_encode_fileid="ab+/=="></mpvoice><mpvoice data-voice_encode_fileid=" 空 格 "></mpvoice>`,
		`<section><mp-common-mpaudio data-voiceid="X%Y&amp;Z" cover="https://mmbiz.qpic.cn/c/0"></mp-common-mpaudio></section>`,
	}
	for _, body := range bodies {
		var keys, urls []string
		for _, m := range archive.BodyMedia(body) {
			if m.Kind == archive.MediaVoice {
				keys = append(keys, m.Key)
			}
		}
		_, err := render.New().Convert(body, render.Options{
			MediaURL: func(remote string) string { urls = append(urls, remote); return "" },
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) == 0 || !slices.Equal(keys, urls) {
			t.Errorf("archive keys %q, render links %q", keys, urls)
		}
	}
}
