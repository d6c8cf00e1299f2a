package exporter

import (
	"strings"
	"testing"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter/wechattest"
)

// TestFetchURLs_PostKindsFromTheFake fetches the fake's picture, text,
// video posts and shares (written in the shapes of the real pages) and
// checks that each is stored as what the fake says it is, with its text,
// every picture downloaded, and, with FollowShares, the shared originals.
func TestFetchURLs_PostKindsFromTheFake(t *testing.T) {
	r := newURLRun(t, wechattest.Options{Seed: 61, PicturePosts: 3, TextPosts: 3, SharePosts: 2, VideoPosts: 1})
	posts := r.srv.PagePosts()
	sum, err := r.fetchFollowing(t, r.srv.PageLinks())
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Failed) > 0 {
		t.Fatalf("failed pages: %v", sum.Failed)
	}
	originals := r.srv.SharedOriginals()
	if want := len(posts) + len(originals); sum.New != want {
		t.Errorf("%d new items, want %d (%d posts, %d originals followed)", sum.New, want, len(posts), len(originals))
	}
	// A share and its original have one title; their links tell them apart.
	byLink := map[archive.Permalink]archive.Article{}
	for _, a := range r.arts {
		pl, _ := archive.ParsePermalink(a.URL)
		byLink[pl] = a
	}
	kinds := map[wechattest.PostKind]archive.PostType{
		wechattest.KindArticle: archive.PostArticle, wechattest.KindPicture: archive.PostPicture,
		wechattest.KindText: archive.PostText, wechattest.KindShare: archive.PostShare, wechattest.KindVideo: archive.PostVideo,
	}
	seen := map[archive.PostType]int{}
	for _, p := range posts {
		pl, ok := archive.ParsePermalink(p.URL)
		if !ok {
			t.Fatalf("the fake's link %s names no article", p.URL)
		}
		a, ok := byLink[pl]
		if !ok {
			t.Errorf("%s post %q not stored", p.Kind, p.Title)
			continue
		}
		seen[a.Type]++
		if a.Type != kinds[p.Kind] {
			t.Errorf("%q stored as %q, want %q", p.Title, a.Type, kinds[p.Kind])
		}
		if a.Original != p.Original {
			t.Errorf("%q original %v, want %v", p.Title, a.Original, p.Original)
		}
		if a.AccountName == "" {
			t.Errorf("%q has no account name", p.Title)
		}
		if len(a.Pictures) != len(p.Pictures) {
			t.Errorf("%q has %d pictures, want %d", p.Title, len(a.Pictures), len(p.Pictures))
		}
		for _, pic := range a.Pictures {
			if _, ok := r.arch.Media(pic.Key); !ok {
				t.Errorf("%q: picture %s not downloaded", p.Title, pic.Key)
			}
			if pic.Width <= 0 || pic.Height <= 0 {
				t.Errorf("%q: picture %s without its size", p.Title, pic.Key)
			}
		}
		if p.Kind == wechattest.KindShare {
			if a.Share == nil || a.Share.URL == "" {
				t.Errorf("%q: share without its original: %+v", p.Title, a.Share)
			} else if norm, _ := NormalizeArticleURL(p.SharedFrom); a.Share.URL != norm {
				t.Errorf("%q shared from %s, want %s", p.Title, a.Share.URL, norm)
			}
		}
		// The post's text, as its page keeps it, is the body's text.
		if p.Text != "" && !strings.Contains(a.Content, archive.TextHTML(p.Text)) {
			t.Errorf("%q: the body lacks the text\n body %.300s\n text %.300s", p.Title, a.Content, p.Text)
		}
	}
	for _, k := range []archive.PostType{archive.PostPicture, archive.PostText, archive.PostShare, archive.PostVideo} {
		if seen[k] == 0 {
			t.Errorf("no %s post came out of the fake", k)
		}
	}
}

// TestFetchURLs_MessagePagesBothLanguages reads each of the fake's message
// pages, in Chinese and in English, as the fetcher meets them: reported for
// what they are, nothing stored.
func TestFetchURLs_MessagePagesBothLanguages(t *testing.T) {
	states := []struct {
		page wechattest.PageState
		want PageKind
	}{
		{wechattest.PageDeleted, PageDeleted},
		{wechattest.PageRemoved, PageRemoved},
		{wechattest.PageUnavailable, PageUnavailable},
		{wechattest.PageExpired, PageExpired},
	}
	accounts := []struct {
		state wechattest.AccountState
		want  PageKind
	}{
		{wechattest.AccountBanned, PageBanned},
		{wechattest.AccountMigrated, PageBanned},
		{wechattest.AccountDeregistered, PageBanned},
	}
	for _, lang := range []wechattest.PageLang{wechattest.PageLangChinese, wechattest.PageLangEnglish} {
		t.Run(string(lang), func(t *testing.T) {
			r := newURLRun(t, wechattest.Options{Seed: 62, MassSent: len(states) + 1})
			links := r.srv.PageLinks()
			want := map[string]PageKind{}
			for i, st := range states {
				if err := r.srv.SetPageState(links[i], st.page); err != nil {
					t.Fatal(err)
				}
				if err := r.srv.SetPageLang(links[i], lang); err != nil {
					t.Fatal(err)
				}
				u, _ := NormalizeArticleURL(links[i])
				want[u] = st.want
			}
			sum, err := r.fetch(t, links[:len(states)], false)
			if err != nil {
				t.Fatal(err)
			}
			if sum.New != 0 {
				t.Errorf("%d message pages stored as articles", sum.New)
			}
			for _, pe := range sum.Failed {
				if pe.Kind != want[pe.URL] {
					t.Errorf("%s: %v (%q), want %v", pe.URL, pe.Kind, pe.Message, want[pe.URL])
				}
				delete(want, pe.URL)
			}
			if len(want) > 0 {
				t.Errorf("not reported: %v", want)
			}
			last := links[len(states)]
			if err := r.srv.SetPageLang(last, lang); err != nil {
				t.Fatal(err)
			}
			for _, acct := range accounts {
				r.srv.SetAccountState(acct.state)
				sum, err := r.fetch(t, []string{last}, true)
				if err != nil {
					t.Fatal(err)
				}
				if len(sum.Failed) != 1 || sum.Failed[0].Kind != acct.want {
					t.Errorf("account state %d: %v, want %v", acct.state, sum.Failed, acct.want)
				}
			}
		})
	}
}

// TestParseArticlePage_DataBlockKinds covers the kinds no captured page
// shows, in the data block's dialect: a paid article, a video post, a kind
// this version does not know, and a post whose #js_content is left for the
// scripts to fill.
func TestParseArticlePage_DataBlockKinds(t *testing.T) {
	page := func(body, data string) []byte {
		return []byte(`<html><head><title></title></head><body>` + body +
			`<script type="text/javascript">window.cgiDataNew = {` + data + `};</script></body></html>`)
	}
	tests := []struct {
		name  string
		page  []byte
		check func(t *testing.T, p *ArticlePage)
	}{
		{
			name: "paid article",
			page: page(`<div id="js_content"><p>试读部分</p></div>`,
				`title: JsDecode('付费专栏'), nick_name: JsDecode('号'), is_pay_subscribe: '1' * 1, item_show_type: '0' * 1,`),
			check: func(t *testing.T, p *ArticlePage) {
				if !p.Paid || p.Body != "<p>试读部分</p>" || p.Title != "付费专栏" {
					t.Errorf("%+v", p)
				}
			},
		},
		{
			name: "video post",
			page: page(``, `title: JsDecode('一分钟'), desc: JsDecode('说明\x0a第二行'), item_show_type: '5' * 1,
				cdn_url: JsDecode('https://mmbiz.qpic.cn/v/0?a=1\x26amp;b=2'),
				video_ids: [ JsDecode('wxv_1'), ], video_page_info: { video_id: JsDecode('wxv_1'), }, video_page_infos: [ { video_id: JsDecode('wxv_2'), }, ],`),
			check: func(t *testing.T, p *ArticlePage) {
				if p.Kind != PageArticle || p.ItemShowType != 5 || p.Body != "说明\n第二行" ||
					strings.Join(p.VideoIDs, ",") != "wxv_1,wxv_2" || p.Cover != "https://mmbiz.qpic.cn/v/0?a=1&b=2" {
					t.Errorf("%+v", p)
				}
			},
		},
		{
			name: "unknown kind keeps what it has, as HTML",
			page: page(``, `title: JsDecode('新玩意'), desc: JsDecode('只有 <摘要>'), item_show_type: '42' * 1,`),
			check: func(t *testing.T, p *ArticlePage) {
				if p.Kind != PageArticle || p.ItemShowType != 42 || p.Body != "<p>只有 &lt;摘要&gt;</p>" {
					t.Errorf("%+v", p)
				}
			},
		},
		{
			name: "an empty #js_content is filled from the data block",
			page: page(`<div id="js_content"></div>`, `title: JsDecode('T'), content_noencode: JsDecode('\x3cp\x3e正文\x3c/p\x3e'), item_show_type: '0' * 1,`),
			check: func(t *testing.T, p *ArticlePage) {
				if p.Body != "<p>正文</p>" {
					t.Errorf("body %q", p.Body)
				}
			},
		},
		{
			name: "a broken data block loses its fields, not the page",
			page: page(`<h1 id="activity-name">标题</h1><div id="js_content"><p>x</p></div>`, `title: 'unterminated`),
			check: func(t *testing.T, p *ArticlePage) {
				if p.Kind != PageArticle || p.Title != "标题" || p.Body != "<p>x</p>" {
					t.Errorf("%+v", p)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseArticlePage("https://mp.weixin.qq.com/s/x", tt.page)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, p)
		})
	}
}
