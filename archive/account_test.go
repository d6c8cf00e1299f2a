package archive

import (
	"encoding/json"
	"fmt"
	"testing"
)

func TestAccountFill(t *testing.T) {
	acct := &Account{Name: "本号", ID: "BIZ"}
	tests := []struct {
		name     string
		acct     *Account
		art      Article
		wantName string
		wantID   string
	}{
		{"API item of the account", acct, Article{Source: News, AccountID: "BIZ"}, "本号", "BIZ"},
		{"API item without a link", acct, Article{Source: Drafts}, "本号", "BIZ"},
		{"page with its own name", acct, Article{Source: URLs, AccountID: "BIZ", AccountName: "旧名"}, "旧名", "BIZ"},
		{"another account's page", acct, Article{Source: URLs, AccountID: "OTHER"}, "", "OTHER"},
		{"another account's API link", acct, Article{Source: Published, AccountID: "OTHER"}, "", "OTHER"},
		{"page without an id", acct, Article{Source: URLs}, "", ""},
		{"state without an id", &Account{Name: "本号"}, Article{Source: URLs, AccountID: "X"}, "本号", "X"},
		{"no name known", &Account{ID: "BIZ"}, Article{Source: News, AccountID: "BIZ"}, "", "BIZ"},
		{"no account", nil, Article{Source: News, AccountID: "BIZ"}, "", "BIZ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			art := tt.art
			tt.acct.Fill(&art)
			if art.AccountName != tt.wantName || art.AccountID != tt.wantID {
				t.Errorf("got %q %q, want %q %q", art.AccountName, art.AccountID, tt.wantName, tt.wantID)
			}
		})
	}
}

func TestGuessAccount(t *testing.T) {
	link := func(biz string, mid int) string {
		return fmt.Sprintf("http://mp.weixin.qq.com/s?__biz=%s&mid=%d&idx=1&sn=abc#rd", biz, mid)
	}
	type stored struct {
		src  Source
		id   string
		at   int64
		news map[string]any
	}
	at := func(src Source, id string, at int64, news map[string]any) stored { return stored{src, id, at, news} }
	page := func(biz, name string) map[string]any {
		return map[string]any{"title": "t", "url": link(biz, 9), "account_id": biz, "account_name": name}
	}
	tests := []struct {
		name  string
		id    string
		items []stored
		want  AccountGuess
	}{
		{"empty archive", "", nil, AccountGuess{}},
		{"API items only", "", []stored{
			at(Drafts, "D1", 5, map[string]any{"url": "http://mp.weixin.qq.com/s?__biz=BIZ&tempkey=x#rd"}),
			at(News, "N1", 1, map[string]any{"url": link("BIZ", 1)}),
		}, AccountGuess{ID: "BIZ", Link: link("BIZ", 1)}},
		{"deleted and draft links are no public pages", "", []stored{
			at(Published, "P1", 1, map[string]any{"url": link("BIZ", 1), "is_deleted": true}),
			at(Drafts, "D1", 1, map[string]any{"url": link("BIZ", 2)}),
		}, AccountGuess{ID: "BIZ"}},
		{"API items and a page of the account, newest name wins", "", []stored{
			at(News, "N1", 1, map[string]any{"url": link("BIZ", 1)}),
			at(URLs, "U1", 10, page("BIZ", "旧名")),
			at(URLs, "U2", 20, page("BIZ", "新名")),
			at(URLs, "U3", 30, page("OTHER", "别人")),
		}, AccountGuess{ID: "BIZ", Name: "新名", Link: link("BIZ", 1)}},
		{"pages alone: the account most pages are of", "", []stored{
			at(URLs, "U1", 10, page("OTHER", "别人")),
			at(URLs, "U2", 20, page("BIZ", "本号")),
			at(URLs, "U3", 30, page("BIZ", "")),
		}, AccountGuess{ID: "BIZ", Name: "本号"}},
		{"a known id is kept", "OTHER", []stored{
			at(News, "N1", 1, map[string]any{"url": link("BIZ", 1)}),
			at(URLs, "U1", 10, page("OTHER", "别人")),
		}, AccountGuess{ID: "OTHER", Name: "别人"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.items {
				raw, err := json.Marshal(map[string]any{"media_id": s.id, "article_id": s.id,
					"content": map[string]any{"news_item": []any{s.news}, "create_time": s.at, "update_time": s.at}})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := a.PutItem(s.src, raw); err != nil {
					t.Fatal(err)
				}
			}
			got, err := a.GuessAccount(tt.id)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
