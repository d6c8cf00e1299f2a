package wechattest

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestHostileModes: each hostile answer is what it says, in size and
// shape, and is made as it is sent.
func TestHostileModes(t *testing.T) {
	const n = 3 << 20
	post := func(s *Server, path, body string) *http.Response {
		t.Helper()
		resp, err := http.Post(s.URL()+path+"?access_token="+s.IssueToken(), "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	size := func(r io.Reader) int64 {
		m, _ := io.Copy(io.Discard, r)
		return m
	}
	for _, declare := range []bool{false, true} {
		s := start(t, Options{Articles: 3, Drafts: -1, Hostile: Hostile{ThumbBytes: n, ListBytes: n, ImageBytes: n, DeclareLength: declare}})
		want := int64(-1)
		if declare {
			want = n
		}
		list := post(s, PathFreePublishList, `{"offset":0,"count":20,"no_content":0}`)
		if list.ContentLength != want || size(list.Body) != n {
			t.Errorf("declare %v: list page of %d bytes, Content-Length %d", declare, n, list.ContentLength)
		}
		thumb := post(s, PathGetMaterial, `{"media_id":"any"}`)
		if thumb.ContentLength != want || thumb.Header.Get("Content-Type") != "image/jpeg" || size(thumb.Body) != n {
			t.Errorf("declare %v: thumb %+v", declare, thumb.Header)
		}
		img, err := http.Get(s.URL() + "/mmbiz_png/abc/640?wx_fmt=png")
		if err != nil || img.ContentLength != want || size(img.Body) != n {
			t.Errorf("declare %v: image %v %v", declare, img, err)
		}
	}

	s := start(t, Options{Articles: 3, Drafts: -1, Hostile: Hostile{ThumbBytes: n}})
	_, out := call(t, s, "POST", PathFreePublishList, s.IssueToken(), map[string]any{"offset": 0, "count": 5})
	for _, it := range out["item"].([]any) {
		for _, ni := range it.(map[string]any)["content"].(map[string]any)["news_item"].([]any) {
			if u := ni.(map[string]any)["thumb_url"]; u != "" {
				t.Errorf("a thumb_url is left: %v", u)
			}
		}
	}

	bomb := start(t, Options{Hostile: Hostile{TokenBombBytes: n}})
	req, _ := http.NewRequest("POST", bomb.URL()+PathStableToken, strings.NewReader(`{}`))
	req.Header.Set("Accept-Encoding", "gzip") // so the transport hands over the raw stream
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	wire, _ := io.ReadAll(resp.Body)
	zr, err := gzip.NewReader(strings.NewReader(string(wire)))
	if err != nil {
		t.Fatal(err)
	}
	if inflated := size(zr); inflated != n || len(wire) > n/100 {
		t.Errorf("bomb: %d bytes on the wire inflate to %d, want %d from under %d", len(wire), inflated, n, n/100)
	}
}
