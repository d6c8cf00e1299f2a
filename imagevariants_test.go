package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mparchive/mparchive/exporter"
	"github.com/mparchive/mparchive/exporter/wechattest"
)

// TestSamePictureUnderManyAddressesDownloadedOnce: one picture that an
// account's articles show under every address WeChat gives it (http and
// https, mmbiz.qpic.cn and mmbiz.qlogo.cn, with and without tracking
// queries, scheme-relative, as an <img> and as a background) is downloaded
// once, and every article of the output shows that one file. Another
// wx_fmt is another download.
func TestSamePictureUnderManyAddressesDownloadedOnce(t *testing.T) {
	srv := startFake(t, wechattest.Options{Articles: 1, Drafts: -1, Seed: 41, Host: fakeHost, RealImageHosts: true, MediaMaterials: -1})
	const (
		id   = "SamePicture4kVariantsOfOneImageX1"
		path = "/mmbiz_png/" + id + "/640"
	)
	spellings := []string{
		"https://mmbiz.qpic.cn" + path + "?wx_fmt=png",
		"http://mmbiz.qpic.cn" + path + "?wx_fmt=png&amp;from=appmsg",
		"https://mmbiz.qlogo.cn" + path + "?wx_fmt=png&amp;tp=webp&amp;wxfrom=5&amp;wx_lazy=1&amp;wx_co=1",
		"http://mmbiz.qlogo.cn" + path + "?from=appmsg&amp;wx_fmt=png#imgIndex=3",
		"//mmbiz.qpic.cn" + path + "?wx_fmt=png&amp;tp=wxpic",
	}
	img := func(u string) string {
		return `<p><img data-src="` + u + `" src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></p>`
	}
	first := "<p>第一篇</p>" + img(spellings[0]) + img(spellings[1]) + img(spellings[2])
	second := "<p>第二篇</p>" + img(spellings[3]) + img(spellings[4]) +
		`<section style="background-image: url(&quot;` + spellings[1] + `&quot;)"><p>背景</p></section>` +
		// The format is the file: wx_fmt=jpeg is another download.
		img("https://mmbiz.qpic.cn"+path+"?wx_fmt=jpeg&amp;from=appmsg")
	if _, err := srv.Publish(wechattest.Article{Title: "同一张图甲", Content: first}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Publish(wechattest.Article{Title: "同一张图乙", Content: second}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	counter := &countingTransport{}
	sum, res, err := exportWith(t, srv, dir, "s", counter, exporter.FetchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.FailedMedia) > 0 || res.Articles != 3 {
		t.Fatalf("%d articles exported, failed media %v", res.Articles, sum.FailedMedia)
	}
	if n := counter.paths[path]; n != 2 {
		t.Errorf("the picture was requested %d times, want twice (once as png, once as jpeg)", n)
	}

	// Every spelling in each article is the one local file.
	names := map[string][]string{} // article title → local images its body shows
	localImage := regexp.MustCompile(`!\[[^\]]*\]\(([0-9a-f]{12}\.[a-z]+)\)|url\(["']?([0-9a-f]{12}\.[a-z]+)`)
	for _, md := range bundles(t, dir) {
		b, err := os.ReadFile(md)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		for _, title := range []string{"同一张图甲", "同一张图乙"} {
			if !strings.Contains(text, "title: "+title) && !strings.Contains(text, `title: "`+title+`"`) {
				continue
			}
			if strings.Contains(text, "mmbiz.q") {
				t.Errorf("%s keeps a remote address of the picture:\n%s", title, text)
			}
			for _, m := range localImage.FindAllStringSubmatch(text, -1) {
				name := m[1] + m[2]
				if _, err := os.Stat(filepath.Join(filepath.Dir(md), name)); err != nil {
					t.Errorf("%s shows %s, which its bundle lacks", title, name)
				}
				names[title] = append(names[title], name)
			}
		}
	}
	a, b := names["同一张图甲"], names["同一张图乙"]
	if len(a) != 3 || len(b) != 4 {
		t.Fatalf("local images shown: %q and %q; want 3 and 4 (one a background)", a, b)
	}
	// The fake's CDN sends the same bytes whatever the wx_fmt, so the
	// jpeg, downloaded on its own, is the same file too.
	for _, n := range append(slices.Clone(a), b...) {
		if n != a[0] {
			t.Errorf("one picture shows as %s and as %s", a[0], n)
		}
	}
}
