package archive

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// page is a batchget response; the tests take its items as the API sent them.
type page struct {
	TotalCount int               `json:"total_count"`
	Item       []json.RawMessage `json:"item"`
}

func readPage(t *testing.T, name string) page {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var p page
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDecodeRealResponses(t *testing.T) {
	news := readPage(t, "01-batchget-material-news-2016.json")
	arts, err := DecodeItem(News, news.Item[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 3 {
		t.Fatalf("a three-article message decoded to %d articles", len(arts))
	}
	a := arts[2]
	if a.Key() != "news/mErowUdivp53pbwYC5N7cWHso263srzn3ThPzOOxbPY/3" {
		t.Errorf("key %q", a.Key())
	}
	if a.Title != "第二条文图消息第三条内容" || a.ShowCoverPic != 1 || a.ContentSourceURL != "http://strom.bcdbook.com" {
		t.Errorf("fields: %+v", a)
	}
	if got := a.CreateTime.Format(time.RFC3339); got != "2016-06-02T13:23:04+08:00" {
		t.Errorf("create_time %s", got)
	}
	if got := a.UpdateTime.Format(time.RFC3339); got != "2016-06-02T14:08:52+08:00" {
		t.Errorf("update_time %s", got)
	}
	p, ok := ParsePermalink(a.URL)
	if !ok || p != (Permalink{Biz: "MzIwMzI3NzA0Mw==", Mid: "100000074", Idx: "3"}) {
		t.Errorf("permalink %+v %v", p, ok)
	}

	pub := readPage(t, "02-freepublish-batchget-wxjava.json")
	arts, err = DecodeItem(Published, pub.Item[0])
	if err != nil {
		t.Fatal(err)
	}
	if arts[0].ItemID != "zjMKVd1g66BkEkpetwml4BOSzatuEYNY3TFhCc0kSIE" || arts[0].Deleted || arts[0].NeedOpenComment != 1 {
		t.Errorf("published: %+v", arts[0])
	}
	// The documented shape has no create_time, but this real one does.
	if arts[0].CreateTime.Unix() != 1634976306 || arts[0].Date() != arts[0].CreateTime {
		t.Errorf("create_time %v", arts[0].CreateTime)
	}
	noCreate, _ := DecodeItem(Published, []byte(`{"article_id":"B","content":{"news_item":[{"title":"t"}]},"update_time":1634976318}`))
	if !noCreate[0].CreateTime.IsZero() || noCreate[0].Date() != noCreate[0].UpdateTime {
		t.Errorf("Date should fall back to update_time: %+v", noCreate[0])
	}
}

func TestDecodeTolerantNumbers(t *testing.T) {
	raw := `{"article_id":"A","content":{"news_item":[{"title":"t","is_deleted":1,"show_cover_pic":"1"}]},"update_time":"1634976318"}`
	arts, err := DecodeItem(Published, []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if !arts[0].Deleted || arts[0].ShowCoverPic != 1 || arts[0].UpdateTime.Unix() != 1634976318 {
		t.Errorf("%+v", arts[0])
	}
	for _, bad := range []string{`{"media_id":""}`, `{"media_id":`, `[]`} {
		if _, err := DecodeItem(News, []byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestPutItemKeepsBytesAndSkipsUnchanged(t *testing.T) {
	a, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	news := readPage(t, "01-batchget-material-news-2016.json")
	changed, err := a.PutItem(News, news.Item[0])
	if err != nil || !changed {
		t.Fatalf("first put: changed=%v err=%v", changed, err)
	}
	path := filepath.Join(a.Dir(), "items", "news", "mErowUdivp53pbwYC5N7cQonQ8MCSPtJ3gVJblKNJjc.json")
	// A day back: a rewrite would show in the mtime.
	day := time.Now().Add(-24 * time.Hour)
	if err := os.Chtimes(path, day, day); err != nil {
		t.Fatal(err)
	}
	st1, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	// Key order as received: media_id first, content before update_time.
	if !strings.HasPrefix(string(b), "{\n  \"media_id\"") || strings.Index(string(b), `"content"`) > strings.LastIndex(string(b), `"update_time"`) {
		t.Errorf("stored item lost the API's key order:\n%s", b)
	}
	changed, err = a.PutItem(News, news.Item[0])
	if err != nil || changed {
		t.Fatalf("second put: changed=%v err=%v", changed, err)
	}
	st2, _ := os.Stat(path)
	if !st1.ModTime().Equal(st2.ModTime()) {
		t.Error("an unchanged item was rewritten")
	}
	var n int
	if err := a.Walk(func(*Article) error { n++; return nil }); err != nil || n != 1 {
		t.Errorf("walk: %d articles, %v", n, err)
	}
}

func TestHostileIDsStayInside(t *testing.T) {
	a, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"../../etc/passwd", "a/b", "CON", `x"y`, strings.Repeat("z", 300)} {
		raw, _ := json.Marshal(map[string]any{"media_id": id, "content": map[string]any{"news_item": []any{}}})
		if _, err := a.PutItem(News, raw); err != nil {
			t.Fatalf("%q: %v", id, err)
		}
		if !a.HasItem(News, id) {
			t.Errorf("%q not found after put", id)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(a.Dir(), "items", "news"))
	for _, e := range entries {
		if strings.ContainsAny(e.Name(), `/\"`) || strings.Contains(e.Name(), "..") || len(e.Name()) > 140 {
			t.Errorf("unsafe file name %q", e.Name())
		}
	}
	if len(entries) != 5 {
		t.Errorf("%d files for 5 ids", len(entries))
	}
}

func TestMediaStoredOncePerContent(t *testing.T) {
	dir := t.TempDir()
	a, _ := Open(dir)
	e1, err := a.PutMedia("https://mmbiz.qpic.cn/a/0?wx_fmt=png", []byte("same"), ".png", "image/png")
	if err != nil {
		t.Fatal(err)
	}
	e2, _ := a.PutMedia("https://mmbiz.qpic.cn/b/0?wx_fmt=png", []byte("same"), ".png", "image/png")
	if e1 != e2 {
		t.Errorf("same bytes, different entries: %+v %+v", e1, e2)
	}
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
	b, _ := Open(dir)
	if got, ok := b.Media("https://mmbiz.qpic.cn/b/0?wx_fmt=png"); !ok || got != e1 {
		t.Errorf("index not persisted: %+v %v", got, ok)
	}
	if data, err := os.ReadFile(b.MediaPath(e1)); err != nil || string(data) != "same" {
		t.Errorf("media file: %q %v", data, err)
	}
}

func TestStateRoundTrip(t *testing.T) {
	a, _ := Open(t.TempDir())
	st, err := a.LoadState()
	if err != nil {
		t.Fatal(err)
	}
	st.Cursor(Published).Offset = 40
	st.Cursor(Published).Incomplete = true
	st.FailedMedia["https://x/1"] = "HTTP 404"
	st.Quota = &QuotaStop{Endpoint: "/cgi-bin/freepublish/batchget", ResetAt: time.Date(2026, 11, 27, 0, 0, 0, 0, ChinaTime)}
	if err := a.SaveState(st); err != nil {
		t.Fatal(err)
	}
	got, err := a.LoadState()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Sources, st.Sources) || got.FailedMedia["https://x/1"] != "HTTP 404" || !got.Quota.ResetAt.Equal(st.Quota.ResetAt) {
		t.Errorf("state did not round-trip: %+v", got)
	}
	os.WriteFile(filepath.Join(a.Dir(), "state.json"), []byte("{broken"), 0o644)
	if _, err := a.LoadState(); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged state: %v", err)
	}
}

func TestContentImages(t *testing.T) {
	tests := []struct {
		name string
		html string
		want []string
	}{
		{"lazy image prefers data-src", `<img data-src="https://mmbiz.qpic.cn/a/640?wx_fmt=png&amp;from=appmsg" src="data:image/gif;base64,R0lGOD">`,
			[]string{"https://mmbiz.qpic.cn/a/640?wx_fmt=png&from=appmsg"}},
		{"src when no data-src", `<img src="https://mmbiz.qpic.cn/b/0?wx_fmt=jpeg">`, []string{"https://mmbiz.qpic.cn/b/0?wx_fmt=jpeg"}},
		{"data URI only", `<img src="data:image/png;base64,AAAA">`, nil},
		{"background image", `<section style="background-image: url(&quot;https://mmbiz.qpic.cn/c/0?wx_fmt=gif&quot;); color:red">x</section>`,
			[]string{"https://mmbiz.qpic.cn/c/0?wx_fmt=gif"}},
		{"video cover is URL-encoded", `<iframe class="video_iframe" data-mpvid="wxv_1" data-cover="http%3A%2F%2Fmmbiz.qpic.cn%2Fd%2F0%3Fwx_fmt%3Djpeg"></iframe>`,
			[]string{"http://mmbiz.qpic.cn/d/0?wx_fmt=jpeg"}},
		{"account card avatar", `<mp-common-profile data-headimg="http://mmbiz.qpic.cn/e/0"></mp-common-profile>`, []string{"http://mmbiz.qpic.cn/e/0"}},
		{"each once, in order", `<img data-src="https://x/2"><img data-src="https://x/1"><img data-src="https://x/2">`, []string{"https://x/2", "https://x/1"}},
		{"relative and javascript ignored", `<img src="/cgi-bin/x"><img src="javascript:alert(1)">`, nil},
		{"broken markup", `<p><img data-src="https://x/3"<section style="background:url(https://x/4)">`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := contentImages(tt.html)
			if tt.name == "broken markup" {
				return // only must not panic
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// contentImages lists the images an article body shows, in document order,
// each once: the MediaImage entries of BodyMedia.
func contentImages(body string) []string {
	var out []string
	for _, m := range BodyMedia(body) {
		if m.Kind == MediaImage {
			out = append(out, m.Key)
		}
	}
	return out
}

func TestFlexInt(t *testing.T) {
	for in, want := range map[string]int64{
		`12`: 12, `-1`: -1, `"1700000000"`: 1700000000, `" 7 "`: 7, `null`: 0, `""`: 0, `"  "`: 0,
		`3.0`: 3, `1e3`: 1000, `"2.0"`: 2, `9007199254740993`: 9007199254740993, `"\u0031\u0032"`: 12,
	} {
		var n FlexInt
		if err := json.Unmarshal([]byte(in), &n); err != nil || int64(n) != want {
			t.Errorf("FlexInt(%s) = %d, %v; want %d", in, n, err, want)
		}
	}
	for _, bad := range []string{`"x"`, `1.5`, `"1.5"`, `1e300`, `{}`, `true`, `[1]`, `"12abc"`} {
		var n FlexInt
		if err := json.Unmarshal([]byte(bad), &n); err == nil {
			t.Errorf("FlexInt(%s) accepted as %d", bad, n)
		}
	}
}
