package output

import (
	"strings"

	"github.com/mparchive/mparchive/archive"
)

// PostMeta are the front matter keys that say whose post an article is and
// what kind (docs/wechat-pages.md): every Markdown format writes them, Zola
// under [extra]. Keys without a value are left out, so an ordinary
// article of an unknown account adds nothing.
type PostMeta struct {
	Account   string `yaml:"account,omitempty" toml:"account,omitempty"`       // the account's name
	AccountID string `yaml:"account_id,omitempty" toml:"account_id,omitempty"` // its __biz
	Original  bool   `yaml:"original,omitempty" toml:"original,omitempty"`     // marked 原创
	Paid      bool   `yaml:"paid,omitempty" toml:"paid,omitempty"`             // a paid article
	// Type is the kind of post (archive.PostType), absent for an
	// ordinary article. Hugo gets it as PostType instead: there `type`
	// is the page's content type, which picks its layouts and which the
	// usual themes list their home pages by (where .Site.RegularPages
	// "Type" …), so a picture post would vanish from them.
	Type     string `yaml:"type,omitempty" toml:"type,omitempty"`
	PostType string `yaml:"post_type,omitempty" toml:"post_type,omitempty"`
	// SharedFrom is the link of the original article a share points to;
	// only web links are written.
	SharedFrom string `yaml:"shared_from,omitempty" toml:"shared_from,omitempty"`
}

func newPostMeta(a *archive.Article) PostMeta {
	m := PostMeta{
		Account:   validUTF8(a.AccountName),
		AccountID: validUTF8(a.AccountID),
		Original:  a.Original,
		Paid:      a.Paid,
		Type:      validUTF8(string(a.Type)),
	}
	if a.Share != nil && isWebLink(a.Share.URL) {
		m.SharedFrom = validUTF8(strings.TrimSpace(a.Share.URL))
	}
	return m
}

// forHugo moves Type to PostType (see Type).
func (m PostMeta) forHugo() PostMeta {
	m.PostType, m.Type = m.Type, ""
	return m
}

func validUTF8(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// isWebLink tells http(s) links, the only ones an output writes as links
// of its own.
func isWebLink(u string) bool {
	l := strings.ToLower(strings.TrimSpace(u))
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://")
}

// accountOf is the archive's account as outputs name it: the one its
// state records, with opts.AccountName (--account-name) for its name when
// given; nil when nothing is known.
func accountOf(a *archive.Archive, opts Options) (*archive.Account, error) {
	st, err := a.LoadState()
	if err != nil {
		return nil, err
	}
	var acct archive.Account
	if st.Account != nil {
		acct = *st.Account
	}
	if name := strings.TrimSpace(opts.AccountName); name != "" {
		acct.Name = name
	}
	if acct == (archive.Account{}) {
		return nil, nil
	}
	return &acct, nil
}
