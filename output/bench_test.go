package output

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/render"
)

// syntheticArchive stores messages of four articles, each a WeChat-like
// body of about 20 KB with styled sections and two stored images.
func syntheticArchive(b *testing.B, articles int) *archive.Archive {
	b.Helper()
	a, err := archive.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	png, err := os.ReadFile(filepath.Join("testdata", "media", "red.png"))
	if err != nil {
		b.Fatal(err)
	}
	jpg, err := os.ReadFile(filepath.Join("testdata", "media", "green.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	type newsItem struct {
		Title   string `json:"title"`
		Author  string `json:"author"`
		Digest  string `json:"digest"`
		Content string `json:"content"`
		URL     string `json:"url"`
		Thumb   string `json:"thumb_url"`
	}
	for m := 0; m*4 < articles; m++ {
		var items []newsItem
		for i := 0; i < 4 && m*4+i < articles; i++ {
			n := m*4 + i
			img1 := fmt.Sprintf("https://mmbiz.qpic.cn/mmbiz_png/S%d/640?wx_fmt=png", n)
			img2 := fmt.Sprintf("https://mmbiz.qpic.cn/mmbiz_jpg/T%d/640?wx_fmt=jpeg", n)
			if _, err := a.PutMedia(img1, png, ".png", "image/png"); err != nil {
				b.Fatal(err)
			}
			if _, err := a.PutMedia(img2, jpg, ".jpg", "image/jpeg"); err != nil {
				b.Fatal(err)
			}
			var body strings.Builder
			for p := 0; p < 40; p++ {
				fmt.Fprintf(&body, `<section style="margin:0 8px;line-height:1.75"><p style="font-size:15px"><span style="color:#333"><strong>第%d段</strong>：这是一段用于基准测试的正文，有中文也有 English words。</span></p></section>`, p)
				if p == 10 {
					fmt.Fprintf(&body, `<p><img data-src="%s" class="rich_pages"></p>`, img1)
				}
				if p == 30 {
					fmt.Fprintf(&body, `<p><img data-src="%s"></p>`, img2)
				}
			}
			items = append(items, newsItem{
				Title: fmt.Sprintf("第 %d 篇：基准测试 Benchmark %d", n, n), Author: "作者",
				Digest: "摘要", Content: body.String(),
				URL: fmt.Sprintf("https://mp.weixin.qq.com/s/B%d", n), Thumb: img1,
			})
		}
		raw, err := json.Marshal(map[string]any{
			"media_id": fmt.Sprintf("MEDIA_%05d", m),
			"content": map[string]any{
				"news_item":   items,
				"create_time": 1700000000 + m*86400,
				"update_time": 1700000000 + m*86400,
			},
			"update_time": 1700000000 + m*86400,
		})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := a.PutItem(archive.News, raw); err != nil {
			b.Fatal(err)
		}
	}
	if err := a.Flush(); err != nil {
		b.Fatal(err)
	}
	return a
}

// BenchmarkHugoWrite measures a first build (every page and image written)
// with the real converter.
func BenchmarkHugoWrite(b *testing.B) {
	const articles = 200
	a := syntheticArchive(b, articles)
	conv := render.New()
	root := b.TempDir()
	runs := 0
	for b.Loop() {
		out := filepath.Join(root, fmt.Sprint(runs))
		res, err := NewHugo(out, Options{Converter: conv}).Write(b.Context(), a)
		if err != nil || res.Written != articles {
			b.Fatalf("%+v %v", res, err)
		}
		runs++
	}
	b.ReportMetric(float64(articles*runs)/b.Elapsed().Seconds(), "articles/s")
}

// BenchmarkHugoRewrite measures a re-run over an unchanged archive, where
// every file already holds its content.
func BenchmarkHugoRewrite(b *testing.B) {
	const articles = 200
	a := syntheticArchive(b, articles)
	w := NewHugo(b.TempDir(), Options{Converter: render.New()})
	if _, err := w.Write(b.Context(), a); err != nil {
		b.Fatal(err)
	}
	runs := 0
	for b.Loop() {
		res, err := w.Write(b.Context(), a)
		if err != nil || res.Unchanged != articles {
			b.Fatalf("%+v %v", res, err)
		}
		runs++
	}
	b.ReportMetric(float64(articles*runs)/b.Elapsed().Seconds(), "articles/s")
}
