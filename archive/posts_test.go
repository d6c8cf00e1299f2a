package archive

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestTextHTML(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"empty", " \n\n ", ""},
		{"one line", "你好", "<p>你好</p>"},
		{"paragraphs and breaks", "第一段\n第二行\n\n\n第二段", "<p>第一段<br>第二行</p><p>第二段</p>"},
		{"blank line with spaces", "a\n \u3000\nb", "<p>a</p><p>b</p>"},
		{"CRLF", "a\r\nb\r\n\r\nc", "<p>a<br>b</p><p>c</p>"},
		{"addresses become links", "看 https://e.com/a?b=1&c=2。再见",
			`<p>看 <a href="https://e.com/a?b=1&amp;c=2">https://e.com/a?b=1&amp;c=2</a>。再见</p>`},
		{"trailing punctuation stays text", "see http://e.com/x.", `<p>see <a href="http://e.com/x">http://e.com/x</a>.</p>`},
		{"WeChat's links pass through, not linked twice",
			`详见<a href="https://mp.weixin.qq.com/s?a=1&amp;b=2" class="normal_text_link">https://mp.weixin.qq.com/s/x</a>`,
			`<p>详见<a href="https://mp.weixin.qq.com/s?a=1&amp;b=2" class="normal_text_link">https://mp.weixin.qq.com/s/x</a></p>`},
		{"markup characters in text stay text", "1 < 2 & 3 > 2 \"q\"", "<p>1 &lt; 2 &amp; 3 &gt; 2 &#34;q&#34;</p>"},
		{"entities are kept as what they mean", "a &amp; b", "<p>a &amp; b</p>"},
		{"a script is passed on as markup for the converter to drop", "x<script>alert(1)</script>y",
			"<p>x<script>alert(1)</script>y</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TextHTML(tt.text); got != tt.want {
				t.Errorf("TextHTML(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}

// decodeNews decodes a published item holding the given news items.
func decodeNews(t *testing.T, items ...map[string]any) []Article {
	t.Helper()
	raw, err := json.Marshal(map[string]any{
		"article_id": "A1",
		"content":    map[string]any{"news_item": items, "create_time": 1700000000, "update_time": 1700000000},
	})
	if err != nil {
		t.Fatal(err)
	}
	arts, err := DecodeItem(Published, raw)
	if err != nil {
		t.Fatal(err)
	}
	return arts
}

// TestDecodeItem_NewspicFromTheAPI reads the one real newspic item known
// (draft/get, testdata/a25-draft-get-newspic-wxjava.json): a picture post
// whose content is text and whose pictures are image materials.
func TestDecodeItem_NewspicFromTheAPI(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "a25-draft-get-newspic-wxjava.json"))
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		NewsItem []json.RawMessage `json:"news_item"`
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(map[string]any{"media_id": "M1", "content": map[string]any{"news_item": resp.NewsItem}, "update_time": 1})
	arts, err := DecodeItem(Drafts, raw)
	if err != nil || len(arts) != 1 {
		t.Fatalf("%v, %d articles", err, len(arts))
	}
	a := arts[0]
	id := "-V3dxNv-eyJlImuJjWrmaTPt76BS6jHrL6-cGBlFPaXxAuv0qeJYV2p6Ezirr0zS"
	if a.Type != PostPicture || len(a.Pictures) != 1 || a.Pictures[0].Key != MaterialKey(id) {
		t.Fatalf("type %q pictures %+v", a.Type, a.Pictures)
	}
	want := `<p>图片消息的具体内容</p><p><img data-src="wechat-material:` + id + `"></p>`
	if a.Content != want {
		t.Errorf("content\n got %s\nwant %s", a.Content, want)
	}
	// The fetcher downloads the images of BodyMedia: the picture is among it.
	if imgs := contentImages(a.Content); !reflect.DeepEqual(imgs, []string{MaterialKey(id)}) {
		t.Errorf("images = %q", imgs)
	}
	if a.AccountID != "MzkyNTg4NDM1NA==" {
		t.Errorf("account id %q, want the __biz of the preview link", a.AccountID)
	}
}

func TestDecodeItem_PostKinds(t *testing.T) {
	tests := []struct {
		name    string
		item    map[string]any
		typ     PostType
		content string
		check   func(t *testing.T, a Article)
	}{
		{
			name: "ordinary article stays as it is",
			item: map[string]any{"title": "T", "content": "<p>body</p>", "url": "https://mp.weixin.qq.com/s?__biz=QkJC&mid=1&idx=1"},
			typ:  PostArticle, content: "<p>body</p>",
			check: func(t *testing.T, a Article) {
				if a.AccountID != "QkJC" || a.Original || a.Paid || a.Share != nil {
					t.Errorf("%+v", a)
				}
			},
		},
		{
			name: "picture post from a page",
			item: map[string]any{"title": "T", "content": "说明\n第二行", "item_show_type": 8, "account_name": "号",
				"image_info": map[string]any{"image_list": []any{
					map[string]any{"image_url": "https://mmbiz.qpic.cn/a/0?wx_fmt=png&from=appmsg", "width": 100, "height": 50},
					map[string]any{"image_url": "https://mmbiz.qpic.cn/b/0", "width": 10, "height": 20},
				}}},
			typ: PostPicture,
			content: `<p>说明<br>第二行</p><p><img data-src="https://mmbiz.qpic.cn/a/0?wx_fmt=png&amp;from=appmsg"></p>` +
				`<p><img data-src="https://mmbiz.qpic.cn/b/0"></p>`,
			check: func(t *testing.T, a Article) {
				want := []Picture{{"https://mmbiz.qpic.cn/a/0?wx_fmt=png&from=appmsg", 100, 50}, {"https://mmbiz.qpic.cn/b/0", 10, 20}}
				if !reflect.DeepEqual(a.Pictures, want) || a.AccountName != "号" {
					t.Errorf("pictures %+v account %q", a.Pictures, a.AccountName)
				}
			},
		},
		{
			name: "text post",
			item: map[string]any{"title": "T", "content": "a\n\nb https://e.com", "item_show_type": 10, "copyright_stat": 1},
			typ:  PostText, content: `<p>a</p><p>b <a href="https://e.com">https://e.com</a></p>`,
			check: func(t *testing.T, a Article) {
				if !a.Original {
					t.Error("copyright_stat 1 is not original")
				}
			},
		},
		{
			name: "video post",
			item: map[string]any{"title": "T", "content": "看视频", "item_show_type": 5, "thumb_url": "https://mmbiz.qpic.cn/c/0?x=1",
				"video_ids": []any{"wxv_1", "wxv_2"}},
			typ: PostVideo,
			content: `<p>看视频</p><iframe class="video_iframe" data-vidtype="2" data-mpvid="wxv_1" data-cover="https%3A%2F%2Fmmbiz.qpic.cn%2Fc%2F0%3Fx%3D1"></iframe>` +
				`<iframe class="video_iframe" data-vidtype="2" data-mpvid="wxv_2" data-cover="https%3A%2F%2Fmmbiz.qpic.cn%2Fc%2F0%3Fx%3D1"></iframe>`,
		},
		{
			name: "a kind this version does not know is kept and marked",
			item: map[string]any{"title": "T", "content": "<p>whatever it held</p>", "item_show_type": 7},
			typ:  ShowTypePost(7), content: "<p>whatever it held</p>",
		},
		{
			name: "share with a note",
			item: map[string]any{"title": "原标题", "content": "<p>原文正文</p>", "copyright_stat": 2,
				"share": map[string]any{"url": "https://mp.weixin.qq.com/s?__biz=X&mid=1&idx=1", "account": "原号", "author": "作者<甲>", "note": "推荐\n理由"}},
			typ: PostShare,
			content: `<p>推荐<br>理由</p><blockquote><p>原文：<a href="https://mp.weixin.qq.com/s?__biz=X&amp;mid=1&amp;idx=1">原标题</a></p>` +
				`<p>来自公众号「原号」，作者 作者&lt;甲&gt;</p></blockquote><p>原文正文</p>`,
			check: func(t *testing.T, a Article) {
				if a.Share == nil || a.Share.URL != "https://mp.weixin.qq.com/s?__biz=X&mid=1&idx=1" {
					t.Errorf("share %+v", a.Share)
				}
			},
		},
		{
			name: "a share's link that is not a web link is not made one",
			item: map[string]any{"title": "T", "content": "", "copyright_stat": 2,
				"share": map[string]any{"url": "javascript:alert(1)", "account": "原号"}},
			typ:     PostShare,
			content: `<blockquote><p>原文：T</p><p>来自公众号「原号」</p></blockquote>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arts := decodeNews(t, tt.item)
			a := arts[0]
			if a.Type != tt.typ {
				t.Errorf("type %q, want %q", a.Type, tt.typ)
			}
			if a.Content != tt.content {
				t.Errorf("content\n got %s\nwant %s", a.Content, tt.content)
			}
			if tt.check != nil {
				tt.check(t, a)
			}
		})
	}
}

// Items the urls source stored before news items carried the account name
// name it under "page".
func TestDecodeItem_OldURLItemAccountName(t *testing.T) {
	raw := `{"article_id":"B_1_1","content":{"news_item":[{"title":"T","content":"<p>x</p>"}]},"page":{"account_name":"老号"}}`
	arts, err := DecodeItem(URLs, []byte(raw))
	if err != nil || len(arts) != 1 || arts[0].AccountName != "老号" {
		t.Fatalf("%v %+v", err, arts)
	}
	if strings.Contains(arts[0].Content, "blockquote") {
		t.Error("an ordinary article got a share card")
	}
}

func TestTextContent(t *testing.T) {
	pics := []map[string]any{
		{"image_url": "https://mmbiz.qpic.cn/a/0?wx_fmt=png", "width": 10, "height": 20},
		{"image_url": "https://mmbiz.qpic.cn/b/0?wx_fmt=png&x=1"},
	}
	picture := decodeNews(t, map[string]any{
		"title": "p", "content": "第一段\n\n第二段", "item_show_type": ShowTypePicture,
		"image_info": map[string]any{"image_list": pics},
	})[0]
	body, ok := picture.TextContent()
	if !ok || body != "<p>第一段</p><p>第二段</p>" {
		t.Errorf("picture post: %q, %v", body, ok)
	}
	if contentImages(body) != nil {
		t.Errorf("the text part still shows pictures: %q", body)
	}
	article := decodeNews(t, map[string]any{"title": "a", "content": `<p><img data-src="https://mmbiz.qpic.cn/a/0"></p>`})[0]
	if body, ok := article.TextContent(); ok || body != article.Content {
		t.Errorf("article: %q, %v", body, ok)
	}
	// A body shaped otherwise (an edit, another version) is left whole.
	picture.Content += "<p>后记</p>"
	if body, ok := picture.TextContent(); ok || body != picture.Content {
		t.Errorf("reshaped picture post: %q, %v", body, ok)
	}
}
