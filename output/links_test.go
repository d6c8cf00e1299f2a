package output

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/render"
)

// TestLinksBetweenArticlesGoLocal links one article to another of the
// account (the way WeChat's editor writes such links) and to one that is
// not archived: each format rewrites the first to its local page and
// keeps the second.
func TestLinksBetweenArticlesGoLocal(t *testing.T) {
	a, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	target := "http://mp.weixin.qq.com/s?__biz=MzA5MDE3MTE1NA==&mid=100000074&idx=2&sn=ba2b#rd"
	linking := `<p>接上篇：<a href="https://mp.weixin.qq.com/s?__biz=MzA5MDE3MTE1NA==&amp;mid=100000074&amp;idx=2&amp;sn=ba2b&amp;scene=21#wechat_redirect" tab="innerlink" data-linktype="2">上一篇</a>，` +
		`另见<a href="https://mp.weixin.qq.com/s?__biz=MzA5MDE3MTE1NA==&amp;mid=999&amp;idx=1">没存档的一篇</a>。</p>`
	putItem(t, a, archive.News, "media_id", "FROM", map[string]any{"title": "下一篇", "content": linking, "url": "http://mp.weixin.qq.com/s?__biz=MzA5MDE3MTE1NA==&mid=100000080&idx=1&sn=aa#rd"})
	putItem(t, a, archive.News, "media_id", "TO", map[string]any{"title": "上一篇", "content": "<p>正文</p>", "url": target})

	tests := []struct {
		format, page, want string
	}{
		{"hugo", "content/posts/*/index.md", "(../2023-11-15-上一篇/)"},
		{"markdown", "*.md", "(2023-11-15-上一篇.md)"},
		{"hexo", "source/_posts/*.md", "(../2023-11-15-上一篇/)"},
		{"zola", "content/*/index.md", "(@/2023-11-15-上一篇/index.md)"},
		{"jekyll", "_posts/*.md", "(../../../../2023/11/15/上一篇/)"},
		{"site", "posts/*/index.html", ""},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			out := t.TempDir()
			w, err := New(tt.format, out, Options{Converter: render.New()})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(t.Context(), a); err != nil {
				t.Fatal(err)
			}
			pages, _ := filepath.Glob(filepath.Join(out, tt.page))
			var from string
			for _, p := range pages {
				b, _ := os.ReadFile(p)
				if strings.Contains(string(b), "接上篇") {
					from = string(b)
				}
			}
			if tt.format == "site" {
				if !strings.Contains(from, `href="../2023-11-15-%E4%B8%8A%E4%B8%80%E7%AF%87/index.html"`) {
					t.Errorf("link to the archived article not made local:\n%s", from)
				}
				if !strings.Contains(from, "mid=999") {
					t.Errorf("link to an article not in the archive was changed")
				}
				return
			}
			if !strings.Contains(from, "[上一篇]"+tt.want) {
				t.Errorf("link to the archived article not made local (want %s):\n%s", tt.want, from)
			}
			if !strings.Contains(from, "mid=999") {
				t.Errorf("link to an article not in the archive was changed:\n%s", from)
			}
		})
	}
}

// The link table keeps hashes of permalinks: it must answer only for an
// article whose own permalink was asked, whatever its map says.
func TestLinkTableAnswersOnlyItsOwnArticles(t *testing.T) {
	urls := []string{
		"http://mp.weixin.qq.com/s?__biz=MzA5&mid=1&idx=1&sn=a#rd",
		"http://mp.weixin.qq.com/s?__biz=MzA5&mid=1&idx=2&sn=b#rd",
		"https://mp.weixin.qq.com/s/shortlink", // no permalink
	}
	cat := &catalog{}
	slugs := map[string]string{}
	for i, u := range urls {
		art := archive.Article{Source: archive.Published, ItemID: "item", Index: i + 1, URL: u}
		var ca catArticle
		ca.setMeta(&art)
		cat.arts = append(cat.arts, ca)
		cat.sel = append(cat.sel, i)
		slugs[art.Key()] = "slug-" + string(rune('a'+i))
	}
	table := internalLinks(cat, slugs, hugoLayout{})
	perm := func(u string) archive.Permalink {
		p, ok := archive.ParsePermalink(u)
		if !ok {
			t.Fatalf("%s has no permalink", u)
		}
		return p
	}
	tests := []struct {
		name string
		p    archive.Permalink
		want string
	}{
		{"first", perm(urls[0]), "../slug-a/"},
		{"second", perm(urls[1]), "../slug-b/"},
		{"not archived", perm("http://mp.weixin.qq.com/s?__biz=MzA5&mid=9&idx=1"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := table.link(tt.p); got != tt.want {
				t.Errorf("link = %q, want %q", got, tt.want)
			}
		})
	}
	if len(table.at) != 2 {
		t.Errorf("table holds %d articles, want the 2 with a permalink", len(table.at))
	}
	// A hash that names another article (as a collision would) links
	// nowhere.
	table.at[hashPermalink(perm(urls[0]))] = 1
	if got := table.link(perm(urls[0])); got != "" {
		t.Errorf("link through a hash naming another article = %q, want none", got)
	}
}
