package render

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

var sharedConverter = New()

func convert(t testing.TB, in string, opts Options) string {
	t.Helper()
	got, err := sharedConverter.Convert(in, opts)
	if err != nil {
		t.Fatalf("Convert(%.80q): %v", in, err)
	}
	checkMarkdownInvariants(t, got)
	checkNoRawMarkup(t, got)
	return got
}

type ruleCase struct {
	name string
	in   string
	want string
}

func runRuleCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := convert(t, tc.in, Options{})
			if got != tc.want {
				t.Errorf("Convert(%q)\n got: %q\nwant: %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestImages(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"data-src wins over src", `<img data-src="https://a/1.png" src="https://a/2.png">`, "![](https://a/1.png)\n"},
		{"data: src is a placeholder", `<img data-src="https://a/1.png" src="data:image/gif;base64,AAAA">`, "![](https://a/1.png)\n"},
		{"only a placeholder: no image", `<p>x<img src="data:image/gif;base64,AAAA"></p>`, "x\n"},
		{"src when data-src is empty", `<img data-src=" " src="https://a/2.png">`, "![](https://a/2.png)\n"},
		{"wx_fmt query kept verbatim", `<img data-src="https://mmbiz.qpic.cn/x/640?wx_fmt=png&amp;from=appmsg&amp;id=YQ==">`,
			"![](https://mmbiz.qpic.cn/x/640?wx_fmt=png&from=appmsg&id=YQ==)\n"},
		{"alt", `<img src="https://a/1.png" alt="图 1">`, "![图 1](https://a/1.png)\n"},
		{"data-alt", `<img src="https://a/1.png" data-alt="[微笑]">`, "![\\[微笑\\]](https://a/1.png)\n"},
		{"space and parentheses", `<img src="https://a/b c(1).png">`, "![](<https://a/b c(1).png>)\n"},
		{"css background with &quot;", `<section style="background-image:url(&quot;https://a/bg.png&quot;)"><p>标题</p></section>`, "![](https://a/bg.png)\n\n标题\n"},
		{"css background shorthand", `<section style="color:red;background: url('https://a/bg.jpg') no-repeat"><br></section>`, "![](https://a/bg.jpg)\n"},
		{"character reference in a destination escaped", `<img src="https://a/?x=1&amp;copy;=2&amp;y=3">`, "![](https://a/?x=1\\&copy;=2&y=3)\n"},
		{"background of an img kept", `<p>a<img style="background:url(https://a/b.png)">b<img src="https://a/i.png" style="background-image:url(https://a/c.png)"></p>`,
			"a![](https://a/b.png)b![](https://a/c.png)![](https://a/i.png)\n"},
		{"background behind inline text goes to the block's start", `<p>foo<span style="background:url(https://a/b.png)">bar</span>baz</p>`, "![](https://a/b.png)foobarbaz\n"},
		{"background behind inline text at the top level", `foo<span style="background:url(https://a/b.png)">bar</span>`, "![](https://a/b.png)foobar\n"},
		{"background of an inline box stays in the line", `<p>a<span style="background:url(https://a/i.png)"></span>b</p>`, "a![](https://a/i.png)b\n"},
		{"background of an anchor without target kept", `<p>x<a style="background:url(https://a/7.png)"></a>y</p>`, "x![](https://a/7.png)y\n"},
		{"css data url ignored", `<section style="background-image:url(data:image/png;base64,AAAA)"><p>t</p></section>`, "t\n"},
	})
}

func TestImageURLMapping(t *testing.T) {
	var seen []string
	opts := Options{ImageURL: func(remote string) string {
		seen = append(seen, remote)
		if strings.Contains(remote, "keep") {
			return ""
		}
		return "images/" + filepath.Base(strings.SplitN(remote, "?", 2)[0]) + ".png"
	}}
	in := `<p><img data-src=" https://m/a?wx_fmt=png&amp;x=1 " src="https://m/other"></p>` +
		`<p><img src="https://m/keep.png"></p>` +
		`<section style="background-image:url(&quot;https://m/bg&quot;)"><p>t</p></section>` +
		`<iframe class="video_iframe" data-mpvid="wxv_1" data-cover="https%3A%2F%2Fm%2Fcover%3Fwx_fmt%3Djpeg"></iframe>` +
		`<mp-common-profile data-id="Qg==" data-nickname="n" data-headimg="https://m/head"></mp-common-profile>`
	got, err := New().Convert(in, opts)
	if err != nil {
		t.Fatal(err)
	}
	wantSeen := []string{"https://m/a?wx_fmt=png&x=1", "https://m/keep.png", "https://m/bg", "https://m/cover?wx_fmt=jpeg", "https://m/head"}
	if !slices.Equal(seen, wantSeen) {
		t.Errorf("ImageURL saw %q\nwant %q", seen, wantSeen)
	}
	for _, want := range []string{"![](images/a.png)", "![](https://m/keep.png)", "![](images/bg.png)", "(images/cover.png)", "(images/head.png)"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestContainersAndWhitespace(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"styled sections unwrap", `<section style="margin:0"><section style="padding:1px"><span style="color:red"><span>文字</span></span></section></section>`, "文字\n"},
		{"sections are blocks", `<section>一</section><section>二</section>`, "一\n\n二\n"},
		{"spacers collapse", `<p>a</p><p><br></p><section><span><br/></span></section><section> </section><p>&nbsp;</p><p>b</p>`, "a\n\nb\n"},
		{"blank block keeps a boundary", `<section>A<section><br></section>B</section>`, "A\n\nB\n"},
		{"empty heading, code, list and table keep a boundary", `0<h1></h1>1<pre></pre>2<ul><li><br></li></ul>3<table></table>4`, "0\n\n1\n\n2\n\n3\n\n4\n"},
		{"inner br is a backslash hard break", `<p>一<br>二</p>`, "一\\\n二\n"},
		{"backslash in text before a break", `<p>C:\<br>D:\</p>`, "C:\\\\ \\\nD:\\\\\n"},
		{"break before a quote's end", `<blockquote><p>一<br>二</p><p>三</p></blockquote>`, "> 一\\\n> 二\n>\n> 三\n"},
		{"edge br dropped", `<section><br><span>一<br></span><br></section>`, "一\n"},
		{"display none dropped", `<p>a</p><section style="display : none">隐藏</section><p hidden>也隐藏</p>`, "a\n"},
		{"bytes that are not UTF-8 do not join across a tag", "<p>a\xcc<a>\x84b</p>", "a\ufffd\ufffdb\n"},
		{"form feed is whitespace", "<p>a\fb</p>", "a b\n"},
		{"nbsp becomes space", `<p>a&nbsp;b</p>`, "a b\n"},
		{"nbsp alone between words", `<p><strong>A</strong><span>&nbsp;</span><strong>B</strong></p>`, "**A** **B**\n"},
		{"zero-width dropped, joiner kept", "<p>a\u200bb\ufeffc\u2060d 👨\u200d👩</p>", "abcd 👨\u200d👩\n"},
		{"full-width indent", `<p>　　首行缩进</p><p>第一行<br>　　第二行</p>`, "首行缩进\n\n第一行\\\n第二行\n"},
		{"full-width space inside kept", `<p>甲　乙</p>`, "甲　乙\n"},
		{"self-closing strong does not swallow the rest", `<p><strong/>普通</p><p>也普通</p>`, "普通\n\n也普通\n"},
		{"script style and mp-style-type dropped", `<script>x()</script><style>p{}</style><p>a<mp-style-type data-value="3"/></p>`, "a\n"},
		{"text inside mp-style-type kept", `<p><mp-style-type data-value="3">文字</mp-style-type></p>`, "文字\n"},
		{"text reading as a character reference stays literal", `<p>&amp;copy; &amp;#169; a&amp;b</p>`, "&amp;copy; &amp;#169; a&b\n"},
		{"javascript link keeps text", `<a href="javascript:;">文字</a> <a href="&#10;jav&#x09;ascript:x">二</a>`, "文字 二\n"},
		{"link without href is text", `<a topic-id="x" data-topic="1">#话题</a>`, "#话题\n"},
		{"table", `<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>`, "| a | b |\n|---|---|\n| 1 | 2 |\n"},
		{"strikethrough", `<p><del>旧</del>新</p>`, "~~旧~~新\n"},
	})
}

func TestCodeBlocks(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"code-snippet lines", `<section class="code-snippet__fix code-snippet__js"><ul class="code-snippet__line-index code-snippet__js"><li></li><li></li><li></li></ul>` +
			`<pre class="code-snippet__js" data-lang="go"><code><span>a := 1</span></code><code><span><br></span></code><code><span>&nbsp;&nbsp;b()</span></code></pre></section>`,
			"```go\na := 1\n\n  b()\n```\n"},
		{"language from class", `<pre class="code-snippet__python"><code>x</code><code>y</code></pre>`, "```python\nx\ny\n```\n"},
		{"stripped line index", `<ul><li><li><li></ul><pre data-lang="r"><code>x</code><code>y</code></pre>`, "```r\nx\ny\n```\n"},
		{"leaked counters", `<pre><code>counter(line)</code><code>x</code><code>ounter(line</code><code>y</code></pre>`, "```\nx\ny\n```\n"},
		{"mdnice br lines", `<pre><span></span><code>a<br><span># c</span><br><br>b<br><br></code></pre>`, "```\na\n# c\n\nb\n```\n"},
		{"backticks lengthen the fence", "<pre><code>```\nx\n```</code></pre>", "````\n```\nx\n```\n````\n"},
		{"language-x class", `<pre><code class="language-python">p</code></pre>`, "```python\np\n```\n"},
		{"hostile language dropped", "<pre data-lang=\"a`b\"><code>p</code></pre>", "```\np\n```\n"},
		{"markdown in code is literal", `<pre><code>**not bold** &lt;b&gt;</code></pre>`, "```\n**not bold** <b>\n```\n"},
		{"empty code block", `<pre><code><br></code></pre>`, ""},
		{"code inside a quote stays quoted", `<blockquote><p>引用</p><pre><code>x<br><br>y</code></pre></blockquote>`, "> 引用\n>\n> ```\n> x\n> \n> y\n> ```\n"},
		{"images and links leave the code block", `<pre><span style="display:block;background:url(https://m/bar.svg)"></span><code>see <a href="https://m/doc">doc</a><img src="https://m/i.png"></code></pre>`,
			"![](https://m/bar.svg)![](https://m/i.png)\n\n```\nsee doc\n```\n\n[doc](https://m/doc)\n"},
		{"a linked image in code keeps its link", `<pre><code><a href="https://m/x"><img src="https://m/i.png"></a></code></pre>`,
			"![](https://m/i.png)\n\n[https://m/x](https://m/x)\n"},
		{"inline code around a picture and a link", `<p><code>a<img src="https://a/i.png"><a href="https://a/l">l</a></code></p>`, "`a`![](https://a/i.png)[`l`](https://a/l)\n"},
		{"inline code around blocks", `<code>a<p>b</p></code>`, "`a`\n\nb\n"},
		{"inline code split around a block keeps its runs whole", `<code>0<i>1<p>2</p></i></code>`, "`01`\n\n2\n"},
		{"a picture between words of code keeps them apart", `<pre>a<img src="https://m/i.png">b</pre>`, "![](https://m/i.png)\n\n```\na b\n```\n"},
		{"an embed in code goes before it", `<pre>a<iframe class="video_iframe" data-mpvid="wxv_1"></iframe>b</pre>`,
			"> [视频] [播放视频](https://mp.weixin.qq.com/mp/readtemplate?t=pages/video_player_tmpl&action=mpvideo&auto=0&vid=wxv_1 \"mparchive:video wxv_1\")\n\n```\na\nb\n```\n"},
		{"headings in code are lines", `<pre>a<h1>b</h1>c</pre>`, "```\na\nb\nc\n```\n"},
		{"text between code lines is one line", `<pre><code>a</code>b<!-- c -->d<code>e</code></pre>`, "```\na\nbd\ne\n```\n"},
		{"space before a link in inline code stays outside", "<p><code>0 <a href=\"https://m/l\">1</a></code></p>", "`0` [`1`](https://m/l)\n"},
		{"inline code touching inline code through a wrapper joins", "<p><code>a</code><span><code>b</code></span></p>", "`ab`\n"},
		{"space at the edge of inline code stays outside", `<p>run<code> make </code>now</p>`, "run `make` now\n"},
		{"numbered list before pre is content", `<ul><li>1</li></ul><pre><code>x</code></pre>`, "- 1\n\n```\nx\n```\n"},
	})
}

func TestEmphasisNextToCJKPunctuation(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"closing after punctuation before a letter", `<p><strong>注意：</strong>正文</p>`, "**注意**：正文\n"},
		{"opening before punctuation after a letter", `<p>中文<strong>“重点”</strong>中文</p>`, "中文“**重点**”中文\n"},
		{"fine at line end", `<p>句末的<strong>强调。</strong></p>`, "句末的**强调。**\n"},
		{"fine between punctuation", `<p>（<strong>“引”</strong>）</p>`, "（**“引”**）\n"},
		{"only punctuation unwraps", `<p><strong>◈</strong>2月</p>`, "◈2月\n"},
		{"image edge unwraps", `<p>字<strong><img src="https://a/e.png">字</strong></p>`, "字![](https://a/e.png)字\n"},
		{"nested", `<p>甲<strong><em>“乙”</em></strong>丙</p>`, "甲“***乙***”丙\n"},
		{"em and del", `<p>甲<em>（乙）</em>丙<del>丁！</del>戊</p>`, "甲（*乙*）丙~~丁~~！戊\n"},
		{"bold touching bold through a wrapper joins", `<p>0<b>1</b><u><b>2</b>3</u></p>`, "0**12**3\n"},
		{"bold touching bold through an anchor without target joins", `<p><b>1</b><a><b>2</b></a></p>`, "**12**\n"},
		{"code at the edge of bold gets no space", `<p>字<strong><code>x</code></strong>字</p>`, "字`x`字\n"},
		{"code in bold between punctuation stays bold", `<p>（<strong><code>x</code></strong>）</p>`, "（**`x`**）\n"},
		{"an unknown element beside bold is looked into", `<p>a<b>x!</b><x-y>b</x-y></p>`, "a**x**!b\n"},
		{"emphasis after a paragraph stays after it", `<p><b>x</b><i>z</i></p><i>y</i>`, "**xz**\n\n*y*\n"},
		{"latin untouched", `<p><strong>Bold,</strong> text</p>`, "**Bold,** text\n"},
	})
}

// TestGoldenMarkdownRendersInPlainCommonMark checks the point of the
// emphasis rule: no delimiter in our Markdown is left for a strict
// CommonMark renderer (goldmark without the CJK extension, as Hugo runs it
// by default) to print literally.
func TestGoldenMarkdownRendersInPlainCommonMark(t *testing.T) {
	plain := goldmark.New(goldmark.WithExtensions(extension.Strikethrough, extension.Table))
	codeBlock := regexp.MustCompile("(?s)<pre><code.*?</code></pre>|<code>.*?</code>")
	for _, name := range goldenCases(t) {
		md, err := os.ReadFile(name + ".out.md")
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := plain.Convert(md, &buf); err != nil {
			t.Fatal(err)
		}
		text := codeBlock.ReplaceAllString(buf.String(), "")
		for _, literal := range []string{"**", "~~", "<section", "<span"} {
			if strings.Contains(text, literal) {
				t.Errorf("%s: %q survives rendering:\n%s", name, literal, text)
			}
		}
	}
}

func TestToHTML(t *testing.T) {
	html, err := sharedConverter.ToHTML([]byte("**注意**：正文\n中文\n换行\n\n| a |\n|---|\n| 1 |\n\n<script>x</script>\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := string(html)
	for _, want := range []string{"<strong>注意</strong>：正文", "中文换行", "<table>"} {
		if !strings.Contains(got, want) {
			t.Errorf("ToHTML lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "<script>") {
		t.Errorf("ToHTML passed raw HTML through:\n%s", got)
	}
}

// TestBracesStayText checks that braces and double dollars in text reach
// no Markdown reader as syntax: kramdown's attribute lists, extensions and
// math, goldmark's heading attributes. Code keeps them as they are.
func TestBracesStayText(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"kramdown block attributes", `<p>a</p><p>{: onclick="x()"}</p>`, "a\n\n\\{: onclick=\"x()\"\\}\n"},
		{"kramdown span attributes after a link", `<p><a href="https://a/">l</a>{: .c}</p>`, "[l](https://a/)\\{: .c\\}\n"},
		{"kramdown extension", `<p>{::comment}藏{:/comment}</p>`, "\\{::comment\\}藏\\{:/comment\\}\n"},
		{"heading attributes", `<h2>标题 {#id .c}</h2>`, "## 标题 \\{#id .c\\}\n"},
		{"template braces in text", `<p>{{ x }} {% y %}</p>`, "\\{\\{ x \\}\\} \\{% y %\\}\n"},
		{"double dollars", `<p>$$x$$ 和 $$$ 和 $100</p>`, "\\$\\$x\\$\\$ 和 \\$\\$\\$ 和 $100\n"},
		{"code keeps its braces", `<p><code>{: x}</code></p><pre><code>{{ y }}</code></pre>`, "`{: x}`\n\n```\n{{ y }}\n```\n"},
	})
}

func TestHostileInput(t *testing.T) {
	cases := map[string]string{
		"empty":                "",
		"whitespace":           " \n\t ",
		"unclosed tags":        "<section><p><strong>粗<em>斜<span>未闭合",
		"stray end tags":       "</p></section></div>文字</strong>",
		"binary garbage":       "\x00\xff\xfe<\x01p>\x80\x81\x82 text \x00",
		"script only":          "<script>while(1){}</script>",
		"marker runes":         "<p>a\a\ufa02\uf002# b</p>",
		"deep sections":        strings.Repeat("<section>", 10000) + "深处的文字" + strings.Repeat("</section>", 10000),
		"deep unclosed spans":  strings.Repeat("<span>", 10000) + "文字",
		"deep bold":            strings.Repeat("<b>", 10000) + "文字",
		"deep tables":          strings.Repeat("<table><tr><td>", 3000) + "格子",
		"deep blockquotes":     strings.Repeat("<blockquote>", 5000) + "引用",
		"deep lists":           strings.Repeat("<ul><li>", 5000) + "项",
		"many self-closing":    strings.Repeat("<strong/>", 20000) + "x",
		"huge attribute":       `<img data-src="https://a/` + strings.Repeat("x", 1<<20) + `">`,
		"many br":              "<p>" + strings.Repeat("<br>", 50000) + "x</p>",
		"many emphasis":        strings.Repeat("<strong>“a”</strong>字", 20000),
		"url in style no end":  `<section style="background:url(&quot;https://a">x</section>`,
		"iframe without attrs": `<iframe></iframe><mpvoice></mpvoice><mp-common-profile></mp-common-profile>`,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			got := convert(t, in, Options{})
			if d := time.Since(start); d > 30*time.Second { // a hang, not a speed check: -race on a busy machine is slow
				t.Errorf("took %v", d)
			}
			if strings.Contains(got, "while(1)") {
				t.Errorf("script content leaked: %q", got)
			}
			for _, text := range []string{"深处的文字", "格子", "引用"} {
				if strings.Contains(in, text) && !strings.Contains(got, text) {
					t.Errorf("text %q lost: %.200q", text, got)
				}
			}
		})
	}
}

func TestDeterministicAndConcurrent(t *testing.T) {
	inputs := corpusInputs(t)
	want := make([]string, len(inputs))
	for i, in := range inputs {
		want[i] = convert(t, in, Options{})
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i, in := range inputs {
				got, err := sharedConverter.Convert(in, Options{ImageURL: func(string) string { return "" }})
				if err != nil || got != want[i] {
					t.Errorf("input %d: concurrent conversion differs (err %v)", i, err)
				}
			}
		})
	}
	wg.Wait()
}

func corpusInputs(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(goldenDir, "*.in.html"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	var inputs []string
	for _, p := range paths {
		if strings.HasPrefix(filepath.Base(p), "rule-") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, string(b))
	}
	return inputs
}
