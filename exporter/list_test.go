package exporter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mparchive/mparchive/archive"
)

func TestListPage_Requests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src             archive.Source
		offset, count   int
		fixture, wantID string
		wantBody        string
	}{
		{archive.News, 40, 20, "batchget_material_news.json", "Mx8kQ3n1ZsV0bW7c2TqL5yHf9RgU4oPa6eJ-dNiXk1A",
			`{"type":"news","offset":40,"count":20}`},
		{archive.Published, 0, 20, "freepublish_batchget.json", "zjMKVd1g66BkEkpetwml4BOSzatuEYNY3TFhCc0kSIE",
			`{"offset":0,"count":20,"no_content":0}`},
		{archive.Drafts, 3, 7, "draft_batchget.json", "DRAFT_Mx8kQ3n1ZsV0bW7c2TqL5yHf9Rg",
			`{"offset":3,"count":7,"no_content":0}`},
		// count is clamped to what WeChat accepts.
		{archive.Drafts, 0, 500, "draft_batchget.json", "DRAFT_Mx8kQ3n1ZsV0bW7c2TqL5yHf9Rg",
			`{"offset":0,"count":20,"no_content":0}`},
		{archive.Drafts, 0, 0, "draft_batchget.json", "DRAFT_Mx8kQ3n1ZsV0bW7c2TqL5yHf9Rg",
			`{"offset":0,"count":1,"no_content":0}`},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d/%d", tt.src, tt.offset, tt.count), func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			data := fixture(t, tt.fixture)
			e.handle(ListEndpoint(tt.src), http.MethodPost, func(w http.ResponseWriter, r *http.Request) {
				if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type = %q", ct)
				}
				if body := readBody(t, r); body != tt.wantBody {
					t.Errorf("body = %s, want %s", body, tt.wantBody)
				}
				writeJSON(w, string(data))
			})
			page, err := e.client.ListPage(t.Context(), tt.src, tt.offset, tt.count)
			if err != nil {
				t.Fatal(err)
			}
			if page.Source != tt.src || page.Offset != tt.offset || page.ItemCount != len(page.Items) || page.TotalCount < page.ItemCount {
				t.Errorf("page = %+v", page)
			}
			// Items are the bytes WeChat sent, escapes and spacing included.
			for _, item := range page.Items {
				if !bytes.Contains(data, item) {
					t.Errorf("item is not verbatim from the response: %s", item)
				}
			}
			if id, err := archive.ItemID(tt.src, page.Items[0]); err != nil || id != tt.wantID {
				t.Errorf("ItemID = %q, %v; want %q", id, err, tt.wantID)
			}
		})
	}
}

func TestListPage_ItemsVerbatim(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.handle(ListEndpoint(archive.News), http.MethodPost, serveFixture(t, "batchget_material_news.json"))
	page, err := e.client.ListPage(t.Context(), archive.News, 0, 20)
	if err != nil {
		t.Fatal(err)
	}
	if page.TotalCount != 2 || page.ItemCount != 2 || len(page.Items) != 2 {
		t.Fatalf("page = %+v", page)
	}
	// WeChat escapes slashes; re-encoding would lose that.
	if !bytes.Contains(page.Items[0], []byte(`<\/p>`)) || !bytes.HasPrefix(page.Items[1], []byte(`{"media_id"`)) {
		t.Errorf("items were re-encoded: %s", page.Items[0][:80])
	}
}

func TestListPage_BadArguments(t *testing.T) {
	t.Parallel()
	e := setup(t)
	if _, err := e.client.ListPage(t.Context(), "videos", 0, 20); err == nil {
		t.Error("unknown source accepted")
	}
	if _, err := e.client.ListPage(t.Context(), archive.News, -1, 20); err == nil {
		t.Error("negative offset accepted")
	}
	if e.issuer.Calls() != 0 {
		t.Error("bad arguments reached the network")
	}
}

func TestListEndpoint(t *testing.T) {
	t.Parallel()
	want := map[archive.Source]string{
		archive.News:      "/cgi-bin/material/batchget_material",
		archive.Published: "/cgi-bin/freepublish/batchget",
		archive.Drafts:    "/cgi-bin/draft/batchget",
		"other":           "",
	}
	for src, path := range want {
		if got := ListEndpoint(src); got != path {
			t.Errorf("ListEndpoint(%s) = %q, want %q", src, got, path)
		}
	}
}

// listServer answers freepublish/batchget from a script: total(call) is the
// total_count of the n-th call (1-based), and items are named by their
// position so the test can see what was listed.
type listServer struct {
	mu      sync.Mutex
	calls   int
	offsets []int
	total   func(call int) int
	// itemCount, when set, overrides how many items a page claims.
	itemCount func(call, offset, count, total int) int
}

func (s *listServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct{ Offset, Count int }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErrcode(w, 47001, "data format error")
		return
	}
	s.mu.Lock()
	s.calls++
	call := s.calls
	s.offsets = append(s.offsets, req.Offset)
	s.mu.Unlock()

	total := s.total(call)
	n := max(0, min(req.Count, total-req.Offset))
	if s.itemCount != nil {
		n = s.itemCount(call, req.Offset, req.Count, total)
	}
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`{"article_id":"A%d","content":{"news_item":[]},"update_time":1700000000}`, req.Offset+i)
	}
	writeJSON(w, fmt.Sprintf(`{"total_count":%d,"item_count":%d,"item":[%s]}`, total, n, strings.Join(items, ",")))
}

func (s *listServer) Offsets() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.offsets...)
}

func TestPages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		start       int
		server      *listServer
		wantOffsets []int
		wantItems   int
		wantErr     string
	}{
		{
			name:        "steady",
			server:      &listServer{total: func(int) int { return 45 }},
			wantOffsets: []int{0, 20, 40},
			wantItems:   45,
		},
		{
			name:        "resumes from an offset",
			start:       40,
			server:      &listServer{total: func(int) int { return 45 }},
			wantOffsets: []int{40},
			wantItems:   5,
		},
		{
			name:        "empty list",
			server:      &listServer{total: func(int) int { return 0 }},
			wantOffsets: []int{0},
		},
		{
			name: "total grows mid-run",
			server: &listServer{total: func(call int) int {
				if call == 1 {
					return 45
				}
				return 50
			}},
			wantOffsets: []int{0, 20, 40},
			wantItems:   50,
		},
		{
			name: "total shrinks mid-run",
			server: &listServer{total: func(call int) int {
				if call == 1 {
					return 45
				}
				return 30
			}},
			wantOffsets: []int{0, 20},
			wantItems:   30,
		},
		{
			name: "server never advances",
			server: &listServer{
				total:     func(int) int { return 100 },
				itemCount: func(call, offset, count, total int) int { return 0 },
			},
			wantOffsets: []int{0},
		},
		{
			name: "total keeps growing forever",
			server: &listServer{
				total: func(call int) int { return 100 + 20*call },
			},
			// The first total_count, 120, calls for 6 pages: the walk stops at 2×6+10.
			wantOffsets: seq(0, 20, 22),
			wantItems:   440,
			wantErr:     "stopped after 22 pages",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.handle(ListEndpoint(archive.Published), http.MethodPost, tt.server.ServeHTTP)
			items := 0
			var gotErr error
			for page, err := range e.client.Pages(t.Context(), archive.Published, tt.start) {
				if err != nil {
					gotErr = err
					continue
				}
				items += len(page.Items)
			}
			if got := tt.server.Offsets(); fmt.Sprint(got) != fmt.Sprint(tt.wantOffsets) {
				t.Errorf("requested offsets %v, want %v", got, tt.wantOffsets)
			}
			if items != tt.wantItems {
				t.Errorf("%d items, want %d", items, tt.wantItems)
			}
			switch {
			case tt.wantErr == "" && gotErr != nil:
				t.Errorf("error: %v", gotErr)
			case tt.wantErr != "" && (gotErr == nil || !strings.Contains(gotErr.Error(), tt.wantErr)):
				t.Errorf("error %v, want %q", gotErr, tt.wantErr)
			}
		})
	}
}

func seq(start, step, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = start + i*step
	}
	return s
}

// When a page fails, the error is the last thing yielded: a caller that
// checkpoints after each page knows where to resume.
func TestPages_StopsAtError(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var calls record
	e.handle(ListEndpoint(archive.Published), http.MethodPost, func(w http.ResponseWriter, r *http.Request) {
		calls.add("")
		if calls.len() == 2 {
			writeErrcode(w, 45009, "reach max api daily quota limit rid: 1-2-3")
			return
		}
		(&listServer{total: func(int) int { return 100 }}).ServeHTTP(w, r)
	})
	var pages []*Page
	var errs []error
	for page, err := range e.client.Pages(t.Context(), archive.Published, 0) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		pages = append(pages, page)
	}
	if len(pages) != 1 || len(errs) != 1 || !IsQuotaExhausted(errs[0]) {
		t.Fatalf("got %d pages and errors %v, want 1 page then 45009", len(pages), errs)
	}
	if next := pages[0].Offset + pages[0].ItemCount; next != 20 {
		t.Errorf("resume offset %d, want 20", next)
	}
}

// Breaking out of the loop stops the requests.
func TestPages_EarlyBreak(t *testing.T) {
	t.Parallel()
	e := setup(t)
	server := &listServer{total: func(int) int { return 1000 }}
	e.handle(ListEndpoint(archive.Published), http.MethodPost, server.ServeHTTP)
	for page, err := range e.client.Pages(t.Context(), archive.Published, 0) {
		if err != nil || page.Offset >= 40 {
			break
		}
	}
	if got := server.Offsets(); fmt.Sprint(got) != "[0 20 40]" {
		t.Errorf("requested offsets %v, want [0 20 40]", got)
	}
}

// Pages overlap when articles are added during a walk; ItemID is how a
// caller drops the repeats.
func TestPages_DedupeWithItemID(t *testing.T) {
	t.Parallel()
	e := setup(t)
	// Page 2 starts one item early, as if an article was deleted meanwhile.
	e.handle(ListEndpoint(archive.Published), http.MethodPost, func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Offset int }
		json.NewDecoder(r.Body).Decode(&req)
		start := max(0, req.Offset-1)
		n := min(20, 30-start)
		items := make([]string, n)
		for i := range items {
			items[i] = fmt.Sprintf(`{"article_id":"A%d"}`, start+i)
		}
		writeJSON(w, fmt.Sprintf(`{"total_count":30,"item_count":%d,"item":[%s]}`, n, strings.Join(items, ",")))
	})
	seen := map[string]bool{}
	listed := 0
	for page, err := range e.client.Pages(t.Context(), archive.Published, 0) {
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range page.Items {
			id, err := archive.ItemID(archive.Published, raw)
			if err != nil {
				t.Fatal(err)
			}
			listed++
			seen[id] = true
		}
	}
	if listed != 31 || len(seen) != 30 {
		t.Errorf("listed %d items, %d distinct; want 31 and 30", listed, len(seen))
	}
}

func TestItemID_Errors(t *testing.T) {
	t.Parallel()
	if _, err := archive.ItemID(archive.Published, json.RawMessage(`{"media_id":"M"}`)); err == nil {
		t.Error("a published item without article_id was accepted")
	}
	if _, err := archive.ItemID(archive.News, json.RawMessage(`[`)); err == nil {
		t.Error("broken JSON was accepted")
	}
}

// TestFlexIntRealShapes decodes the two shapes the samples hold:
// draft/batchget sends create_time and update_time as strings, the other
// lists as numbers.
func TestFlexIntRealShapes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		file         string
		src          archive.Source
		total        int
		created, upd int64
	}{
		{"draft_batchget.json", archive.Drafts, 1, 1700000000, 1700000100},
		{"batchget_material_news.json", archive.News, 2, 1552370183, 1552477704},
	} {
		raw, err := os.ReadFile(filepath.Join("testdata", "api", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			TotalCount archive.FlexInt   `json:"total_count"`
			Items      []json.RawMessage `json:"item"`
		}
		if err := json.Unmarshal(raw, &page); err != nil || len(page.Items) == 0 {
			t.Fatalf("%s: %v, %d items", tt.file, err, len(page.Items))
		}
		if int(page.TotalCount) != tt.total {
			t.Errorf("%s: total_count %d, want %d", tt.file, page.TotalCount, tt.total)
		}
		arts, err := archive.DecodeItem(tt.src, page.Items[0])
		if err != nil || len(arts) == 0 {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if c, u := arts[0].CreateTime.Unix(), arts[0].UpdateTime.Unix(); c != tt.created || u != tt.upd {
			t.Errorf("%s: created %d, updated %d; want %d, %d", tt.file, c, u, tt.created, tt.upd)
		}
	}
}
