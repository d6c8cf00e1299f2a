package render

import (
	"strings"
	"testing"
)

func TestHeadings(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"numbered bold line followed by text", `<p><strong>1. 背景</strong></p><p>正文。</p>`, "## 1. 背景\n\n正文。\n"},
		{"repeated bold lines", `<p><b>缘起</b></p><p>一。</p><p><b>经过</b></p><p>二。</p>`, "## 缘起\n\n一。\n\n## 经过\n\n二。\n"},
		{"large font", `<section style="font-size:15px"><p><span style="font-size:22px">大标题</span></p><p>正文。</p></section>`, "## 大标题\n\n正文。\n"},
		{"levels by size, then order", `<section style="font-size:15px"><p><strong>（一）小</strong></p><p>a。</p><p style="font-size:20px"><strong>一、大</strong></p><p>b。</p><p><strong>（二）小</strong></p><p>c。</p></section>`,
			"### （一）小\n\na。\n\n## 一、大\n\nb。\n\n### （二）小\n\nc。\n"},
		{"pt and em sizes", `<section style="font-size:12pt"><p style="font-size:1.5em">标题</p><p>正文。</p></section>`, "## 标题\n\n正文。\n"},
		{"font-weight counts as bold", `<p style="font-weight:700">1、准备</p><p>正文。</p>`, "## 1、准备\n\n正文。\n"},
		{"single unnumbered bold line stays", `<p><strong>温馨提示</strong></p><p>正文。</p>`, "**温馨提示**\n\n正文。\n"},
		{"bold with sentence end stays", `<p><strong>1. 这是一句话。</strong></p><p>正文。</p>`, "**1. 这是一句话。**\n\n正文。\n"},
		{"run of numbered bold lines is a list", `<p><strong>1. 甲</strong></p><p><strong>2. 乙</strong></p><p>正文。</p>`, "1. **甲**\n2. **乙**\n\n正文。\n"},
		{"last block stays", `<p>正文。</p><p><strong>1. 结尾</strong></p>`, "正文。\n\n**1. 结尾**\n"},
		{"partly bold stays", `<p><strong>1. 注意</strong>正文</p><p>正文。</p>`, "**1. 注意**正文\n\n正文。\n"},
		{"bold around a whole heading dropped", `<h1><strong><span>●</span> 标题</strong></h1><p>正文。</p>`, "# ● 标题\n\n正文。\n"},
		{"bold in part of a heading kept", `<h2>标题 <strong>重点</strong></h2><p>正文。</p>`, "## 标题 **重点**\n\n正文。\n"},
		{"heading inside bold lifted out", `<p>x</p><strong>前<h2>标题</h2>后</strong>`, "x\n\n**前**\n\n## 标题\n\n**后**\n"},
		{"line promoted inside bold lifted out", `<strong><p>1. 背景</p></strong><p>正文</p>`, "## 1. 背景\n\n正文\n"},
		{"rule inside a link lifted out", `0<a href="https://m/l">a<hr>b</a>`, "0[a](https://m/l)\n\n* * *\n\n[b](https://m/l)\n"},
		{"blocks inside a heading lifted out", `<h1>a<ul><li>b</li></ul><span>c<pre>d</pre></span>e</h1>`, "# a\n\n- b\n\n# c\n\n```\nd\n```\n\n# e\n"},
		{"typed list inside bold lifted out", `<strong>0<p>2. 甲</p><p>3. 乙</p></strong>`, "**0**\n\n2. 甲\n3. 乙\n"},
		{"code inside a link lifted out, both halves linked", `<a href="https://m/l">x<pre>a</pre>y</a>`, "[x](https://m/l)\n\n```\na\n```\n\n[y](https://m/l)\n"},
		{"a link around a list only keeps its target", `<a href="https://m/l"><ul><li>a</li></ul></a>`, "- a\n\n[https://m/l](https://m/l)\n"},
		{"typed list in a section inside bold lifted out", `<strong><section><p>1. 甲</p><p>2. 乙</p></section></strong>`, "1. 甲\n2. 乙\n"},
		{"bold in a list item stays", `<ul><li><strong>1. 甲</strong></li></ul><p>正文。</p>`, "- **1. 甲**\n\n正文。\n"},
	})
}

func TestTableOfContentsAndDisplayBlock(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"items naming headings become a list", `<p><span><span>前言</span></span><span><span>1. 方法</span></span></p><h3>前言</h3><p>a</p><h3>1. 方法</h3><p>b</p>`,
			"- 前言\n- 1\\. 方法\n\n### 前言\n\na\n\n### 1. 方法\n\nb\n"},
		{"spans not naming headings run on", `<p><span>前言</span><span>方法</span></p><h3>前言</h3><p>a</p><h3>结论</h3>`,
			"前言方法\n\n### 前言\n\na\n\n### 结论\n"},
		{"headings with their pictures are not a table of contents", `<section><h1>● 甲</h1><p><img data-src="https://m/1.jpg"></p><h1>● 乙</h1><p><img data-src="https://m/2.jpg"></p></section>`,
			"# ● 甲\n\n![](https://m/1.jpg)\n\n# ● 乙\n\n![](https://m/2.jpg)\n"},
		{"a picture among the items keeps the block", `<section><p>前言</p><p><img data-src="https://m/1.jpg"></p><p>方法</p></section><h3>前言</h3><p>a</p><h3>方法</h3>`,
			"前言\n\n![](https://m/1.jpg)\n\n方法\n\n### 前言\n\na\n\n### 方法\n"},
		{"display:block span is a line", `<p><span style="display:block">一</span><span style="display: block;">二</span></p>`, "一\n\n二\n"},
		{"display:block inside code untouched", `<pre><span style="display:block"></span><code>x</code></pre>`, "```\nx\n```\n"},
	})
}

func TestCaptions(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"small grey caption becomes alt", `<p><img data-src="https://m/a.jpg"></p><p style="text-align:center"><span style="font-size:12px;color:#888">图：开幕式</span></p>`,
			"![图：开幕式](https://m/a.jpg)\n\n图：开幕式\n"},
		{"existing alt kept", `<p><img data-src="https://m/a.jpg" alt="原有"></p><p><span style="font-size:12px">图：开幕式</span></p>`,
			"![原有](https://m/a.jpg)\n\n图：开幕式\n"},
		{"body text after an image is not a caption", `<p><img data-src="https://m/a.jpg"></p><p>接下来我们看正文。</p>`,
			"![](https://m/a.jpg)\n\n接下来我们看正文。\n"},
		{"divider is not captioned", `<p><img data-src="https://m/line.png" data-ratio="0.05"></p><p style="font-size:12px">编辑：小王</p>`,
			"![](https://m/line.png)\n\n编辑：小王\n"},
	})
}

func TestHTMLTableKeepsWhatAReaderSaw(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"ordered list start", `<table><tr><td><ol start="3"><li>x</li></ol></td><td>y</td></tr></table>`,
			"<!-- mparchive:table -->\n<table>\n<tbody>\n<tr><td><ol start=\"3\"><li>x</li></ol></td><td>y</td></tr>\n</tbody>\n</table>\n"},
		{"svg text and object fallback", `<table><tr><td><ul><li>x</li></ul><svg><text>字</text></svg><object>备</object></td><td>y</td></tr></table>`,
			"<!-- mparchive:table -->\n<table>\n<tbody>\n<tr><td><ul><li>x</li></ul>字备</td><td>y</td></tr>\n</tbody>\n</table>\n"},
	})
	out, err := sharedConverter.ToHTML([]byte(htmlTableMarker + "\n<table><tr><td><ol start=\"3\" onclick=\"x\"><li>x</li></ol><svg><text>字</text></svg></td></tr></table>\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `<td><ol start="3"><li>x</li></ol>字</td>`; !strings.Contains(string(out), want) {
		t.Errorf("ToHTML lacks %q:\n%s", want, out)
	}
}

func TestHTMLTableThroughToHTML(t *testing.T) {
	md := convert(t, `<table><tr><th>步骤</th><th>命令</th></tr><tr><td>装<ul><li>下</li></ul></td><td><pre><code>a<br><br>b &lt;c&gt;</code></pre></td></tr></table>`, Options{})
	out, err := sharedConverter.ToHTML([]byte(md))
	if err != nil {
		t.Fatal(err)
	}
	want := "<table>\n<thead>\n<tr><th>步骤</th><th>命令</th></tr>\n</thead>\n<tbody>\n<tr><td>装<ul><li>下</li></ul></td><td><pre><code>a\n\nb &lt;c&gt;</code></pre></td></tr>\n</tbody>\n</table>\n"
	if string(out) != want {
		t.Errorf("ToHTML(%q)\n got: %q\nwant: %q", md, out, want)
	}
}

func TestToHTMLSanitisesMarkedTables(t *testing.T) {
	cases := []struct{ name, md, want, notWant string }{
		{"hostile attributes and tags", htmlTableMarker + "\n<table><tr><td onclick=\"x()\" style=\"color:red\" colspan=\"2\" rowspan=\"x\"><script>alert(1)</script><a href=\"javascript:alert(1)\" title=\"t\">链</a><img src=\"https://m/i.png\" onerror=\"x()\" alt=\"图\"><span class=\"c\">字</span><iframe src=\"https://e\">框</iframe></td></tr></table>\n",
			`<td colspan="2"><a title="t">链</a><img src="https://m/i.png" alt="图">字</td>`, "alert"},
		{"table without the marker omitted", "<table><tr><td>x</td></tr></table>\n", "<!-- raw HTML omitted -->", "<table"},
		{"marker before something else omitted", htmlTableMarker + "\n<div><table><tr><td>x</td></tr></table></div>\n", "<!-- raw HTML omitted -->", "<table"},
		{"marker before two tables omitted", htmlTableMarker + "\n<table><tr><td>x</td></tr></table><table></table>\n", "<!-- raw HTML omitted -->", "<table"},
		{"data URL dropped", htmlTableMarker + "\n<table><tr><td><a href=\"data:text/html,x\">d</a></td></tr></table>\n", "<td><a>d</a></td>", "data:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := sharedConverter.ToHTML([]byte(tc.md))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("ToHTML lacks %q:\n%s", tc.want, out)
			}
			if strings.Contains(string(out), tc.notWant) {
				t.Errorf("ToHTML contains %q:\n%s", tc.notWant, out)
			}
		})
	}
}
