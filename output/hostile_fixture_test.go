package output

import (
	"encoding/json"
	"testing"

	"github.com/mparchive/mparchive/archive"
)

// The hostile fixture: one published article whose every field tries to
// become template code or a script link in some format, and one draft with
// a preview link.
const (
	hostileTitle  = `模板 {{< gist evil 1 >}} {{% tweet user="x" id="1" %}} {{ site.title }} {% raw %} <script>alert(1)</script>`
	hostileDigest = `摘要 {{< instagram BWNjjyYFxVx >}} {{% unknown %}}`
	// hostileBody holds, in text and in code, what Hugo, Liquid, Nunjucks
	// and Tera would run, links with schemes that run script or documents,
	// spelt the ways browsers still read them, and a table the converter
	// keeps as HTML with such a link in it.
	hostileBody = `<p>正文 {{< gist evil 2 >}} 和 {{% unknownsc %}} 和 {{< tweet 1234 >}} 以及 {{< 未闭合</p>` +
		`<pre><code>{{< instagram BWNjjyYFxVx >}}
{{% highlight go %}}x{{% /highlight %}}
{% include /etc/passwd %} {{ site.time }} {% asset_img x.png %} {{ youtube(id="}") }}
{{<</code></pre>` +
		`<p><a href="data:text/html,&lt;script&gt;alert(3)&lt;/script&gt;">数据链接</a> ` +
		`<a href=" jAvAsCrIpT:alert(4)">大小写</a> <a href="java&#9;script:alert(5)">制表符</a> ` +
		`<a href="vbscript:msgbox(6)">vb</a> <a href="https://example.com/ok">好链接</a> <a href="mailto:a@example.com">邮件</a></p>` +
		`<table><tr><td rowspan="2"><a href="data:text/html,&lt;script&gt;alert(7)&lt;/script&gt;">表格链接</a></td><td>b</td></tr><tr><td>c</td></tr></table>` +
		// kramdown's attribute lists and extensions, goldmark's heading
		// attributes.
		`<h2>小标题 {#hijack .evil onclick="alert(10)"}</h2><p>段落 <a href="https://example.com/x">链接</a>{: onmouseover="alert(11)"}</p>` +
		`<p>{: onmouseover="alert(9)" .evil}</p><p>正文 {::comment}藏起来的字{:/comment} 末尾 {::nomarkdown}原样{:/}</p><p>价格 $$100 和 $$200 元</p><p>原样 "引号" 'single' a--b a---b ... &lt;&lt;x&gt;&gt;</p>`
	hostileDraftTitle = "还没发的草稿"
	hostileTempkey    = "tempkey=SECRETPREVIEW"
)

// hostileArchive is an archive of the hostile fixture.
func hostileArchive(t testing.TB) *archive.Archive {
	t.Helper()
	a, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	putHostile(t, a)
	return a
}

// putHostile adds the hostile fixture to an archive.
func putHostile(t testing.TB, a *archive.Archive) {
	t.Helper()
	item := func(idKey, id string, news map[string]any) []byte {
		b, err := json.Marshal(map[string]any{
			idKey: id,
			"content": map[string]any{
				"news_item":   []any{news},
				"create_time": 1700300000, "update_time": 1700300000,
			},
			"update_time": 1700300000,
		})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	published := item("article_id", "ART_hostile", map[string]any{
		"title": hostileTitle, "author": "{{< param author >}}", "digest": hostileDigest,
		"content":            hostileBody,
		"content_source_url": " jAvAsCrIpT:alert(1)",
		"url":                "java\tscript:alert(2)",
	})
	draft := item("media_id", "DRAFT_preview", map[string]any{
		"title": hostileDraftTitle, "digest": "草稿摘要", "content": "<p>草稿正文</p>",
		"content_source_url": "javascript:alert(8)",
		"url":                "http://mp.weixin.qq.com/s?__biz=MzA=&mid=1&idx=1&sn=x&" + hostileTempkey + "#rd",
	})
	if _, err := a.PutItem(archive.Published, published); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutItem(archive.Drafts, draft); err != nil {
		t.Fatal(err)
	}
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
}
