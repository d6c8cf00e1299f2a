package wechattest

import (
	"fmt"
	"strings"
	"time"
)

// Article is one article as the fake holds it, for tests that inspect or
// change the upstream account. Image URLs in Content and ThumbURL point at
// the server (as clients see them).
type Article struct {
	Source Source
	// ID is the message's media_id (news, drafts) or article_id (published).
	ID string
	// Index is the 1-based position inside the message, the API's idx.
	Index int

	Title, Author, Digest, Content string
	ContentSourceURL, URL          string
	ThumbMediaID, ThumbURL         string
	ShowCoverPic                   int
	NeedOpenComment                int
	OnlyFansCanComment             int
	Deleted                        bool
	// CreateTime is the message's create_time (the API sends none for
	// published items); UpdateTime its update_time.
	CreateTime, UpdateTime time.Time

	// Kind is what the post is (kinds.go); Text the text of a picture,
	// text or video post as its page keeps it (content_noencode), Pictures
	// the URLs of a picture post's pictures in order (on the server), and
	// SharedFrom the original's link of a share.
	Kind       PostKind
	Text       string
	Pictures   []string
	SharedFrom string
	// Original is true where the page marks the post 原创.
	Original bool
}

// Articles returns every article of a source, in list order (newest first).
func (s *Server) Articles(src Source) []Article {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Article
	for _, m := range s.acct.list(src) {
		for i, it := range m.items {
			out = append(out, s.view(m, i, it))
		}
	}
	return out
}

// ArticleCount reports how many articles (not messages) a source holds.
func (s *Server) ArticleCount(src Source) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acct.articleCount(src)
}

func (s *Server) view(m *message, i int, it *item) Article {
	a := Article{
		Source: m.source, ID: m.id, Index: i + 1,
		Title: it.title, Author: it.author, Digest: it.digest, Content: s.rewriteHost(it.content),
		ContentSourceURL: it.contentSourceURL, URL: it.url,
		ThumbMediaID: it.thumbMediaID, ThumbURL: s.rewriteHost(it.thumbURL),
		ShowCoverPic: it.showCoverPic, NeedOpenComment: it.needOpenComment, OnlyFansCanComment: it.onlyFansCanComment,
		Deleted:    it.deleted,
		UpdateTime: time.Unix(m.updated, 0).In(chinaZone),
	}
	if m.created != 0 && m.source != SourcePublished {
		a.CreateTime = time.Unix(m.created, 0).In(chinaZone)
	}
	a.Kind, a.Text, a.Original = it.kind, it.text, it.original
	if a.Kind == "" {
		a.Kind = KindArticle
	}
	if it.share != nil {
		a.Kind = KindShare
		a.SharedFrom = it.share.original.url
	}
	for _, p := range it.pictures {
		a.Pictures = append(a.Pictures, s.rewriteHost(p.url))
	}
	return a
}

// unrewriteHost turns the server's URLs in test-supplied content back into
// the placeholder host the account stores. s.mu held.
func (s *Server) unrewriteHost(content string) string {
	if s.base == "" {
		return content
	}
	return strings.ReplaceAll(content, s.base, "https://"+mmbizHost)
}

// EditArticle changes article index (1-based) of message id the way an
// author editing it upstream would: change receives a copy of the article
// and may modify Title, Author, Digest, Content and ContentSourceURL; the
// message's update_time becomes the server's now, which moves it to the
// front of its list. Published and news materials can not really be edited
// after 2022 (§5); the fake allows it so change detection can be tested.
func (s *Server) EditArticle(id string, index int, change func(a *Article)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, it, err := s.find(id, index)
	if err != nil {
		return err
	}
	a := s.view(m, index-1, it)
	change(&a)
	it.title, it.author, it.digest = a.Title, a.Author, a.Digest
	it.content = s.unrewriteHost(a.Content)
	it.contentSourceURL = a.ContentSourceURL
	s.acct.registerMedia(it.content)
	m.updated = max(s.now().Unix(), m.updated+1)
	s.acct.sortList(m.source)
	return nil
}

func (s *Server) find(id string, index int) (*message, *item, error) {
	m := s.acct.byID[id]
	if m == nil {
		return nil, nil, fmt.Errorf("wechattest: no message %q", id)
	}
	if index < 1 || index > len(m.items) {
		return nil, nil, fmt.Errorf("wechattest: message %q has no article %d", id, index)
	}
	return m, m.items[index-1], nil
}

// DeleteMessage removes a news material or a draft (all its articles)
// upstream, as material/del_material and draft/delete do: it disappears from
// its list and get_material answers 40007.
func (s *Server) DeleteMessage(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.acct.byID[id]
	if m == nil {
		return fmt.Errorf("wechattest: no message %q", id)
	}
	if m.source == SourcePublished {
		return fmt.Errorf("wechattest: %q is published; use DeletePublished", id)
	}
	s.acct.remove(id)
	return nil
}

// DeletePublished deletes a published article as freepublish/delete does
// (index 0 = all articles of the message): it stays in the list, marked
// is_deleted, which is how the API reports it (§4.1).
func (s *Server) DeletePublished(articleID string, index int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.acct.byID[articleID]
	if m == nil || m.source != SourcePublished {
		return fmt.Errorf("wechattest: no published message %q", articleID)
	}
	if index == 0 {
		for _, it := range m.items {
			it.deleted = true
		}
		return nil
	}
	_, it, err := s.find(articleID, index)
	if err != nil {
		return err
	}
	it.deleted = true
	return nil
}

// Publish adds a new published message made of articles (Title, Author,
// Digest, Content, ContentSourceURL are used; ThumbMediaID when it names an
// existing thumb, otherwise the first thumb is reused) at the server's now,
// and returns its article_id. Later tests use it to simulate new posts
// between runs.
func (s *Server) Publish(articles ...Article) (string, error) {
	if len(articles) == 0 || len(articles) > 8 {
		return "", fmt.Errorf("wechattest: a message holds 1 to 8 articles, not %d", len(articles))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().Unix()
	s.acct.nextMid++
	m := &message{
		source:  SourcePublished,
		id:      fmt.Sprintf("%sP%021d", s.acct.idPrefix, s.acct.nextMid),
		created: now,
		updated: now,
	}
	for i, a := range articles {
		it := &item{
			title: a.Title, author: a.Author, digest: a.Digest,
			content: s.unrewriteHost(a.Content), contentSourceURL: a.ContentSourceURL,
			needOpenComment: 1,
			url: fmt.Sprintf("http://mp.weixin.qq.com/s?__biz=%s&mid=%d&idx=%d&sn=%032x&chksm=%0108x#rd",
				s.acct.biz, 2247483649+s.acct.nextMid, i+1, s.acct.nextMid, now),
		}
		if t := s.acct.thumbByID[a.ThumbMediaID]; t != nil {
			it.thumbMediaID, it.thumbURL = t.mediaID, t.url
		} else if len(s.acct.thumbs) > 0 {
			it.thumbMediaID, it.thumbURL = s.acct.thumbs[0].mediaID, s.acct.thumbs[0].url
		}
		m.items = append(m.items, it)
	}
	// published items carry no create_time in the API; keep it internal.
	s.acct.add(m)
	return m.id, nil
}
