package exporter

import "testing"

func TestInnerHTML_Unbalanced(t *testing.T) {
	// The article's own </div> is missing: the parser's tree is used.
	page := `<html><body><div id="js_content"><p>a<div>b</p></body></html>`
	got, err := ParseArticlePage("https://mp.weixin.qq.com/s/x", []byte(page))
	if err != nil {
		t.Fatal(err)
	}
	if got.Body != `<p>a</p><div>b<p></p></div>` {
		t.Errorf("Body = %q", got.Body)
	}
}

func TestJSVar(t *testing.T) {
	scripts := `var msg_title_x = "wrong"; var msg_title = 'a\x26amp;b \u4e2d\'q\''.html(false);
	window.var nick = "no"; var nickname = htmlDecode("N&quot;1");
	var ct = "1700000000" * 1; var ct = "2";
	var biz = ""||""; var empty = "";
	var broken = "no end`
	tests := map[string]string{
		"msg_title": "a&b 中'q'",
		"nickname":  `N"1`,
		"ct":        "1700000000",
		"biz":       "",
		"missing":   "",
		"broken":    "",
	}
	for name, want := range tests {
		if got := jsVar(scripts, name); got != want {
			t.Errorf("jsVar(%s) = %q, want %q", name, got, want)
		}
	}
}
