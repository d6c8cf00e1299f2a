package output

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mparchive/mparchive/archive"
)

func putItem(t *testing.T, a *archive.Archive, src archive.Source, idKey, id string, item map[string]any) {
	t.Helper()
	raw, err := json.Marshal(map[string]any{
		idKey:         id,
		"content":     map[string]any{"news_item": []any{item}},
		"update_time": 1700000000,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutItem(src, raw); err != nil {
		t.Fatal(err)
	}
}

// TestSameArticleInThreeSourcesIsOnePage stores one article as a news
// material, a published item and a fetched page (same __biz/mid/idx), and
// a draft with the same body but no permalink: every output shows it once,
// under the published copy, naming all four ids.
func TestSameArticleInThreeSourcesIsOnePage(t *testing.T) {
	a, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	body := "<p>" + strings.Repeat("同一篇文章，从三个来源拿到。", 20) + "</p>"
	link := "http://mp.weixin.qq.com/s?__biz=MzA5MDE3MTE1NA==&mid=2247490230&idx=1&sn=abc#rd"
	item := func(url string) map[string]any {
		return map[string]any{"title": "三处同一文", "author": "编辑部", "content": body, "url": url}
	}
	putItem(t, a, archive.News, "media_id", "NEWS1", item(link))
	putItem(t, a, archive.Published, "article_id", "PUB1", item(strings.Replace(link, "sn=abc", "sn=def&chksm=1", 1)))
	putItem(t, a, archive.URLs, "article_id", "MzA5MDE3MTE1NA==_2247490230_1", item("https://mp.weixin.qq.com/s?__biz=MzA5MDE3MTE1NA==&mid=2247490230&idx=1"))
	putItem(t, a, archive.Drafts, "media_id", "DRAFT1", item("http://mp.weixin.qq.com/s?__biz=x&tempkey=preview"))
	putItem(t, a, archive.News, "media_id", "OTHER", map[string]any{"title": "另一篇", "content": "<p>different</p>", "url": "http://mp.weixin.qq.com/s?__biz=MzA5MDE3MTE1NA==&mid=2247490230&idx=2"})

	for _, format := range []string{"hugo", "markdown", "site"} {
		t.Run(format, func(t *testing.T) {
			out := t.TempDir()
			w, err := New(format, out, Options{Converter: listingConverter{}})
			if err != nil {
				t.Fatal(err)
			}
			res, err := w.Write(t.Context(), a)
			if err != nil {
				t.Fatal(err)
			}
			if res.Articles != 2 {
				t.Fatalf("%d articles written, want 2 (the copies merged)", res.Articles)
			}
			if format != "hugo" {
				return
			}
			pages, _ := filepath.Glob(filepath.Join(out, "content", "posts", "*", "index.md"))
			var merged string
			for _, p := range pages {
				b, _ := os.ReadFile(p)
				if strings.Contains(string(b), "三处同一文") {
					merged = string(b)
				}
			}
			for _, want := range []string{"media_id: PUB1", "wechat_ids:", "- published/PUB1/1", "- news/NEWS1/1", "- drafts/DRAFT1/1", "- urls/MzA5MDE3MTE1NA==_2247490230_1/1"} {
				if !strings.Contains(merged, want) {
					t.Errorf("merged page lacks %q:\n%s", want, merged)
				}
			}
		})
	}
}
