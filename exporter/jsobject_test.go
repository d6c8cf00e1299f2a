package exporter

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestParseJSObjectAt(t *testing.T) {
	tests := []struct {
		name, src string
		want      map[string]any
	}{
		{
			name: "WeChat's dialect",
			src: `window.cgiDataNew = {
				base_resp: { ret: '0' * 1, errmsg: JsDecode('ok'), },
				nick_name: JsDecode('慢读技术'),
				desc: JsDecode('第一行\x0a\x0a第二行 \x26amp; more'),
				cdn_url: JsDecode('https://mmbiz.qpic.cn/a/0?wx_fmt=png\x26amp;from=appmsg'),
				width: '1174' * 1,
				ratio: '0.99973977' * 1,
				show_watermark: true,
				hidden: false,
				list: [ { cdn_url: JsDecode('x'), }, ],
				empty: [
				],
				item_show_type: Number(window.item_show_type),
				fallback: "" || "b",
				title: 'a &amp; b'.html(false),
				digest: htmlDecode("x&lt;br&gt;y<br/>z"),
				"quoted key": 'v',
			};`,
			want: map[string]any{
				"base_resp":      map[string]any{"ret": 0.0, "errmsg": "ok"},
				"nick_name":      "慢读技术",
				"desc":           "第一行\n\n第二行 &amp; more",
				"cdn_url":        "https://mmbiz.qpic.cn/a/0?wx_fmt=png&amp;from=appmsg",
				"width":          1174.0,
				"ratio":          0.99973977,
				"show_watermark": true,
				"hidden":         false,
				"list":           []any{map[string]any{"cdn_url": "x"}},
				"empty":          []any{},
				"item_show_type": nil,
				"fallback":       "b",
				"title":          "a & b",
				"digest":         "x<br>y\nz",
				"quoted key":     "v",
			},
		},
		{
			name: "expressions that are not data become nil, the rest is read",
			src:  `window.cgiDataNew = { a: xml ? getXmlValue('a') : '', b: 'x' + y, c: function(){ return 1 }, d: 'kept' };`,
			want: map[string]any{"a": nil, "b": nil, "c": nil, "d": "kept"},
		},
		{
			name: "comments",
			src:  "window.cgiDataNew = { // line\n a: /* block */ 'x', };",
			want: map[string]any{"a": "x"},
		},
		{
			name: "a read of the variable is skipped for the literal after it",
			src:  `var cgiDataNew = window.cgiDataNew = window.cgiDataNew || {}; window.cgiDataNew = { a: 'x' };`,
			want: map[string]any{"a": "x"},
		},
		{
			name: "the first assignment of a key wins",
			src:  `window.cgiDataNew = { a: 'first', a: 'second' };`,
			want: map[string]any{"a": "first"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := parseJSObjectAt(tt.src, "window.cgiDataNew =")
			if err != nil || !ok {
				t.Fatalf("ok=%v err=%v", ok, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestParseJSObjectAt_Broken(t *testing.T) {
	for _, src := range []string{
		`window.cgiDataNew = { a: 'unterminated };`,
		`window.cgiDataNew = { a 'x' };`,
		`window.cgiDataNew = { a: 'x' b: 'y' };`,
		`window.cgiDataNew = { a: [1, 2 };`,
		`window.cgiDataNew = {`,
		"window.cgiDataNew = " + strings.Repeat("{a:", 100) + "1" + strings.Repeat("}", 100),
	} {
		if _, ok, err := parseJSObjectAt(src, "window.cgiDataNew ="); !ok || !errors.Is(err, errJSSyntax) {
			t.Errorf("%.60q: ok=%v err=%v, want a syntax error", src, ok, err)
		}
	}
	if _, ok, err := parseJSObjectAt("var x = 1;", "window.cgiDataNew ="); ok || err != nil {
		t.Errorf("absent marker: ok=%v err=%v", ok, err)
	}
}

// TestJSStringPrefix checks the string literal decoding against what
// JavaScript makes of the same literals.
func TestJSStringPrefix(t *testing.T) {
	tests := []struct{ lit, want string }{
		{`'plain'`, "plain"},
		{`"double"`, "double"},
		{`'\x0a\x26\x3c\x3E'`, "\n&<>"},
		{`'\u4e2d\u6587'`, "中文"},
		{`'\u{1F600}'`, "😀"},
		{`'\ud83d\ude00'`, "😀"},
		{`'\ud83d alone'`, "\uFFFD alone"},
		{`'it\'s'`, "it's"},
		{`"say \"hi\""`, `say "hi"`},
		{`'back\\slash'`, `back\slash`},
		{`'\/path'`, "/path"},
		{`'a\tb\rc\bd\fe\vf'`, "a\tb\rc\bd\fe\vf"},
		{`'nul\0!'`, "nul\x00!"},
		{"'line\\\ncontinued'", "linecontinued"},
		{`'\q unknown escapes keep the letter'`, "q unknown escapes keep the letter"},
		{`'\xZZ bad hex is kept'`, `\xZZ bad hex is kept`},
		{`'中文 as is'`, "中文 as is"},
	}
	for _, tt := range tests {
		got, n, ok := jsStringPrefix(tt.lit + " rest")
		if !ok || got != tt.want || n != len(tt.lit) {
			t.Errorf("%s: got %q (%d bytes, ok %v), want %q (%d bytes)", tt.lit, got, n, ok, tt.want, len(tt.lit))
		}
	}
	for _, bad := range []string{`'open`, "'new\nline'", `'ends with \`} {
		if _, _, ok := jsStringPrefix(bad); ok {
			t.Errorf("%q: decoded, want a failure", bad)
		}
	}
}

// TestWeChatDecoders checks the page's own decoders, whose order matters:
// they replace one entity after another, so "&amp;lt;" stays "&lt;".
func TestWeChatDecoders(t *testing.T) {
	if got := jsDecodeLikeWeChat(`a\x26b \x0a \x5cx26`); got != "a&b \n \\x26" {
		t.Errorf("JsDecode: %q", got)
	}
	if got := htmlDecodeLikeWeChat("&amp;lt; &#39;q&#39; a<br>b<br />c&nbsp;d"); got != "&lt; 'q' a\nb\nc d" {
		t.Errorf("htmlDecode: %q", got)
	}
	if got := decodeEntitiesLikeHTMLMethod("&yen;5 &amp;gt; &quot;x&quot;"); got != `¥5 &gt; "x"` {
		t.Errorf(".html(false): %q", got)
	}
}

func TestJSTypedReads(t *testing.T) {
	obj, _, err := parseJSObjectAt(`o = { mid: '2247503660' * 1, idx: 1, sn: JsDecode('ab'), nan: 'x' * 1, list: [ { w: '3' * 1 }, 'skip' ], nested: { a: { b: 'deep' } } }`, "o =")
	if err != nil {
		t.Fatal(err)
	}
	if got := jsStr(obj, "mid"); got != "2247503660" {
		t.Errorf("mid %q", got)
	}
	if got := jsInt(obj, "idx"); got != 1 {
		t.Errorf("idx %d", got)
	}
	if got := jsInt(obj, "nan"); got != 0 {
		t.Errorf("NaN as int: %d", got)
	}
	if v, _ := obj["nan"].(float64); !math.IsNaN(v) {
		t.Errorf("'x' * 1 = %v, want NaN as in JavaScript", obj["nan"])
	}
	if got := jsList(obj, "list"); len(got) != 1 || jsInt(got[0], "w") != 3 {
		t.Errorf("list %v", got)
	}
	if got := jsStr(obj, "nested.a.b"); got != "deep" {
		t.Errorf("nested %q", got)
	}
	if got := jsStr(obj, "nested.missing.b"); got != "" {
		t.Errorf("missing %q", got)
	}
}

func TestJSVar_Wrappers(t *testing.T) {
	scripts := `
		var biz = "" || "";
		var nickname = htmlDecode("A&amp;B");
		var msg_title = '&lt;T&gt; it\'s'.html(false);
		var msg_desc = htmlDecode("line\x0aline");
		var ct = "1762390511";
		var create_time = "1" * 1;
		var msg_source_url = 'https://e.com/?a=1&amp;b=2';
		var nickname_extra = "not this";
		var sn = "first";
		var sn = "second";
		var notjs = ;
	`
	tests := []struct{ name, want string }{
		{"biz", ""},
		{"nickname", "A&B"},
		{"msg_title", "<T> it's"},
		{"msg_desc", "line\nline"},
		{"ct", "1762390511"},
		{"create_time", "1"},
		{"msg_source_url", "https://e.com/?a=1&amp;b=2"},
		{"sn", "first"},
		{"notjs", ""},
		{"absent", ""},
	}
	for _, tt := range tests {
		if got := jsVar(scripts, tt.name); got != tt.want {
			t.Errorf("jsVar(%s) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// FuzzParseJSObject feeds arbitrary scripts to the reader: it must never
// panic or loop, whatever a page holds.
func FuzzParseJSObject(f *testing.F) {
	for _, s := range []string{
		`{ a: JsDecode('x\x0a'), b: '1' * 1, c: [ {}, ], d: "" || 'e' }`,
		`{ a: xml ? f('a') : '' }`,
		`{ a: '\u{1F600}\ud83d' }`,
		`{`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		parseJSObjectAt("o = "+src, "o =")
		jsVar("var x = "+src, "x")
	})
}
