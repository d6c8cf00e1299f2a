package wechattest

import (
	"bytes"
	"encoding/json"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"slices"
	"strings"
	"testing"
)

// keys returns the sorted field names of a JSON object.
func keys(v any) []string {
	m, _ := v.(map[string]any)
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func loadSample(t *testing.T, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func firstItem(m map[string]any) map[string]any {
	items, _ := m["item"].([]any)
	if len(items) == 0 {
		return nil
	}
	it, _ := items[0].(map[string]any)
	return it
}

func firstNews(item map[string]any) map[string]any {
	content, _ := item["content"].(map[string]any)
	news, _ := content["news_item"].([]any)
	if len(news) == 0 {
		return nil
	}
	n, _ := news[0].(map[string]any)
	return n
}

// TestShapesMatchRealSamples compares field names with real responses, so
// a client that works against the fake parses the real API too.
func TestShapesMatchRealSamples(t *testing.T) {
	s := start(t, Options{Articles: 40, Seed: 3})
	tok := s.IssueToken()
	page := map[string]any{"type": "news", "offset": 0, "count": 5}

	_, news := call(t, s, "POST", PathBatchGetMaterial, tok, page)
	_, published := call(t, s, "POST", PathFreePublishList, tok, page)
	_, drafts := call(t, s, "POST", PathDraftList, tok, page)
	sample2016 := loadSample(t, "sample-batchget-material-news-2016.json")
	sample2019 := loadSample(t, "sample-batchget-material-news-2019.json")
	samplePub := loadSample(t, "sample-freepublish-batchget-wxjava.json")

	check := func(what string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s fields = %v, want %v", what, got, want)
		}
	}
	check("material page", keys(news), keys(sample2016))
	check("material item", keys(firstItem(news)), keys(firstItem(sample2016)))
	check("material content", keys(firstItem(news)["content"]), keys(firstItem(sample2016)["content"]))
	check("material news_item", keys(firstNews(firstItem(news))), keys(firstNews(firstItem(sample2019))))

	check("published page", keys(published), keys(samplePub))
	// The WxJava fixture puts update_time (and create_time) inside content;
	// the documented response (§4.1) has update_time on the item and only
	// news_item in content, which is what the fake follows.
	check("published item", keys(firstItem(published)), []string{"article_id", "content", "update_time"})
	check("published content", keys(firstItem(published)["content"]), []string{"news_item"})
	check("published news_item", keys(firstNews(firstItem(published))), keys(firstNews(firstItem(samplePub))))

	check("draft item", keys(firstItem(drafts)), []string{"content", "media_id", "update_time"})
	check("draft content", keys(firstItem(drafts)["content"]), []string{"create_time", "news_item", "update_time"})
	draftNews := keys(firstNews(firstItem(drafts)))
	if slices.Contains(draftNews, "is_deleted") || !slices.Contains(draftNews, "url") {
		t.Errorf("draft news_item fields %v: want url and no is_deleted", draftNews)
	}

	_, counts := call(t, s, "GET", PathMaterialCount, tok, nil)
	check("material count", keys(counts), []string{"image_count", "news_count", "video_count", "voice_count"})
	_, images := call(t, s, "POST", PathBatchGetMaterial, tok, map[string]any{"type": "image", "offset": 0, "count": 3})
	check("image item", keys(firstItem(images)), []string{"media_id", "name", "update_time", "url"})
}

func TestJSONLooksLikeWeChat(t *testing.T) {
	s := start(t, Options{Articles: 5, Seed: 9})
	resp, raw := do(t, s, "POST", PathBatchGetMaterial, s.IssueToken(), map[string]any{"type": "news", "offset": 0, "count": 1})
	if ct := resp.Header.Get("Content-Type"); ct != jsonContentType {
		t.Errorf("Content-Type %q", ct)
	}
	if !bytes.Contains(raw, []byte(`<\/`)) || bytes.Contains(raw, []byte(`\u003c`)) {
		t.Error(`want slashes escaped as \/ and < > & literal, as in the real samples`)
	}
	if bytes.Contains(raw, []byte(mmbizHost)) {
		t.Error("served content still names the placeholder image host")
	}
}

func TestPaging(t *testing.T) {
	s := start(t, Options{Articles: 237, Drafts: 31, Seed: 5})
	tok := s.IssueToken()
	walk := func(path string, body map[string]any) (articles, total int) {
		for offset := 0; ; offset += 20 {
			body["offset"], body["count"] = offset, 20
			_, out := call(t, s, "POST", path, tok, body)
			if errcode(out) != 0 {
				t.Fatalf("%s: %v", path, out)
			}
			items := out["item"].([]any)
			total = int(out["total_count"].(float64))
			if int(out["item_count"].(float64)) != len(items) {
				t.Fatalf("%s: item_count disagrees with item", path)
			}
			if len(items) == 0 {
				return articles, total
			}
			for _, it := range items {
				articles += len(it.(map[string]any)["content"].(map[string]any)["news_item"].([]any))
			}
		}
	}
	news, _ := walk(PathBatchGetMaterial, map[string]any{"type": "news"})
	pub, _ := walk(PathFreePublishList, map[string]any{"no_content": 0})
	drafts, _ := walk(PathDraftList, map[string]any{})
	if news+pub != 237 || drafts != 31 {
		t.Errorf("news %d + published %d = %d articles, drafts %d; want 237 and 31", news, pub, news+pub, drafts)
	}
	if news == 0 || pub == 0 {
		t.Error("both default sources should hold articles")
	}

	for _, noContent := range []any{1, true, "1"} {
		_, out := call(t, s, "POST", PathFreePublishList, tok, map[string]any{"offset": 0, "count": 3, "no_content": noContent})
		if _, has := firstNews(firstItem(out))["content"]; has {
			t.Errorf("no_content %#v still returned content", noContent)
		}
	}
	for _, bad := range []map[string]any{{"count": 0}, {"count": 21}, {"count": 5, "offset": -1}} {
		bad["type"] = "news"
		_, out := call(t, s, "POST", PathBatchGetMaterial, tok, bad)
		if errcode(out) != 40097 {
			t.Errorf("%v: %v, want 40097", bad, out)
		}
	}
	_, out := call(t, s, "POST", PathBatchGetMaterial, tok, map[string]any{"type": "nonsense", "offset": 0, "count": 5})
	if errcode(out) != 40004 {
		t.Errorf("bad type: %v", out)
	}
	resp, raw := do(t, s, "POST", PathBatchGetMaterial, tok, nil)
	if !strings.Contains(string(raw), "44002") || resp.StatusCode != 200 {
		t.Errorf("empty body: %s", raw)
	}
}
