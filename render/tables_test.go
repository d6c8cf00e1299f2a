package render

import (
	"strings"
	"testing"
)

func TestTables(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"th header", `<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>`, "| a | b |\n|---|---|\n| 1 | 2 |\n"},
		{"thead first", `<table><tbody><tr><td>1</td></tr></tbody><thead><tr><th>h</th></tr></thead></table>`, "| h |\n|---|\n| 1 |\n"},
		{"colspan flattened", `<table><tr><td colspan="2">总</td></tr><tr><td>a</td><td>b</td></tr></table>`, "| 总 | |\n|---|---|\n| a | b |\n"},
		{"rowspan flattened", `<table><tr><th>k</th><th>v</th></tr><tr><td rowspan="2">城</td><td>1</td></tr><tr><td>2</td></tr><tr><td>乡</td><td>3</td></tr></table>`,
			"| k | v |\n|---|---|\n| 城 | 1 |\n| | 2 |\n| 乡 | 3 |\n"},
		{"rowspan in the last column", `<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td rowspan="2">x</td></tr><tr><td>2</td></tr></table>`,
			"| a | b |\n|---|---|\n| 1 | x |\n| 2 | |\n"},
		{"line breaks and paragraphs", `<table><tr><th>a</th></tr><tr><td>一<br>二<p>三</p></td></tr></table>`, "| a |\n|---|\n| 一<br>二<br>三 |\n"},
		{"image and link in a cell", `<table><tr><th>图</th></tr><tr><td><a href="https://e.com/?a=1&amp;b=2"><img data-src="https://m/i.png"></a></td></tr></table>`,
			"| 图 |\n|---|\n| [![](https://m/i.png)](https://e.com/?a=1&b=2) |\n"},
		{"pipes escaped", `<table><tr><th>a|b</th></tr><tr><td><code>x|y</code></td></tr></table>`, "| a\\|b |\n|---|\n| `x\\|y` |\n"},
		{"ragged rows padded", `<table><tr><th>a</th><th>b</th><th>c</th></tr><tr><td>1</td></tr></table>`, "| a | b | c |\n|---|---|---|\n| 1 | | |\n"},
		{"one-cell layout table unwrapped", `<table><tr><td><p>段一</p><p>段二</p></td></tr></table>`, "段一\n\n段二\n"},
		{"code block in a cell", `<table><tr><th>c</th></tr><tr><td><pre><code>a<br>b</code></pre></td></tr></table>`, "| c |\n|---|\n| a<br>b |\n"},
		{"caption", `<table><caption>表 1</caption><tr><th>a</th></tr></table>`, "表 1\n\n| a |\n|---|\n"},
		{"hostile spans capped", `<table><tr><td colspan="100000" rowspan="100000">x</td><td>y</td></tr></table>`, "| x |" + strings.Repeat(" |", maxColspan-1) + " y |\n|" + strings.Repeat("---|", maxColspan+1) + "\n"},
	})
}

func TestTableLineBreaksRender(t *testing.T) {
	html, err := sharedConverter.ToHTML([]byte("| a |\n|---|\n| 一<br>二 |\n\n<br><b>x</b>\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), "<td>一<br>二</td>") {
		t.Errorf("<br> in a cell not rendered:\n%s", html)
	}
	if strings.Contains(string(html), "<b>") {
		t.Errorf("other raw HTML passed through:\n%s", html)
	}
}
