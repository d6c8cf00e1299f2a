package output

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
)

// The catalog's compact form must give back exactly the article it was
// given, including what the catalog cache's codec cannot hold (kept as
// it is instead).
func TestCatalogMetaRoundTrip(t *testing.T) {
	beijing := time.Date(2024, 5, 6, 7, 8, 9, 10, archive.ChinaTime)
	base := archive.Article{
		Source: archive.Published, ItemID: "IT7JKBwmFfGz", Index: 2,
		Title: "复盘：从零搭建", Author: "编辑部", Digest: strings.Repeat("摘要", 40),
		URL: "http://mp.weixin.qq.com/s?__biz=Mzg2&mid=22&idx=2&sn=aa", ThumbURL: "https://mmbiz.qpic.cn/x/0",
		ShowCoverPic: 1, NeedOpenComment: -3, CreateTime: beijing, UpdateTime: beijing.UTC(),
	}
	tests := []struct {
		name    string
		edit    func(a *archive.Article)
		compact bool
	}{
		{"ordinary", func(*archive.Article) {}, true},
		{"zero value", func(a *archive.Article) { *a = archive.Article{} }, true},
		{"removed, aliases, share, pictures", func(a *archive.Article) {
			a.Removed = &archive.Removal{LastSeen: "2024-01-01", Noticed: "2024-02-02"}
			a.Aliases = []string{"news/x/1", ""}
			a.Share = &archive.Share{URL: "https://example.com/a", Note: "荐语\n第二行"}
			a.Pictures = []archive.Picture{{Key: "k1", Width: 640, Height: 480}, {}}
			a.Deleted, a.Original, a.Paid = true, true, true
		}, true},
		{"empty but not nil aliases", func(a *archive.Article) { a.Aliases = []string{} }, true},
		{"bytes that are not UTF-8", func(a *archive.Article) { a.Title = "\xff\x00标题" }, true},
		{"time in another zone", func(a *archive.Article) {
			a.CreateTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := base
			tt.edit(&want)
			var ca catArticle
			in := want
			ca.setMeta(&in)
			in.Title = "changed after setMeta"
			if got := ca.full == nil; got != tt.compact {
				t.Errorf("compact = %v, want %v", got, tt.compact)
			}
			got := ca.meta()
			if !reflect.DeepEqual(got, want) {
				t.Errorf("meta() =\n%+v\nwant\n%+v", got, want)
			}
			if got.CreateTime != want.CreateTime || got.UpdateTime != want.UpdateTime {
				t.Errorf("times %v, %v; want %v, %v", got.CreateTime, got.UpdateTime, want.CreateTime, want.UpdateTime)
			}
		})
	}
}

// stringDecoder must read numbers as recordDecoder does, and refuse the
// same damaged ones.
func TestStringDecoderMatchesRecordDecoder(t *testing.T) {
	inputs := []string{
		"", "\x00", "\x7f", "\x80", "\x80\x01", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
		"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
		"\x03abc", "\x05ab",
	}
	for _, in := range inputs {
		r, s := recordDecoder{b: []byte(in)}, stringDecoder{s: in}
		if rv, sv := r.uvarint(), s.uvarint(); rv != sv || r.bad != s.bad || string(r.b) != s.s {
			t.Errorf("uvarint(%q): record %d, %v, %q; string %d, %v, %q", in, rv, r.bad, r.b, sv, s.bad, s.s)
		}
		r, s = recordDecoder{b: []byte(in)}, stringDecoder{s: in}
		if rv, sv := r.varint(), s.varint(); rv != sv || r.bad != s.bad || string(r.b) != s.s {
			t.Errorf("varint(%q): record %d, %v; string %d, %v", in, rv, r.bad, sv, s.bad)
		}
		r, s = recordDecoder{b: []byte(in)}, stringDecoder{s: in}
		if rv, sv := r.str(), s.str(); rv != sv || r.bad != s.bad || string(r.b) != s.s {
			t.Errorf("str(%q): record %q, %v; string %q, %v", in, rv, r.bad, sv, s.bad)
		}
	}
}
