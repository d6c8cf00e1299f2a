package render

import (
	"strings"
	"testing"
)

func TestTables(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"th header", `<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>`, "| a | b |\n|---|---|\n| 1 | 2 |\n"},
		{"thead first", `<table><tbody><tr><td>1</td></tr></tbody><thead><tr><th>h</th></tr></thead></table>`, "| h |\n|---|\n| 1 |\n"},
		{"colspan flattened", `<table><tr><th>a</th><th>b</th><th>c</th></tr><tr><td colspan="2">总</td><td>1</td></tr><tr><td>x</td><td>y</td><td>2</td></tr><tr><td>x</td><td>y</td><td>3</td></tr></table>`,
			"| a | b | c |\n|---|---|---|\n| 总 | | 1 |\n| x | y | 2 |\n| x | y | 3 |\n"},
		{"full-width first row is the title", `<table><tr><td colspan="2"><strong>标题</strong></td></tr><tr><td>a</td><td>b</td></tr><tr><td>1</td><td>2</td></tr></table>`,
			"**标题**\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"},
		{"grouping rowspan is not a header", `<table><tr><td rowspan="2">城区</td><td>讲座</td><td>21</td></tr><tr><td>读书会</td><td>9</td></tr><tr><td>乡镇</td><td>义诊</td><td>17</td></tr><tr><td>合计</td><td>—</td><td>47</td></tr></table>`,
			"| | | |\n|---|---|---|\n| 城区 | 讲座 | 21 |\n| | 读书会 | 9 |\n| 乡镇 | 义诊 | 17 |\n| 合计 | — | 47 |\n"},
		{"rowspan flattened", `<table><tr><th>k</th><th>v</th></tr><tr><td rowspan="2">城</td><td>1</td></tr><tr><td>2</td></tr><tr><td>乡</td><td>3</td></tr><tr><td>镇</td><td>4</td></tr></table>`,
			"| k | v |\n|---|---|\n| 城 | 1 |\n| | 2 |\n| 乡 | 3 |\n| 镇 | 4 |\n"},
		{"rowspan in the last column", `<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td rowspan="2">x</td></tr><tr><td>2</td></tr><tr><td>3</td><td>y</td></tr></table>`,
			"| a | b |\n|---|---|\n| 1 | x |\n| 2 | |\n| 3 | y |\n"},
		{"line breaks and paragraphs", `<table><tr><th>a</th></tr><tr><td>一<br>二<p>三</p></td></tr></table>`, "| a |\n|---|\n| 一<br>二<br>三 |\n"},
		{"image and link in a cell", `<table><tr><th>图</th></tr><tr><td><a href="https://e.com/?a=1&amp;b=2"><img data-src="https://m/i.png"></a></td></tr></table>`,
			"| 图 |\n|---|\n| [![](https://m/i.png)](https://e.com/?a=1&b=2) |\n"},
		{"pipes escaped", `<table><tr><th>a|b</th></tr><tr><td><code>x|y</code></td></tr></table>`, "| a\\|b |\n|---|\n| `x\\|y` |\n"},
		{"ragged rows padded", `<table><tr><th>a</th><th>b</th><th>c</th></tr><tr><td>1</td></tr></table>`, "| a | b | c |\n|---|---|---|\n| 1 | | |\n"},
		{"one-cell layout table unwrapped", `<table><tr><td><p>段一</p><p>段二</p></td></tr></table>`, "段一\n\n段二\n"},
		{"code block in a cell falls back to HTML", `<table><tr><th>c</th></tr><tr><td><pre><code>a<br><br>&lt;b&gt;</code></pre></td></tr></table>`,
			htmlTableMarker + "\n<table>\n<thead>\n<tr><th>c</th></tr>\n</thead>\n<tbody>\n<tr><td><pre><code>a&#10;&#10;&lt;b&gt;</code></pre></td></tr>\n</tbody>\n</table>\n"},
		{"list in a cell falls back to HTML, styles dropped", `<table><tr><td style="color:red"><span style="font-size:12px">项目</span></td><td><ul><li>一</li><li><a href="https://e.com/?a=1&amp;b=2" style="x">二</a></li></ul></td></tr><tr><td>甲</td><td>乙</td></tr></table>`,
			htmlTableMarker + "\n<table>\n<tbody>\n<tr><td>项目</td><td><ul><li>一</li><li><a href=\"https://e.com/?a=1&amp;b=2\">二</a></li></ul></td></tr>\n<tr><td>甲</td><td>乙</td></tr>\n</tbody>\n</table>\n"},
		{"multi-row header falls back to HTML", `<table><thead><tr><th rowspan="2">地区</th><th colspan="2">人数</th></tr><tr><th>男</th><th>女</th></tr></thead><tr><td>甲</td><td>1</td><td>2</td></tr></table>`,
			htmlTableMarker + "\n<table>\n<thead>\n<tr><th rowspan=\"2\">地区</th><th colspan=\"2\">人数</th></tr>\n<tr><th>男</th><th>女</th></tr>\n</thead>\n<tbody>\n<tr><td>甲</td><td>1</td><td>2</td></tr>\n</tbody>\n</table>\n"},
		{"nested table and image in a cell", `<table><tr><td><table><tr><td>内</td><td>层</td></tr></table></td><td><img data-src="https://m/i.png?a=1&amp;b=2" alt="图"></td></tr><tr><td>1</td><td>2</td></tr></table>`,
			htmlTableMarker + "\n<table>\n<tbody>\n<tr><td><table>\n<tbody>\n<tr><td>内</td><td>层</td></tr>\n</tbody>\n</table></td><td><img src=\"https://m/i.png?a=1&amp;b=2\" alt=\"图\"></td></tr>\n<tr><td>1</td><td>2</td></tr>\n</tbody>\n</table>\n"},
		{"caption", `<table><caption>表 1</caption><tr><th>a</th></tr></table>`, "表 1\n\n| a |\n|---|\n"},
		{"hostile spans capped", `<table><tr><td colspan="100000" rowspan="100000">x</td><td>y</td></tr></table>`,
			htmlTableMarker + "\n<table>\n<tbody>\n<tr><td colspan=\"64\" rowspan=\"1024\">x</td><td>y</td></tr>\n</tbody>\n</table>\n"},
		{"hostile wide span capped", `<table><tr><th>a</th><th>b</th></tr><tr><td colspan="100000">x</td></tr><tr><td>1</td><td>2</td></tr></table>`,
			htmlTableMarker + "\n<table>\n<thead>\n<tr><th>a</th><th>b</th></tr>\n</thead>\n<tbody>\n<tr><td colspan=\"64\">x</td></tr>\n<tr><td>1</td><td>2</td></tr>\n</tbody>\n</table>\n"},
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
