package wechattest

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func start(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// call makes one request and decodes a JSON answer into a generic map.
func call(t *testing.T, s *Server, method, path, token string, body any) (int, map[string]any) {
	t.Helper()
	resp, raw := do(t, s, method, path, token, body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: status %d, body %q is not JSON: %v", method, path, resp.StatusCode, raw, err)
	}
	return resp.StatusCode, out
}

func do(t *testing.T, s *Server, method, path, token string, body any) (*http.Response, []byte) {
	t.Helper()
	u := s.URL() + path
	if token != "" {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + "access_token=" + token
	}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, u, rd)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return resp, raw
}

func errcode(m map[string]any) int {
	f, _ := m["errcode"].(float64)
	return int(f)
}

func stableToken(t *testing.T, s *Server, force bool) string {
	t.Helper()
	_, out := call(t, s, "POST", PathStableToken, "", map[string]any{"grant_type": "client_credential", "appid": "wxapp", "secret": "sec", "force_refresh": force})
	tok, _ := out["access_token"].(string)
	if tok == "" {
		t.Fatalf("stable_token: %v", out)
	}
	return tok
}

func classicToken(t *testing.T, s *Server) string {
	t.Helper()
	_, out := call(t, s, "GET", PathToken+"?grant_type=client_credential&appid=wxapp&secret=sec", "", nil)
	tok, _ := out["access_token"].(string)
	if tok == "" {
		t.Fatalf("token: %v", out)
	}
	return tok
}

func TestQuotaAndRollover(t *testing.T) {
	s := start(t, Options{Articles: 30, Quotas: map[string]int{PathFreePublishList: 3}})
	// 23:59:30 in Shanghai.
	s.SetNow(time.Date(2025, 5, 1, 15, 59, 30, 0, time.UTC))
	tok := s.IssueToken()
	list := func() int {
		_, out := call(t, s, "POST", PathFreePublishList, tok, map[string]any{"offset": 0, "count": 20, "no_content": 1})
		return errcode(out)
	}
	for i := range 3 {
		if got := list(); got != 0 {
			t.Fatalf("call %d: errcode %d", i, got)
		}
	}
	if got := list(); got != 45009 {
		t.Fatalf("over quota: errcode %d, want 45009", got)
	}
	_, q := call(t, s, "POST", PathQuotaGet, tok, map[string]any{"cgi_path": PathFreePublishList})
	quota := q["quota"].(map[string]any)
	if quota["daily_limit"].(float64) != 3 || quota["used"].(float64) != 3 || quota["remain"].(float64) != 0 || q["errmsg"] != "ok" {
		t.Errorf("quota/get = %v", q)
	}
	for _, bad := range []string{"cgi-bin/freepublish/batchget", "/cgi-bin/nope"} {
		if _, out := call(t, s, "POST", PathQuotaGet, tok, map[string]any{"cgi_path": bad}); errcode(out) != 76003 {
			t.Errorf("cgi_path %q: %v", bad, out)
		}
	}
	s.Advance(time.Minute) // 00:00:30 next day in Shanghai
	if got := list(); got != 0 {
		t.Errorf("after midnight Asia/Shanghai: errcode %d", got)
	}
	if _, used := s.Quota(PathFreePublishList); used != 1 {
		t.Errorf("used after rollover = %d", used)
	}
	s.AdvanceDay()
	if _, used := s.Quota(PathFreePublishList); used != 0 {
		t.Errorf("AdvanceDay did not reset usage: %d", used)
	}
	if limit, _ := s.Quota(PathDraftList); limit != 1000 {
		t.Errorf("default draft/batchget limit %d", limit)
	}
}

// goldenServer serves a small account through Handler with a fixed base URL,
// so its pages are byte-identical from run to run.
func goldenPage(t *testing.T, seed int64, path string, body string) []byte {
	t.Helper()
	s, err := New(Options{Articles: 6, Drafts: 2, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	s.SetBaseURL("http://wechattest.invalid")
	req := httptest.NewRequest("POST", path+"?access_token="+s.IssueToken(), strings.NewReader(body))
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec.Body.Bytes()
}

func TestDeterministicGeneration(t *testing.T) {
	for _, path := range []string{PathBatchGetMaterial, PathFreePublishList, PathDraftList} {
		body := `{"type":"news","offset":0,"count":20}`
		a, b := goldenPage(t, 77, path, body), goldenPage(t, 77, path, body)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: same seed gave different pages", path)
		}
		if bytes.Equal(a, goldenPage(t, 78, path, body)) {
			t.Errorf("%s: different seeds gave the same page", path)
		}
	}
}

func TestGoldenPages(t *testing.T) {
	for name, path := range map[string]string{"material": PathBatchGetMaterial, "published": PathFreePublishList, "drafts": PathDraftList} {
		got := goldenPage(t, 42, path, `{"type":"news","offset":0,"count":20}`)
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, got, "", "  "); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		file := "testdata/golden-" + name + ".json"
		if *update {
			if err := os.WriteFile(file, pretty.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if !bytes.Equal(pretty.Bytes(), want) {
			t.Errorf("%s page differs from %s (run go test -run Golden -update after an intended change)", name, file)
		}
	}
}

// TestLargeAccountGenerates checks that a benchmark-sized account comes
// out whole; the time it took is logged, never asserted.
func TestLargeAccountGenerates(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: generates 5,000 articles")
	}
	start := time.Now()
	s, err := New(Options{Articles: 5000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.ArticleCount(SourceNews) + s.ArticleCount(SourcePublished); got != 5000 {
		t.Errorf("generated %d articles", got)
	}
	t.Logf("5000 articles in %v", time.Since(start))
}

func TestGetMaterial(t *testing.T) {
	s := start(t, Options{Articles: 20, Seed: 4})
	tok := s.IssueToken()
	news := s.Articles(SourceNews)[0]

	_, out := call(t, s, "POST", PathGetMaterial, tok, map[string]any{"media_id": news.ID})
	if items, _ := out["news_item"].([]any); len(items) == 0 {
		t.Errorf("news material: %v", out)
	}

	resp, raw := do(t, s, "POST", PathGetMaterial, tok, map[string]any{"media_id": news.ThumbMediaID})
	if resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("thumb Content-Type %q", resp.Header.Get("Content-Type"))
	}
	if _, format, err := image.Decode(bytes.NewReader(raw)); err != nil || format != "jpeg" {
		t.Errorf("thumb bytes: %q %v", format, err)
	}

	resp, raw = do(t, s, "POST", PathGetMaterial, tok, map[string]any{"media_id": "nope"})
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") || !bytes.HasPrefix(raw, []byte(`{"errcode":40007,"errmsg":"invalid media_id`)) {
		t.Errorf("unknown media_id: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	}
}

func TestUpstreamChanges(t *testing.T) {
	s := start(t, Options{Articles: 40, Seed: 6})
	s.SetNow(time.Date(2026, 2, 1, 12, 0, 0, 0, chinaZone))
	tok := s.IssueToken()
	pub := s.Articles(SourcePublished)
	last := pub[len(pub)-1]
	err := s.EditArticle(last.ID, last.Index, func(a *Article) {
		a.Title = "改过的标题"
		a.Content += `<p>补记</p>`
	})
	if err != nil {
		t.Fatal(err)
	}
	_, out := call(t, s, "POST", PathFreePublishList, tok, map[string]any{"offset": 0, "count": 1})
	item := firstItem(out)
	if item["article_id"] != last.ID || int64(item["update_time"].(float64)) != s.Now().Unix() {
		t.Errorf("edited message should lead the list with a new update_time: %v", item["article_id"])
	}
	if n := s.Articles(SourcePublished)[0]; !strings.HasSuffix(n.Content, "<p>补记</p>") || strings.Contains(n.Content, mmbizHost) {
		t.Error("edit lost or mangled content")
	}

	if err := s.DeletePublished(last.ID, 0); err != nil {
		t.Fatal(err)
	}
	_, out = call(t, s, "POST", PathFreePublishList, tok, map[string]any{"offset": 0, "count": 1})
	if firstNews(firstItem(out))["is_deleted"] != true {
		t.Error("deleted published article not marked is_deleted")
	}

	news := s.Articles(SourceNews)[0]
	if err := s.DeleteMessage(news.ID); err != nil {
		t.Fatal(err)
	}
	if _, raw := do(t, s, "POST", PathGetMaterial, tok, map[string]any{"media_id": news.ID}); !strings.Contains(string(raw), "40007") {
		t.Errorf("deleted news material still served: %.80s", raw)
	}

	s.Advance(time.Minute)
	id, err := s.Publish(Article{Title: "新文章", Content: "<p>hello</p>"})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Articles(SourcePublished)[0]; got.ID != id || got.Title != "新文章" {
		t.Errorf("published article not first: %+v", got.ID)
	}
}

func TestDemoAccount(t *testing.T) {
	s := start(t, Options{Demo: true})
	news, pub, drafts := s.ArticleCount(SourceNews), s.ArticleCount(SourcePublished), s.ArticleCount(SourceDrafts)
	if news+pub+drafts < 35 || news == 0 || pub == 0 || drafts == 0 {
		t.Errorf("demo holds %d news, %d published, %d drafts", news, pub, drafts)
	}
	var all strings.Builder
	deleted, multi := 0, false
	for _, src := range []Source{SourceNews, SourcePublished, SourceDrafts} {
		for _, a := range s.Articles(src) {
			all.WriteString(a.Content)
			if a.Deleted {
				deleted++
			}
			if a.Index > 1 {
				multi = true
			}
			if a.Index > 1 && a.Digest != "" && src == SourceNews {
				t.Errorf("%q: only the first article of a message has a digest", a.Title)
			}
		}
	}
	for _, marker := range []string{"code-snippet__js", "<pre", "<table", "<ul", "<ol", "<blockquote", "video_iframe", "<mpvoice", "mp-common-profile", "<qqmusic", "<mp-miniprogram", "weapp_text_link", "mp-common-product", "<video", "background-image", "<script>", "wx_fmt=other", "mmbiz_gif", "mmbiz_svg", "tab=\"innerlink\""} {
		if !strings.Contains(all.String(), marker) {
			t.Errorf("demo account lacks %s", marker)
		}
	}
	if deleted != 1 || !multi {
		t.Errorf("deleted %d, multi-item %v", deleted, multi)
	}
}

func TestLogNeverShowsSecrets(t *testing.T) {
	var (
		mu    sync.Mutex
		lines []string
	)
	s := start(t, Options{Articles: 3, Logf: func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(f, a...))
	}})
	tok := classicToken(t, s)
	call(t, s, "GET", PathDraftCount, tok, nil)
	call(t, s, "GET", PathToken+"?grant_type=client_credential&appid=wxapp&secret=topsecret", "", nil)
	// Logf runs on the server's goroutines before the response is written,
	// so every line is in by now.
	mu.Lock()
	defer mu.Unlock()
	if len(lines) < 3 {
		t.Fatalf("logged %d lines", len(lines))
	}
	for _, l := range lines {
		if strings.Contains(l, tok) || strings.Contains(l, "topsecret") || strings.Contains(l, "sec&") {
			t.Errorf("log line leaks a credential: %s", l)
		}
	}
}
