package render

import "testing"

func TestTypedLists(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"bullets without space", `<p>◈甲事</p><p>◈乙事</p>`, "- 甲事\n- 乙事\n"},
		{"spacer paragraphs between items", `<p>• 甲</p><p><br></p><p>• 乙</p>`, "- 甲\n- 乙\n"},
		{"marker in its own bold", `<p><strong><span>▪</span></strong>甲</p><p><strong>▪</strong> <em>乙</em></p>`, "- 甲\n- *乙*\n"},
		{"items in their own wrappers", `<section><section><p>· 甲</p></section></section><section><p>· 乙</p></section>`, "- 甲\n- 乙\n"},
		{"decimal", `<p>1. 甲</p><p>2. 乙</p><p>3. 丙</p>`, "1. 甲\n2. 乙\n3. 丙\n"},
		{"dunhao", `<p>1、甲</p><p>2、乙</p>`, "1. 甲\n2. 乙\n"},
		{"full-width parentheses", `<p>（1）甲</p><p>（2）乙</p>`, "1. 甲\n2. 乙\n"},
		{"circled", `<p>①甲</p><p>②乙</p>`, "1. 甲\n2. 乙\n"},
		{"numbering not from one keeps its start", `<p>3. 甲</p><p>4. 乙</p>`, "3. 甲\n4. 乙\n"},
		{"links and images stay in items", `<p>- <a href="https://example.com/a">甲</a></p><p>- 乙<img src="https://example.com/b.png"></p>`,
			"- [甲](https://example.com/a)\n- 乙![](https://example.com/b.png)\n"},
		{"single item stays", `<p>◈甲</p><p>正文。</p>`, "◈甲\n\n正文。\n"},
		{"mixed bullets stay", `<p>◈甲</p><p>• 乙</p>`, "◈甲\n\n• 乙\n"},
		{"numbers out of sequence stay", `<p>1. 甲</p><p>3. 乙</p>`, "1\\. 甲\n\n3\\. 乙\n"},
		{"mixed numbering styles stay", `<p>1. 甲</p><p>2、乙</p>`, "1\\. 甲\n\n2、乙\n"},
		{"years and decimals are not numbers", `<p>2024年，甲。</p><p>2025年，乙。</p><p>1.5倍</p><p>2.5倍</p>`, "2024年，甲。\n\n2025年，乙。\n\n1.5倍\n\n2.5倍\n"},
		{"double dash is attribution", `<p>——鲁迅</p><p>——胡适</p>`, "——鲁迅\n\n——胡适\n"},
		{"dash needs a space", `<p>-甲</p><p>-乙</p>`, "-甲\n\n-乙\n"},
		{"marker alone is no item", `<p>•</p><p>•</p>`, "•\n\n•\n"},
		{"text between items breaks the run", `<p>• 甲</p><p>说明。</p><p>• 乙</p>`, "• 甲\n\n说明。\n\n• 乙\n"},
		{"inside a quote stays", `<blockquote><p>• 甲</p><p>• 乙</p></blockquote>`, "> • 甲\n>\n> • 乙\n"},
		{"inside a table stays", `<table><tr><th>项</th><th>说明</th></tr><tr><td><p>• 甲</p><p>• 乙</p></td><td>丙</td></tr></table>`, "| 项 | 说明 |\n|---|---|\n| • 甲<br>• 乙 | 丙 |\n"},
		{"headings win", `<p><strong>1. 背景</strong></p><p>正文。</p><p><strong>2. 方法</strong></p><p>正文。</p>`, "## 1. 背景\n\n正文。\n\n## 2. 方法\n\n正文。\n"},
	})
}

func TestParseItemMarker(t *testing.T) {
	for _, tc := range []struct {
		text   string
		ok     bool
		style  string
		number int
	}{
		{"◈2月7日", true, "◈", 0},
		{"- a", true, "-", 0},
		{"– a", true, "—", 0},
		{"— a", true, "—", 0},
		{"—— a", false, "", 0},
		{"12. a", true, "1.", 12},
		{"123. a", false, "", 0},
		{"0. a", false, "", 0},
		{"1.2 a", false, "", 0},
		{"1) a", true, "1)", 1},
		{"(2)a", true, "(1)", 2},
		{"（2）", false, "", 0},
		{"⑳a", true, "①", 20},
		{"2024年", false, "", 0},
		{"", false, "", 0},
	} {
		m, ok := parseItemMarker(tc.text)
		if ok != tc.ok || ok && (m.style != tc.style || m.number != tc.number) {
			t.Errorf("parseItemMarker(%q) = %+v, %v; want style %q number %d, %v", tc.text, m, ok, tc.style, tc.number, tc.ok)
		}
	}
}

func TestStrayListContent(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"content after an item is an item of its own", `<ul><li>a</li> <b>b</b> c</ul>`, "- a\n- **b** c\n"},
		{"items outside a list get one", `<p>a</p><li>x</li> <li>y</li><b>0<li>z</li></b>`, "a\n\n- x\n- y\n\n**0**\n\n- z\n"},
		{"empty ordered items keep the numbers after them", `<ol><li></li><li>b</li><li><br></li><li>d</li><li></li></ol>`, "2. b\n\n<!--THE END-->\n\n4. d\n"},
		{"whitespace between stray content kept", `<ul><code>0</code> <code>1</code></ul>`, "- `0` `1`\n"},
	})
}
