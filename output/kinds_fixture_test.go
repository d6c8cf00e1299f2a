package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/mparchive/mparchive/archive"
)

// The kinds fixture: one post of every kind WeChat publishes
// (docs/wechat-pages.md) of one account, as the urls source stores pages
// and the API lists items, plus the original of the share, of another
// account whose name is hostile text. The archive's state names the
// account, as the fetcher records it; API items name no account and get
// its name from there.

const (
	kindsBiz        = "MzAwMDAwMDAwMQ=="
	kindsOtherBiz   = "MzA5OTk5OTk5OQ=="
	kindsAccount    = "测试公众号"
	kindsOtherName  = `别的号 <script>alert(1)</script> {{ .Site.Title }} {% raw %}`
	kindsSharedLink = "https://mp.weixin.qq.com/s?__biz=" + kindsOtherBiz + "&mid=2650000009&idx=1&sn=abcdef"
)

// kindsPicture are the picture post's pictures: sizes of their own, so a
// gallery that stretched or squashed them would show.
var kindsPictures = []struct {
	key           string
	width, height int
	colour        color.RGBA
}{
	{"https://mmbiz.qpic.cn/mmbiz_png/PIC1/0?wx_fmt=png&from=appmsg", 60, 40, color.RGBA{0xd0, 0x30, 0x30, 0xff}},
	{"https://mmbiz.qpic.cn/mmbiz_png/PIC2/0?wx_fmt=png&from=appmsg", 40, 60, color.RGBA{0x30, 0x60, 0xd0, 0xff}},
	{"https://mmbiz.qpic.cn/mmbiz_png/PIC3/0?wx_fmt=png&from=appmsg", 50, 50, color.RGBA{0x30, 0xa0, 0x50, 0xff}},
}

// kindsMedia are the other images the fixture stores. IMG_B, the second
// picture of the API's picture post, is left out: a download that failed.
var kindsMedia = []struct{ key, file, mime string }{
	{"https://mmbiz.qpic.cn/mmbiz_jpg/PICCOVER/0?wx_fmt=jpeg", "yellow.jpg", "image/jpeg"},
	{"https://mmbiz.qpic.cn/mmbiz_jpg/SHARED/640?wx_fmt=jpeg", "green.jpg", "image/jpeg"},
	{"https://mmbiz.qpic.cn/mmbiz_jpg/VIDEOCOVER/0?wx_fmt=jpeg", "blue.png", "image/png"},
	{archive.MaterialKey("IMG_A"), "red.png", "image/png"},
}

func kindsLink(biz string, mid int) string {
	return fmt.Sprintf("https://mp.weixin.qq.com/s?__biz=%s&mid=%d&idx=1&sn=%032x", biz, mid, mid)
}

// kindsArchive builds the kinds fixture.
func kindsArchive(t testing.TB) *archive.Archive {
	t.Helper()
	a, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const day = 86400
	put := func(src archive.Source, id string, at int64, item map[string]any) {
		t.Helper()
		raw, err := json.Marshal(map[string]any{
			"media_id": id, "article_id": id, "update_time": at,
			"content": map[string]any{"news_item": []any{item}, "create_time": at, "update_time": at},
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.PutItem(src, raw); err != nil {
			t.Fatal(err)
		}
	}
	page := func(mid int, fields map[string]any) map[string]any {
		fields["url"] = kindsLink(kindsBiz, mid)
		fields["account_name"] = kindsAccount
		fields["account_id"] = kindsBiz
		return fields
	}
	start := int64(1735700000) // 2025-01-01
	put(archive.News, "N_article", start, map[string]any{
		"title": "一篇普通文章", "author": "张三", "digest": "API 列出的文章，没有公众号的名字。",
		"content": "<p>普通文章的正文。</p>", "url": "http://mp.weixin.qq.com/s?__biz=" + kindsBiz + "&mid=2650000001&idx=1&sn=0a#rd",
	})
	put(archive.Published, "P_newspic", start+1*day, map[string]any{
		"title": "API 的图片消息", "article_type": "newspic", "content": "图片消息的文字\n第二行",
		"url":        "http://mp.weixin.qq.com/s?__biz=" + kindsBiz + "&mid=2650000002&idx=1&sn=0b#rd",
		"image_info": map[string]any{"image_list": []any{map[string]any{"image_media_id": "IMG_A"}, map[string]any{"image_media_id": "IMG_B"}}},
	})
	var pics []any
	for _, p := range kindsPictures {
		pics = append(pics, map[string]any{"image_url": p.key, "width": p.width, "height": p.height})
	}
	put(archive.URLs, "U_picture", start+2*day, page(2650000003, map[string]any{
		"title": "周末的照片", "item_show_type": archive.ShowTypePicture, "copyright_stat": archive.CopyrightOriginal,
		"content":   "周末去了公园。\n\n第二段，详见 https://example.com/park 。",
		"thumb_url": kindsMedia[0].key, "image_info": map[string]any{"image_list": pics},
	}))
	put(archive.URLs, "U_text", start+3*day, page(2650000004, map[string]any{
		"title": "今天的想法", "item_show_type": archive.ShowTypeText, "copyright_stat": archive.CopyrightOriginal,
		"content": "今天的想法。\n第二行\n\n第二段",
	}))
	put(archive.URLs, "U_share", start+4*day, page(2650000005, map[string]any{
		"title": "别人的好文章", "author": "原作者", "copyright_stat": archive.CopyrightShare,
		"content": `<p>原文的正文。</p><p><img data-src="` + kindsMedia[1].key + `"></p>`,
		"share": map[string]any{"url": kindsSharedLink, "account": kindsOtherName, "author": "原作者",
			"title": "别人的好文章", "note": "推荐这篇。\n值得一读"},
	}))
	put(archive.URLs, "U_video", start+5*day, page(2650000006, map[string]any{
		"title": "一段视频", "item_show_type": archive.ShowTypeVideo, "content": "视频的介绍",
		"thumb_url": kindsMedia[2].key, "video_ids": []string{"wxv_1234567890"},
	}))
	put(archive.URLs, "U_paid", start+6*day, page(2650000007, map[string]any{
		"title": "付费文章", "paid": true, "copyright_stat": archive.CopyrightOriginal,
		"content": "<p>付费文章的试读部分。</p>",
	}))
	put(archive.URLs, "U_showtype", start+7*day, page(2650000008, map[string]any{
		"title": "一种新的消息", "item_show_type": 7, "content": "<p>一种新的消息的内容。</p>",
	}))
	put(archive.URLs, "U_other", start-day, map[string]any{
		"title": "别人的好文章（原文）", "author": "原作者", "content": "<p>原文的正文。</p>",
		"url": kindsSharedLink, "account_name": kindsOtherName, "account_id": kindsOtherBiz,
	})
	for _, p := range kindsPictures {
		img := image.NewRGBA(image.Rect(0, 0, p.width, p.height))
		for y := range p.height {
			for x := range p.width {
				img.Set(x, y, p.colour)
			}
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		if _, err := a.PutMedia(p.key, buf.Bytes(), ".png", "image/png"); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range kindsMedia {
		data, err := os.ReadFile(filepath.Join("testdata", "media", m.file))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.PutMedia(m.key, data, filepath.Ext(m.file), m.mime); err != nil {
			t.Fatal(err)
		}
	}
	st, err := a.LoadState()
	if err != nil {
		t.Fatal(err)
	}
	st.Account = &archive.Account{Name: kindsAccount, ID: kindsBiz}
	if err := a.SaveState(st); err != nil {
		t.Fatal(err)
	}
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
	return a
}
