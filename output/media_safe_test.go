package output

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mparchive/mparchive/archive"
)

// hostileSVG draws a red square and tries every way an SVG opened on the
// site's address could run script or load something.
const hostileSVG = `<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY x "y">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:h="http://www.w3.org/1999/xhtml" width="10" height="10" onload="alert(1)">
<script>alert(2)</script>
<script type="text/ecmascript"><![CDATA[alert(3)]]></script>
<style>rect { fill: red } @import url(https://evil.example/x.css);</style>
<style>.ok { stroke: url(#grad) }</style>
<defs><linearGradient id="grad"><stop offset="0" stop-color="red"/></linearGradient></defs>
<rect class="ok" width="10" height="10" fill="red" onclick="alert(4)" ONMOUSEOVER="alert(5)" style="fill:red"/>
<rect width="1" height="1" style="background:url(https://evil.example/t.png)" fill="url(https://evil.example/#x)"/>
<a href="javascript:alert(6)"><circle r="2" fill="url(#grad)"/></a>
<a xlink:href="https://evil.example/"><text x="1" y="9">字</text></a>
<foreignObject><h:iframe src="javascript:alert(7)"/></foreignObject>
<h:script>alert(8)</h:script>
<animate attributeName="href" to="javascript:alert(9)"/>
<set attributeName="onload" to="alert(10)"/>
<image href="https://evil.example/track.png"/>
<image xlink:href="data:image/svg+xml,&lt;svg onload='alert(11)'/&gt;"/>
<image href="data:image/png;base64,iVBORw0KGgo="/>
<use href="#grad"/><use xlink:href="https://evil.example/sprite.svg#a"/>
<feImage href="https://evil.example/f.png"/>
<g xml:space="preserve" h:onload="alert(12)"><path d="M0 0L1 1" stroke="black"/></g>
</svg>`

func TestSanitizeSVG(t *testing.T) {
	out := sanitizeSVG([]byte(hostileSVG))
	// What it must keep: the drawing.
	for _, want := range []string{`<rect class="ok" width="10" height="10" fill="red" style="fill:red">`, `<circle r="2" fill="url(#grad)">`,
		`<text x="1" y="9">字</text>`, `<linearGradient id="grad">`, `.ok { stroke: url(#grad) }`, `<use href="#grad">`,
		`<image href="data:image/png;base64,iVBORw0KGgo=">`, `<path d="M0 0L1 1" stroke="black">`, `xml:space="preserve"`} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("sanitized SVG lacks %s:\n%s", want, out)
		}
	}
	// What it must not: anything that runs or loads, wherever it is.
	d := xml.NewDecoder(bytes.NewReader(out))
	d.Strict = true
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("sanitized SVG is not XML: %v\n%s", err, out)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if tk.Name.Space != svgNS || !svgElements[tk.Name.Local] {
				t.Errorf("kept element %v", tk.Name)
			}
			for _, a := range tk.Attr {
				v := strings.ToLower(a.Value)
				switch {
				case strings.HasPrefix(strings.ToLower(a.Name.Local), "on"):
					t.Errorf("kept handler %s=%q", a.Name.Local, a.Value)
				case a.Name.Local == "href" && !strings.HasPrefix(v, "#") && !strings.HasPrefix(v, "data:image/png"):
					t.Errorf("kept link %s=%q", a.Name.Local, a.Value)
				case strings.Contains(v, "url(") && !strings.Contains(v, "url(#"):
					t.Errorf("kept reference %s=%q", a.Name.Local, a.Value)
				case strings.Contains(v, "javascript") || strings.Contains(v, "evil"):
					t.Errorf("kept %s=%q", a.Name.Local, a.Value)
				}
			}
		case xml.CharData:
			if s := string(tk); strings.Contains(s, "alert") || strings.Contains(s, "evil") {
				t.Errorf("kept text %q", s)
			}
		}
	}
	for _, bad := range []string{"<!DOCTYPE svg><svg/>", "<html><script>alert(1)</script></html>", "<svg><rect></svg>", "not xml", "<svg>&x;</svg>"} {
		if got := sanitizeSVG([]byte(bad)); !bytes.Equal(got, emptySVG) && bytes.Contains(got, []byte("script")) {
			t.Errorf("sanitizeSVG(%q) = %s", bad, got)
		}
	}
	if got := sanitizeSVG([]byte("<html><script>alert(1)</script></html>")); !bytes.Equal(got, emptySVG) {
		t.Errorf("an HTML file became %s", got)
	}
	if again := sanitizeSVG(out); !bytes.Equal(again, out) {
		t.Errorf("sanitizing twice changes the SVG:\n%s\n%s", out, again)
	}
}

// TestPublishedMediaTypes stores, under an article's image URLs, an SVG
// with a script, an HTML page and a PNG, and as an image material an HTML
// file: the SVG is published sanitized, the HTML page not at all (the
// page links it remotely), the PNG as it is, and the material as .bin.
func TestPublishedMediaTypes(t *testing.T) {
	a, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const (
		svgURL  = "https://mmbiz.qpic.cn/mmbiz_svg/S/0?wx_fmt=svg"
		htmlURL = "https://mmbiz.qpic.cn/mmbiz_png/H/0?wx_fmt=png"
		pngURL  = "https://mmbiz.qpic.cn/mmbiz_png/P/0?wx_fmt=png"
	)
	png, err := os.ReadFile(filepath.Join("testdata", "media", "red.png"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		key, ext, mime string
		data           []byte
	}{
		{svgURL, ".svg", "image/svg+xml", []byte(hostileSVG)},
		{htmlURL, ".html", "text/html", []byte("<script>alert(1)</script>")},
		{pngURL, ".png", "image/png", png},
	} {
		if _, err := a.PutMedia(m.key, m.data, m.ext, m.mime); err != nil {
			t.Fatal(err)
		}
	}
	putItem(t, a, archive.Published, "article_id", "ART_media", map[string]any{
		"title": "媒体", "url": "https://mp.weixin.qq.com/s/M",
		"content": `<p><img data-src="` + svgURL + `"><img data-src="` + htmlURL + `"><img data-src="` + pngURL + `"></p>`,
	})
	for _, format := range []string{"hugo", "site"} {
		out := t.TempDir()
		res, err := newWriter(t, format, out, Options{Converter: listingConverter{}}).Write(t.Context(), a)
		if err != nil || len(res.Failed) > 0 {
			t.Fatalf("%s: %v %v", format, err, res)
		}
		exts := map[string][]byte{}
		for name, data := range readOutput(t, out) {
			if hashNamed.MatchString(filepath.Base(name)) {
				exts[filepath.Ext(name)] = data
			}
		}
		if svg, ok := exts[".svg"]; !ok || bytes.Contains(svg, []byte("alert")) {
			t.Errorf("%s: SVG published as %q", format, svg)
		}
		if _, ok := exts[".html"]; ok {
			t.Errorf("%s: an HTML file was published as an image", format)
		}
		if !bytes.Equal(exts[".png"], png) {
			t.Errorf("%s: the PNG was not published as it is", format)
		}
		if len(res.Missing) != 1 || res.Missing[0].Images[0] != htmlURL {
			t.Errorf("%s: missing = %v, want the HTML file linked remotely", format, res.Missing)
		}
		// A second run writes nothing: the sanitized SVG compares equal.
		res, err = newWriter(t, format, out, Options{Converter: listingConverter{}}).Write(t.Context(), a)
		if err != nil || res.ImagesCopied != 0 {
			t.Errorf("%s: rerun copied %d images, %v", format, res.ImagesCopied, err)
		}
	}
}

var hashNamed = regexp.MustCompile(`^[0-9a-f]{12}\.[a-z]+$`)

func TestMaterialExt(t *testing.T) {
	for file, want := range map[string]string{
		"a.png": ".png", "a.JPG": ".jpg", "a.mp3": ".mp3", "a.mp4": ".mp4", "a.svg": ".svg",
		"a.html": ".bin", "a.htm": ".bin", "a.js": ".bin", "a.xml": ".bin", "a.bin": ".bin", "a": ".bin", "a.exe": ".bin",
	} {
		if got := materialExt(archive.MediaEntry{File: file}); got != want {
			t.Errorf("materialExt(%s) = %q, want %q", file, got, want)
		}
	}
}
