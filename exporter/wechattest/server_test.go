package wechattest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
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
	"reflect"
	"regexp"
	"slices"
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

var ridPattern = regexp.MustCompile(` rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$`)

func TestTokenErrors(t *testing.T) {
	cases := []struct {
		name    string
		opts    Options
		stable  bool
		query   string
		code    int
		message string // regexp the errmsg must match
	}{
		{"wrong appid", Options{AppID: "wxright"}, false, "grant_type=client_credential&appid=wxwrong&secret=s", 40013, `^invalid appid`},
		{"wrong secret classic", Options{Secret: "right"}, false, "grant_type=client_credential&appid=wx&secret=wrong", 40001, `^invalid credential`},
		{"wrong secret stable", Options{Secret: "right"}, true, "", 40125, `^invalid appsecret`},
		{"ip whitelist", Options{RejectIP: "203.0.113.7"}, false, "grant_type=client_credential&appid=wx&secret=s", 40164,
			`^invalid ip 203\.0\.113\.7 ipv6 ::ffff:203\.0\.113\.7, not in whitelist rid: `},
		{"ip whitelist stable", Options{RejectIP: "203.0.113.7"}, true, "", 40164, `^invalid ip 203\.0\.113\.7 `},
		{"secret frozen", Options{SecretFrozen: true}, false, "grant_type=client_credential&appid=wx&secret=s", 40243, `frozen`},
		{"bad grant_type", Options{}, false, "grant_type=password&appid=wx&secret=s", 40002, `^invalid grant_type`},
		{"no appid", Options{}, false, "grant_type=client_credential&secret=s", 41002, `^appid missing`},
		{"no secret", Options{}, false, "grant_type=client_credential&appid=wx", 41004, `^appsecret missing`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, tc.opts)
			var out map[string]any
			if tc.stable {
				_, out = call(t, s, "POST", PathStableToken, "", map[string]any{"grant_type": "client_credential", "appid": "wx", "secret": "wrong", "force_refresh": false})
			} else {
				_, out = call(t, s, "GET", PathToken+"?"+tc.query, "", nil)
			}
			if errcode(out) != tc.code {
				t.Fatalf("errcode = %v, want %d (%v)", out["errcode"], tc.code, out)
			}
			msg, _ := out["errmsg"].(string)
			if !regexp.MustCompile(tc.message).MatchString(msg) || !ridPattern.MatchString(msg) {
				t.Errorf("errmsg %q does not match %q plus a rid", msg, tc.message)
			}
		})
	}
}

func TestTokenLifecycle(t *testing.T) {
	s := start(t, Options{Articles: 3})
	s.SetNow(time.Date(2025, 3, 1, 10, 0, 0, 0, chinaZone))
	count := func(tok string) int {
		_, out := call(t, s, "GET", PathDraftCount, tok, nil)
		return errcode(out)
	}

	first := classicToken(t, s)
	if len(first) < 100 {
		t.Errorf("token is %d chars, want a realistic 100+", len(first))
	}
	if got := count(first); got != 0 {
		t.Fatalf("fresh token: errcode %d", got)
	}
	second := classicToken(t, s)
	if got := count(first); got != 40001 {
		t.Errorf("classic token replaced by a newer one: errcode %d, want 40001", got)
	}
	if got := count(second); got != 0 {
		t.Errorf("newest classic token: errcode %d", got)
	}

	st1 := stableToken(t, s, false)
	if st2 := stableToken(t, s, false); st2 != st1 {
		t.Error("stable_token without force_refresh changed the token")
	}
	if got := count(second); got != 0 {
		t.Error("stable_token must not invalidate classic tokens")
	}
	s.Advance(7200*time.Second - 4*time.Minute)
	st3 := stableToken(t, s, false)
	if st3 == st1 {
		t.Error("stable_token in the last 5 minutes must renew")
	}
	if got := count(st1); got != 0 {
		t.Errorf("renewed stable token: old one must live to its expiry, errcode %d", got)
	}
	st4 := stableToken(t, s, true)
	if st4 == st3 || count(st3) != 40001 {
		t.Error("force_refresh must replace and invalidate the stable token")
	}

	s.ExpireTokens()
	if got := count(st4); got != 42001 {
		t.Errorf("after ExpireTokens: errcode %d, want 42001", got)
	}
	if got := count("not-a-token"); got != 40014 {
		t.Errorf("unknown token: errcode %d, want 40014", got)
	}
	if got := count(""); got != 41001 {
		t.Errorf("missing token: errcode %d, want 41001", got)
	}
	_, out := call(t, s, "GET", PathDraftList, stableToken(t, s, false), nil)
	if errcode(out) != 43002 {
		t.Errorf("GET on a POST endpoint: %v, want 43002", out)
	}
}

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

// TestSlowBodyIsTheRealAnswer: a slow body that the client waits for is
// the answer the call would have had, whole.
func TestSlowBodyIsTheRealAnswer(t *testing.T) {
	s := start(t, Options{Articles: 5, SlowBody: time.Millisecond})
	tok := s.IssueToken()
	_, want := call(t, s, "POST", PathFreePublishList, tok, map[string]any{"offset": 0, "count": 5})
	s.InjectFault(PathFreePublishList, FaultSlowBody, 1)
	_, got := call(t, s, "POST", PathFreePublishList, tok, map[string]any{"offset": 0, "count": 5})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("slow answer differs:\n%v\nwant\n%v", got, want)
	}
	if st := s.Stats()[PathFreePublishList]; st.Faults != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestLargeAccountIsFast(t *testing.T) {
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

func TestInjectedFaults(t *testing.T) {
	client := &http.Client{Timeout: 300 * time.Millisecond}
	cases := []struct {
		fault Fault
		check func(resp *http.Response, body []byte, err error) error
	}{
		{FaultSystemError, wantErrcode(-1)},
		{FaultMinuteQuota, wantErrcode(45011)},
		{FaultHTTP500, wantStatus(500)},
		{FaultHTTP502, wantStatus(502)},
		{FaultHTTP503, wantStatus(503)},
		{FaultTruncated, func(_ *http.Response, _ []byte, err error) error {
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("want unexpected EOF, got %v", err)
			}
			return nil
		}},
		{FaultCutJSON, func(resp *http.Response, body []byte, err error) error {
			if err != nil || json.Valid(body) {
				return fmt.Errorf("want a complete response with broken JSON, got err %v, body %q", err, body)
			}
			return nil
		}},
		{FaultSlowBody, wantError("Client.Timeout")},
		{FaultReset, wantError("")},
	}
	for _, tc := range cases {
		t.Run(tc.fault.String(), func(t *testing.T) {
			s := start(t, Options{Articles: 5, SlowBody: 5 * time.Second})
			tok := s.IssueToken()
			s.InjectFault(PathFreePublishList, tc.fault, 1)
			body := `{"offset":0,"count":20,"no_content":1}`
			resp, err := client.Post(s.URL()+PathFreePublishList+"?access_token="+tok, "application/json", strings.NewReader(body))
			var raw []byte
			if err == nil {
				raw, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			if e := tc.check(resp, raw, err); e != nil {
				t.Error(e)
			}
			// A slow body is the real answer, which spent its call.
			if _, used := s.Quota(PathFreePublishList); used != 0 && tc.fault != FaultSlowBody {
				t.Errorf("a faulted call spent quota: used %d", used)
			}
			if st := s.Stats()[PathFreePublishList]; st.Faults != 1 || st.Calls != 1 {
				t.Errorf("stats %+v", st)
			}
			// The next call is healthy.
			if _, out := call(t, s, "POST", PathFreePublishList, tok, map[string]any{"offset": 0, "count": 1}); errcode(out) != 0 {
				t.Errorf("call after the fault: %v", out)
			}
		})
	}
}

func wantErrcode(code int) func(*http.Response, []byte, error) error {
	return func(resp *http.Response, body []byte, err error) error {
		var out map[string]any
		if err != nil || resp.StatusCode != 200 || json.Unmarshal(body, &out) != nil || errcode(out) != code {
			return fmt.Errorf("want HTTP 200 errcode %d, got %v %q", code, err, body)
		}
		return nil
	}
}

func wantStatus(code int) func(*http.Response, []byte, error) error {
	return func(resp *http.Response, body []byte, err error) error {
		if err != nil || resp.StatusCode != code {
			return fmt.Errorf("want HTTP %d, got %v", code, err)
		}
		return nil
	}
}

func wantError(substr string) func(*http.Response, []byte, error) error {
	return func(_ *http.Response, _ []byte, err error) error {
		if err == nil || !strings.Contains(err.Error(), substr) {
			return fmt.Errorf("want an error containing %q, got %v", substr, err)
		}
		return nil
	}
}

// TestFaultRateIsReproducible runs the same call sequence against two
// servers with one seed and expects the same outcomes, and a plausible rate.
func TestFaultRateIsReproducible(t *testing.T) {
	outcomes := func() []string {
		s := start(t, Options{Articles: 50, Seed: 8, FaultRate: 0.3, Faults: []Fault{FaultSystemError, FaultMinuteQuota, FaultHTTP503}})
		tok := s.IssueToken()
		var got []string
		for i := range 60 {
			resp, raw := do(t, s, "POST", PathFreePublishList, tok, map[string]any{"offset": (i % 3) * 20, "count": 20, "no_content": 1})
			got = append(got, fmt.Sprintf("%d:%s", resp.StatusCode, raw[:min(len(raw), 20)]))
		}
		if st := s.Stats()[PathFreePublishList]; st.Faults < 8 || st.Faults > 30 {
			t.Errorf("%d faults in 60 calls at rate 0.3", st.Faults)
		}
		return got
	}
	if a, b := outcomes(), outcomes(); !slices.Equal(a, b) {
		t.Error("same seed and call sequence gave different faults")
	}
}

func TestImages(t *testing.T) {
	s := start(t, Options{Demo: true})
	var content strings.Builder
	for _, src := range []Source{SourceNews, SourcePublished, SourceDrafts} {
		for _, a := range s.Articles(src) {
			content.WriteString(a.Content)
		}
	}
	urls := regexp.MustCompile(regexp.QuoteMeta(s.URL())+`/[^"&)]+(?:&amp;[^"&)]+)*`).FindAllString(content.String(), -1)
	wantTypes := map[string]string{"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "svg": "image/svg+xml"}
	seen := map[string]bool{}
	for _, u := range urls {
		u = strings.ReplaceAll(u, "&amp;", "&")
		resp, raw := do(t, s, "GET", strings.TrimPrefix(u, s.URL()), "", nil)
		ct := resp.Header.Get("Content-Type")
		if resp.StatusCode != 200 {
			t.Errorf("%s: HTTP %d", u, resp.StatusCode)
			continue
		}
		seen[ct] = true
		if m := regexp.MustCompile(`wx_fmt=(png|jpeg|gif|svg)`).FindStringSubmatch(u); m != nil && wantTypes[m[1]] != ct {
			t.Errorf("%s served as %s", u, ct)
		}
		if ct == "image/svg+xml" {
			continue
		}
		if _, format, err := image.Decode(bytes.NewReader(raw)); err != nil || "image/"+format != ct {
			t.Errorf("%s: decodes as %q (%v), Content-Type %s", u, format, err, ct)
		}
	}
	for _, ct := range []string{"image/png", "image/jpeg", "image/gif", "image/svg+xml"} {
		if !seen[ct] {
			t.Errorf("demo account serves no %s", ct)
		}
	}

	path := strings.TrimPrefix(urls[0], s.URL())
	for _, tc := range []struct {
		referer     string
		placeholder bool
	}{{"", false}, {"https://mp.weixin.qq.com/s?__biz=x", false}, {"https://blog.example.com/post", true}} {
		req, _ := http.NewRequest("GET", s.URL()+path, nil)
		if tc.referer != "" {
			req.Header.Set("Referer", tc.referer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if isPlaceholder(raw) != tc.placeholder {
			t.Errorf("Referer %q: placeholder = %v", tc.referer, !tc.placeholder)
		}
		if tc.placeholder {
			cfg, _, err := image.DecodeConfig(bytes.NewReader(raw))
			if err != nil || cfg.Width != PlaceholderWidth || cfg.Height != PlaceholderHeight {
				t.Errorf("placeholder is %dx%d (%v)", cfg.Width, cfg.Height, err)
			}
		}
	}
	s.InjectFault(imageStatsPath, FaultHTTP503, 1)
	if resp, _ := do(t, s, "GET", path, "", nil); resp.StatusCode != 503 {
		t.Errorf("injected image fault: HTTP %d", resp.StatusCode)
	}
	if resp, _ := do(t, s, "GET", "/mmbiz_png/NoSuchImage/640?wx_fmt=png", "", nil); resp.StatusCode != 404 {
		t.Errorf("unknown image: HTTP %d", resp.StatusCode)
	}
}

// isPlaceholder reports whether b is the hot-link placeholder image.
func isPlaceholder(b []byte) bool {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]) == PlaceholderSHA256
}

func TestPlaceholderHash(t *testing.T) {
	if !isPlaceholder(placeholderPNG) {
		t.Fatal("PlaceholderSHA256 does not match the embedded placeholder.png")
	}
}

func TestMissingImagesAndDedupe(t *testing.T) {
	s := start(t, Options{Articles: 60, Seed: 2, MissingImages: 3})
	missing := s.MissingImageURLs()
	if len(missing) != 3 {
		t.Fatalf("MissingImageURLs = %v", missing)
	}
	for _, u := range missing {
		if resp, _ := do(t, s, "GET", strings.TrimPrefix(u, s.URL()), "", nil); resp.StatusCode != 404 {
			t.Errorf("%s: HTTP %d, want 404", u, resp.StatusCode)
		}
	}
	// Shared images (banner, QR code…) recur across articles.
	counts := map[string]int{}
	for _, a := range append(s.Articles(SourceNews), s.Articles(SourcePublished)...) {
		for _, m := range imageURLPattern.FindAllStringSubmatch(strings.ReplaceAll(a.Content, s.URL(), "https://"+mmbizHost), -1) {
			counts[m[2]]++
		}
	}
	reused := 0
	for _, n := range counts {
		if n > 1 {
			reused++
		}
	}
	if reused == 0 {
		t.Error("no image id is reused across articles")
	}
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
