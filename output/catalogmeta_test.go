package output

import (
	"encoding/binary"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

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
	spill := newMetaSpill()
	if spill == nil {
		t.Log("no temporary file that can be deleted while open: the catalog stays in memory")
	}
	for _, tt := range tests {
		for _, where := range []string{"memory", "spilled", "spilled, then set again"} {
			t.Run(tt.name+"/"+where, func(t *testing.T) {
				want := base
				tt.edit(&want)
				var ca catArticle
				in := want
				ca.setMeta(&in)
				if where != "memory" {
					ca.moveTo(spill)
					if spill != nil && tt.compact && (ca.enc != "" || ca.n == 0) {
						t.Errorf("moveTo left the encoding in memory")
					}
				}
				if where == "spilled, then set again" {
					// selectArticles rewrites what it selects.
					other := base
					other.Title = "another title"
					ca.setMeta(&other)
					if got := ca.meta().Title; got != other.Title {
						t.Fatalf("title after setMeta = %q", got)
					}
					in2 := want
					ca.setMeta(&in2)
				}
				in.Title = "changed after setMeta"
				if got := ca.full == nil; got != tt.compact {
					t.Errorf("compact = %v, want %v", got, tt.compact)
				}
				for name, got := range map[string]archive.Article{"meta": ca.meta(), "ownMeta": ca.ownMeta()} {
					if !reflect.DeepEqual(got, want) {
						t.Errorf("%s() =\n%+v\nwant\n%+v", name, got, want)
					}
					if got.CreateTime != want.CreateTime || got.UpdateTime != want.UpdateTime {
						t.Errorf("%s(): times %v, %v; want %v, %v", name, got.CreateTime, got.UpdateTime, want.CreateTime, want.UpdateTime)
					}
				}
				// The catalog cache stores the encoding, wherever it lies.
				if tt.compact {
					if got := ca.encoding(); got == "" {
						t.Errorf("encoding() is empty")
					}
				}
			})
		}
	}
}

// ownMeta's strings must be copies: a string of meta's is a substring of
// the article's whole encoding, and a record that keeps it keeps all of
// it.
func TestCatalogOwnMetaCopies(t *testing.T) {
	art := archive.Article{Title: "标题", Digest: "摘要", URL: "https://mp.weixin.qq.com/s?__biz=a&mid=1&idx=1"}
	var ca catArticle
	ca.setMeta(&art)
	within := func(s string) bool {
		if s == "" {
			return false
		}
		p, start := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(ca.enc)))
		return p >= start && p < start+uintptr(len(ca.enc))
	}
	if m := ca.meta(); !within(m.Title) {
		t.Fatalf("meta's title is not a substring of the encoding: the check below proves nothing")
	}
	m := ca.ownMeta()
	for name, s := range map[string]string{"Title": m.Title, "Digest": m.Digest, "URL": m.URL} {
		if within(s) {
			t.Errorf("ownMeta's %s lies within the encoding", name)
		}
	}
}

// The decoder must read numbers as encoding/binary does, and refuse the
// same damaged ones, from a string as from bytes.
func TestDecoderReadsAsEncodingBinary(t *testing.T) {
	inputs := []string{
		"", "\x00", "\x7f", "\x80", "\x80\x01", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
		"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
		"\x03abc", "\x05ab", "\x03",
	}
	for _, in := range inputs {
		wantU, nU := binary.Uvarint([]byte(in))
		wantV, nV := binary.Varint([]byte(in))
		for _, tc := range []struct {
			name    string
			uvarint func() (uint64, bool, string)
			varint  func() (int64, bool, string)
			str     func() (string, bool, string)
		}{
			{"bytes",
				func() (uint64, bool, string) {
					d := recordDecoder{b: []byte(in)}
					v := d.uvarint()
					return v, d.bad, string(d.b)
				},
				func() (int64, bool, string) {
					d := recordDecoder{b: []byte(in)}
					v := d.varint()
					return v, d.bad, string(d.b)
				},
				func() (string, bool, string) {
					d := recordDecoder{b: []byte(in)}
					v := d.str()
					return v, d.bad, string(d.b)
				}},
			{"string",
				func() (uint64, bool, string) { d := stringDecoder{b: in}; v := d.uvarint(); return v, d.bad, d.b },
				func() (int64, bool, string) { d := stringDecoder{b: in}; v := d.varint(); return v, d.bad, d.b },
				func() (string, bool, string) { d := stringDecoder{b: in}; v := d.str(); return v, d.bad, d.b }},
		} {
			if v, bad, rest := tc.uvarint(); bad != (nU <= 0) || !bad && (v != wantU || rest != in[nU:]) {
				t.Errorf("%s uvarint(%q) = %d, bad %v, rest %q; binary: %d, %d", tc.name, in, v, bad, rest, wantU, nU)
			}
			if v, bad, rest := tc.varint(); bad != (nV <= 0) || !bad && (v != wantV || rest != in[nV:]) {
				t.Errorf("%s varint(%q) = %d, bad %v, rest %q; binary: %d, %d", tc.name, in, v, bad, rest, wantV, nV)
			}
			wantStr, strOK := "", nU > 0 && wantU <= uint64(len(in)-nU)
			if strOK {
				wantStr = in[nU : nU+int(wantU)]
			}
			if v, bad, _ := tc.str(); bad == strOK || v != wantStr {
				t.Errorf("%s str(%q) = %q, bad %v; want %q, ok %v", tc.name, in, v, bad, wantStr, strOK)
			}
		}
	}
}
