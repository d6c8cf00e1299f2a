package output

import (
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mparchive/mparchive/archive"
)

func TestFrontMatterRoundTrip(t *testing.T) {
	hostile := []string{
		"plain",
		"",
		`"double" and 'single' quotes`,
		"key: value",
		"colon:",
		"line one\nline two",
		"trailing newline\n",
		"---",
		"---\ntitle: injected\n---",
		"# not a comment",
		"a # b",
		"*alias",
		"&anchor",
		"!tag",
		"!!str",
		"%directive",
		"@reserved",
		"`backtick",
		"- list item",
		"? complex key",
		"{flow: map}",
		"[flow, seq]",
		"yes", "no", "on", "off", "Yes", "NO", "y", "n",
		"true", "False",
		"null", "Null", "~",
		"1.0", "0x1F", "1e3", "0777", ".inf", "-.nan", "12:30:00",
		"2024-03-01",
		"  leading and trailing spaces  ",
		"\ttab",
		"bell\a and nul\x00",
		"\u2028line separator",
		"中文标题：副标题「引号」",
		strings.Repeat("很长的标题 long title ", 25), // 500 characters
	}
	date := time.Date(2024, 3, 1, 8, 0, 0, 0, archive.ChinaTime)
	for _, s := range hostile {
		art := &archive.Article{
			Source: archive.Published, ItemID: "ART_1", Index: 2,
			Title: s, Author: s, Digest: s,
			ContentSourceURL: "https://example.com/?a=1&b=2", URL: "https://mp.weixin.qq.com/s/x",
			UpdateTime: date, AccountName: s, AccountID: s,
		}
		fm := NewFrontMatter(art)
		fm.setPictures(hugoPictures, s, pageImages{Cover: "abc.jpg", Images: []string{"abc.jpg", s}})
		page, err := marshalYAMLFrontMatter(fm)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		head, ok := splitFrontMatter(page)
		if !ok || !strings.HasSuffix(string(page), "\n---\n") {
			t.Fatalf("%q: front matter not fenced:\n%s", s, page)
		}
		var back FrontMatter
		if err := yaml.Unmarshal(head, &back); err != nil {
			t.Fatalf("%q: %v\n%s", s, err, page)
		}
		if back.Title != s || back.Author != s || back.Digest != s || back.Description != s || !slices.Equal(back.Images, fm.Images) || back.Cover.Alt != s ||
			back.Account != s || back.AccountID != s {
			t.Errorf("%q came back as title %q author %q digest %q images %q\n%s", s, back.Title, back.Author, back.Digest, back.Images, page)
		}
		if !back.Date.Equal(date) || !back.Lastmod.Equal(date) {
			t.Errorf("%q: dates came back as %v, %v", s, back.Date, back.Lastmod)
		}
	}
}

func TestFrontMatterKeys(t *testing.T) {
	date := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)
	full := &archive.Article{
		Source: archive.News, ItemID: "MEDIA", Index: 1,
		Title: "t", Author: "a", Digest: "d",
		ContentSourceURL: "https://example.com/", URL: "https://mp.weixin.qq.com/s/x",
		CreateTime: date, UpdateTime: date.Add(time.Hour), Deleted: true,
		AccountName: "号", AccountID: "BIZ", Original: true, Paid: true, Type: archive.PostShare,
		Share: &archive.Share{URL: "https://mp.weixin.qq.com/s/orig"},
	}
	for _, tc := range []struct {
		name string
		art  *archive.Article
		want []string
	}{
		{"full", full, []string{"title", "author", "date", "lastmod", "description", "digest", "cover", "image", "images", "source_url", "wechat_url",
			"account", "account_id", "original", "paid", "type", "shared_from", "media_id", "item_index", "draft", "deleted"}},
		// A share of a link that is no web link keeps no shared_from.
		{"share without a web link", &archive.Article{Source: archive.URLs, ItemID: "U", Index: 1, UpdateTime: date, Type: archive.PostShare,
			Share: &archive.Share{URL: "javascript:alert(1)", Account: "别的号"}}, []string{"title", "date", "lastmod", "type", "media_id", "item_index", "draft"}},
		{"bare", &archive.Article{Source: archive.Drafts, ItemID: "D", Index: 3, UpdateTime: date}, []string{"title", "date", "lastmod", "media_id", "item_index", "draft"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fm := NewFrontMatter(tc.art)
			if tc.art == full {
				fm.setPictures(hugoPictures, "t", pageImages{Cover: "c.jpg", Images: []string{"c.jpg"}})
			}
			page, err := marshalYAMLFrontMatter(fm)
			if err != nil {
				t.Fatal(err)
			}
			head, _ := splitFrontMatter(page)
			var node yaml.Node
			if err := yaml.Unmarshal(head, &node); err != nil {
				t.Fatal(err)
			}
			var keys []string
			m := node.Content[0]
			for i := 0; i < len(m.Content); i += 2 {
				keys = append(keys, m.Content[i].Value)
			}
			if !slices.Equal(keys, tc.want) {
				t.Errorf("keys %v\nwant %v", keys, tc.want)
			}
			if strings.Contains(string(head), "\nurl:") {
				t.Error("front matter has a url key, which would move the page in Hugo")
			}
			// Dates are written in China time whatever zone they came in.
			if !strings.Contains(string(head), "+08:00") {
				t.Errorf("dates not in +08:00:\n%s", head)
			}
			var raw map[string]any
			yaml.Unmarshal(head, &raw)
			// A draft-box article says so, and only it.
			if want := tc.art.Source == archive.Drafts; raw["draft"] != want {
				t.Errorf("draft = %#v, want %v", raw["draft"], want)
			}
		})
	}
}
