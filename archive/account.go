package archive

import (
	"encoding/json"
	"slices"
	"strings"
)

// Account is the account an archive backs up. The API's items name it only
// by the __biz in their links; article pages name it as well (nick_name).
// The fetcher records it in the state from the stored pages, one page it
// fetches for the purpose, or --account-name; outputs show the name on the
// articles that carry none of their own (Fill).
type Account struct {
	Name string `json:"name,omitempty"`
	ID   string `json:"id,omitempty"` // __biz
}

// Fill gives art the account's name when the article names no account of
// its own and is the account's: its __biz is the account's, or one of the
// two is unknown. An article of the API sources without a link is always
// the account's (its credentials listed it); a page without an id may be
// any account's and is left alone.
func (acct *Account) Fill(art *Article) {
	if acct == nil || acct.Name == "" || art.AccountName != "" {
		return
	}
	switch {
	case acct.ID == "", art.AccountID == acct.ID:
	case art.AccountID == "" && art.Source != URLs:
	default:
		return
	}
	art.AccountName = acct.Name
	if art.AccountID == "" {
		art.AccountID = acct.ID
	}
}

// AccountGuess is what the stored items tell of the archive's account.
type AccountGuess struct {
	// ID is the account's __biz.
	ID string
	// Name is the name the newest stored page of the account shows; ""
	// when no page of it is stored.
	Name string
	// Link is the address of an article of the account that the API
	// listed as sent (news or published, not deleted): its public page
	// names the account. "" when there is none.
	Link string
}

// GuessAccount reads the stored items for the account the archive backs
// up. id, when known, is taken for its __biz. Otherwise it is the __biz of
// the API's items, which are all of one account, the one whose credentials
// listed them; in an archive of pages alone, the __biz most pages have.
//
// It reads the API's items only until one gives the id and a link, but
// every stored page: callers ask only while the name is unknown.
func (a *Archive) GuessAccount(id string) (AccountGuess, error) {
	g := AccountGuess{ID: id}
	type named struct {
		name string
		at   int64
	}
	pages := map[string]int{}    // __biz → stored pages
	newest := map[string]named{} // __biz → name on its newest page
	// A source at a time, in Items' order: a fetch asks at its end, when
	// it holds the most, and an API source need not even be listed once
	// the id and a link are known.
	var refs []ItemRef
	for _, src := range Sources {
		if src != URLs && g.ID != "" && g.Link != "" {
			continue
		}
		var err error
		if refs, err = a.appendItemsOf(refs[:0], src); err != nil {
			return g, err
		}
		for _, ref := range refs {
			api := ref.Source != URLs
			if api && g.ID != "" && g.Link != "" {
				continue
			}
			raw, err := a.ReadItem(ref)
			if err != nil {
				return g, err
			}
			var it rawItem
			if json.Unmarshal(raw, &it) != nil {
				continue // a damaged item is reported by the walk that needs it
			}
			at := max(int64(it.Content.CreateTime), int64(it.Content.UpdateTime), int64(it.UpdateTime))
			for _, n := range it.Content.NewsItem {
				biz := n.AccountID
				if biz == "" {
					biz = bizOf(n.URL)
				}
				if api {
					if biz == "" {
						continue
					}
					if g.ID == "" {
						g.ID = biz
					}
					if _, ok := ParsePermalink(n.URL); ok && g.Link == "" && biz == g.ID && ref.Source != Drafts && !bool(n.IsDeleted) {
						g.Link = strings.TrimSpace(n.URL)
					}
					continue
				}
				pages[biz]++
				name := strings.TrimSpace(firstOf(n.AccountName, it.Page.AccountName))
				if name != "" && (newest[biz].name == "" || at > newest[biz].at) {
					newest[biz] = named{name, at}
				}
			}
		}
	}
	if g.ID == "" {
		ids := make([]string, 0, len(pages))
		for biz := range pages {
			if biz != "" {
				ids = append(ids, biz)
			}
		}
		slices.Sort(ids)
		for _, biz := range ids {
			if g.ID == "" || pages[biz] > pages[g.ID] {
				g.ID = biz
			}
		}
	}
	g.Name = newest[g.ID].name
	return g, nil
}
