package wechattest

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// A personal account answers 48001 on every freepublish endpoint, in the
// shape of the real capture (samples a16), while its news materials, drafts
// and the pages of its published articles stay reachable.
func TestPersonalAccount(t *testing.T) {
	s := start(t, Options{Articles: 40, Drafts: 4, Seed: 3, Personal: true})
	tok := s.IssueToken()
	refused := regexp.MustCompile(`^\{"errcode":48001,"errmsg":"api unauthorized rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}"\}$`)
	page := map[string]any{"offset": 0, "count": 1, "no_content": 1}
	for _, path := range []string{PathFreePublishList, "/cgi-bin/freepublish/getarticle", "/cgi-bin/freepublish/get"} {
		if resp, body := do(t, s, http.MethodPost, path, tok, page); !refused.Match(body) {
			t.Errorf("%s: status %d, body %s, want 48001 as in samples a16", path, resp.StatusCode, body)
		}
	}
	if _, body := do(t, s, http.MethodPost, PathQuotaGet, tok, map[string]string{"cgi_path": PathFreePublishList}); !refused.Match(body) {
		t.Errorf("quota/get of freepublish: %s, want 48001", body)
	}
	if limit, used := s.Quota(PathFreePublishList); used != 0 {
		t.Errorf("refused calls spent %d of %d freepublish calls", used, limit)
	}

	tests := []struct {
		path string
		body any
	}{
		{PathBatchGetMaterial, map[string]any{"type": "news", "offset": 0, "count": 1}},
		{PathDraftList, page},
		{PathQuotaGet, map[string]string{"cgi_path": PathDraftList}},
	}
	for _, tt := range tests {
		if _, out := call(t, s, http.MethodPost, tt.path, tok, tt.body); errcode(out) != 0 {
			t.Errorf("%s answers %v, want it as for any account", tt.path, out)
		}
	}
	if s.ArticleCount(SourceNews) == 0 || s.ArticleCount(SourceDrafts) == 0 {
		t.Fatalf("a personal account has %d news and %d draft articles, want some of both",
			s.ArticleCount(SourceNews), s.ArticleCount(SourceDrafts))
	}
	published := s.Articles(SourcePublished)
	if len(published) == 0 {
		t.Fatal("the personal account published nothing")
	}
	resp, body := getPage(t, s, ArticleLink(published[0].URL))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="js_content"`) {
		t.Errorf("the page of a published article: status %d, no article body:\n%.300s", resp.StatusCode, body)
	}
}
