package output

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mparchive/mparchive/archive"
)

// siteFixtureMedia are the images and the voice of the site fixture, all
// stored, so that a page that asked the network for one would be a bug.
var siteFixtureMedia = []struct{ key, file, mime string }{
	{"https://mmbiz.qpic.cn/mmbiz_png/SPRING/640?wx_fmt=png", "red.png", "image/png"},
	{"https://mmbiz.qpic.cn/mmbiz_jpg/HOME/640?wx_fmt=jpeg", "green.jpg", "image/jpeg"},
	{"https://mmbiz.qpic.cn/mmbiz_jpg/BOOK/0?wx_fmt=jpeg", "yellow.jpg", "image/jpeg"},
	{"http://mmbiz.qpic.cn/mmbiz_jpg/VIDCOVER/0?wx_fmt=jpeg", "blue.png", "image/png"},
	{"https://mmbiz.qpic.cn/mmbiz_png/MINI/0?wx_fmt=png", "red.png", "image/png"},
	{"http://mmbiz.qpic.cn/mmbiz_png/HEAD/0?wx_fmt=png", "green.jpg", "image/jpeg"},
	{archive.VoiceKey("MzA5MDE3MTE1NF8y"), "voice.mp3", "audio/mpeg"},
}

type fixtureArticle struct {
	Title   string `json:"title"`
	Author  string `json:"author"`
	Digest  string `json:"digest"`
	Content string `json:"content"`
	Source  string `json:"content_source_url"`
	URL     string `json:"url"`
	Thumb   string `json:"thumb_url"`
}

// siteFixture is a small account: Chinese and English articles over three
// months, covers, embeds, and enough filler for two pages of the home list.
// Only the first two articles mention 春节; only the third says "WeChat".
// It holds the permanent materials of fixtureMaterials too.
func siteFixture(t testing.TB) *archive.Archive {
	t.Helper()
	return buildSiteFixture(t, 22)
}

// buildSiteFixture is siteFixture with daily filler articles.
func buildSiteFixture(t testing.TB, daily int) *archive.Archive {
	t.Helper()
	a, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range siteFixtureMedia {
		data, err := os.ReadFile(filepath.Join("testdata", "media", m.file))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.PutMedia(m.key, data, filepath.Ext(m.file), m.mime); err != nil {
			t.Fatal(err)
		}
	}
	put := func(id string, created int64, items ...fixtureArticle) {
		raw, err := json.Marshal(map[string]any{
			"media_id":    id,
			"content":     map[string]any{"news_item": items, "create_time": created, "update_time": created + 3600},
			"update_time": created + 3600,
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.PutItem(archive.News, raw); err != nil {
			t.Fatal(err)
		}
	}
	spring := fixtureArticle{
		Title: "春节快乐：新年的第一篇", Author: "张三", Digest: "给读者拜年，顺便聊聊这一年。",
		URL: "https://mp.weixin.qq.com/s/SPRING", Source: "https://example.com/spring?from=mp&x=1",
		Thumb: "https://mmbiz.qpic.cn/mmbiz_png/SPRING/640?wx_fmt=png",
		Content: `<section style="line-height:1.75"><p>各位读者，<strong>新年好</strong>！又到了一年一度的春节，祝大家身体健康。</p>` +
			`<h2>第一章 过年</h2><p>这一章写除夕夜的饺子和烟花。</p>` +
			`<p><img data-src="https://mmbiz.qpic.cn/mmbiz_png/SPRING/640?wx_fmt=png" class="rich_pages"></p>` +
			`<iframe class="video_iframe rich_pages" data-src="https://v.qq.com/txp/iframe/player.html?vid=wxv_123" data-mpvid="wxv_123" data-cover="http%3A%2F%2Fmmbiz.qpic.cn%2Fmmbiz_jpg%2FVIDCOVER%2F0%3Fwx_fmt%3Djpeg" data-title="除夕烟花"></iframe>` +
			`<mp-common-miniprogram data-miniprogram-appid="wx1234567890abcdef" data-miniprogram-path="pages/index" data-miniprogram-title="年货清单" data-miniprogram-imageurl="https://mmbiz.qpic.cn/mmbiz_png/MINI/0?wx_fmt=png"></mp-common-miniprogram>` +
			`<mp-common-profile data-id="MzA5MDE3MTE1NA==" data-nickname="隔壁公众号" data-headimg="http://mmbiz.qpic.cn/mmbiz_png/HEAD/0?wx_fmt=png" data-signature="每天一篇"></mp-common-profile>` +
			`<mpvoice voice_encode_fileid="MzA5MDE3MTE1NF8y" name="新年祝福" play_length="65000"></mpvoice>` +
			`<p>表格：</p><table><tr><th>菜</th><th>数量</th></tr><tr><td>饺子</td><td>100</td></tr></table>` +
			`<p>代码：</p><pre><code>fmt.Println("新年快乐")</code></pre>` +
			`<p>A <script>alert(1)</script> script must stay text.</p></section>`,
	}
	home := fixtureArticle{
		Title: "家乡的年味", Author: "李四", Digest: "回家过年。",
		URL: "https://mp.weixin.qq.com/s/HOME", Thumb: "https://mmbiz.qpic.cn/mmbiz_jpg/HOME/640?wx_fmt=jpeg",
		Content: `<p>今年春节我们回到了家乡，年味还是小时候的样子。</p><p><img data-src="https://mmbiz.qpic.cn/mmbiz_jpg/HOME/640?wx_fmt=jpeg"></p>`,
	}
	english := fixtureArticle{
		Title: "Export notes", Author: "张三", Digest: "How the archive is made.",
		URL:     "https://mp.weixin.qq.com/s/NOTES",
		Content: `<p>Exporting a WeChat account keeps every article, image and embed offline.</p><p>第二段说明导出的细节。</p>`,
	}
	book := fixtureArticle{
		Title: "读书笔记：<三体>", Author: "王五", Digest: "一本科幻小说。",
		URL: "https://mp.weixin.qq.com/s/BOOK", Thumb: "https://mmbiz.qpic.cn/mmbiz_jpg/BOOK/0?wx_fmt=jpeg",
		Content: `<p>黑暗森林是一个很有意思的设想。</p>`,
	}
	const day = 86400
	put("MEDIA_spring", 1707494400, spring) // 2024-02-10
	put("MEDIA_home", 1705708800, home)     // 2024-01-20
	put("MEDIA_notes", 1701734400, english) // 2023-12-05
	put("MEDIA_book", 1698796800, book)     // 2023-11-01
	for i := range daily {
		var body strings.Builder
		for p := range 5 {
			fmt.Fprintf(&body, "<p>第 %d 篇日常的第 %d 段：天气晴，读书，散步。</p>", i+1, p+1)
		}
		put(fmt.Sprintf("MEDIA_daily_%02d", i), int64(1698796800-(i+1)*day), fixtureArticle{
			Title: fmt.Sprintf("日常记录 第 %d 篇", i+1), Author: "王五",
			URL: fmt.Sprintf("https://mp.weixin.qq.com/s/DAILY%d", i), Content: body.String(),
		})
	}
	putFixtureMaterials(t, a)
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
	return a
}
