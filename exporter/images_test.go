package exporter

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net/http"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter/wechattest"
)

func TestPlaceholderHashMatchesFake(t *testing.T) {
	if !placeholderHashes[wechattest.PlaceholderSHA256] {
		t.Fatal("the fake API's placeholder is not recognised: update placeholderHashes")
	}
}

// refererTransport sends a foreign Referer, as a browser showing the image
// on another site would.
type refererTransport struct{ next http.RoundTripper }

func (r refererTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Referer", "https://example.com/blog/")
	return r.next.RoundTrip(req)
}

func TestDownloadDetectsPlaceholderAndStoresOnce(t *testing.T) {
	srv, err := wechattest.NewServer(wechattest.Options{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := NewClient(WithBaseURL(srv.URL()), WithCredentials("wx1", "s"))
	if err != nil {
		t.Fatal(err)
	}
	arts := srv.Articles(wechattest.SourceNews)
	var img string
	for _, a := range arts {
		if imgs := contentImages(a.Content); len(imgs) > 0 {
			img = imgs[0]
			break
		}
	}
	if img == "" {
		t.Fatal("the demo account has no content image")
	}
	noSleep := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	arch, _ := archive.Open(t.TempDir())

	hotlinked := testDownloader(&http.Client{Transport: refererTransport{http.DefaultTransport}}, c, "", 2, noSleep)
	if _, err := hotlinked.fetchMedia(t.Context(), arch, img); !errors.Is(err, ErrPlaceholder) {
		t.Fatalf("with a foreign Referer: err = %v, want ErrPlaceholder", err)
	}
	if arch.MediaCount() != 0 {
		t.Fatal("the placeholder was stored")
	}

	plain := testDownloader(http.DefaultClient, c, "", 2, noSleep)
	e1, err := plain.fetchMedia(t.Context(), arch, img)
	if err != nil {
		t.Fatal(err)
	}
	e2, err := plain.fetchMedia(t.Context(), arch, img+"&copy=2")
	if err != nil {
		t.Fatal(err)
	}
	if e1.File != e2.File {
		t.Errorf("same image stored twice: %s and %s", e1.File, e2.File)
	}

	// A thumb fetched by media_id goes through get_material.
	for _, a := range arts {
		if a.ThumbMediaID == "" {
			continue
		}
		e, err := plain.fetchMedia(t.Context(), arch, archive.MaterialKey(a.ThumbMediaID))
		if err != nil || e.Size == 0 {
			t.Errorf("thumb material: %+v %v", e, err)
		}
		break
	}
	if _, err := plain.fetchMedia(t.Context(), arch, archive.MaterialKey("no-such-media")); err == nil {
		t.Error("an unknown material was stored")
	}
}

func encode(t *testing.T, enc func(*bytes.Buffer, image.Image) error) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	if err := enc(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestImageType(t *testing.T) {
	pngData := encode(t, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) })
	jpgData := encode(t, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) })
	gifData := encode(t, func(b *bytes.Buffer, m image.Image) error { return gif.Encode(b, m, nil) })
	svg := []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>`)
	tests := []struct {
		name, key, ctype string
		data             []byte
		ext              string
		fails            bool
	}{
		{"bytes beat wx_fmt (CDN converted)", "https://mmbiz.qpic.cn/a/0?wx_fmt=png", "image/png", jpgData, ".jpg", false},
		{"png", "https://mmbiz.qpic.cn/a/0?wx_fmt=png", "", pngData, ".png", false},
		{"gif with wx_fmt=other", "https://mmbiz.qpic.cn/a/0?wx_fmt=other", "application/octet-stream", gifData, ".gif", false},
		{"svg by content", "https://mmbiz.qpic.cn/mmbiz_svg/a/0?wx_fmt=svg", "text/xml", svg, ".svg", false},
		{"unknown bytes, wx_fmt says webp", "https://mmbiz.qpic.cn/a/0?wx_fmt=webp", "", []byte{0, 1, 2, 3, 4, 5, 6, 7, 8}, ".webp", false},
		{"HTML error page", "https://mmbiz.qpic.cn/a/0?wx_fmt=png", "text/html", []byte("<html><body>404</body></html>"), "", true},
		{"JSON error", "wechat-material:x", "application/json", []byte(`{"errcode":40007,"errmsg":"invalid media_id"}`), "", true},
		{"empty", "https://x/1", "", nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ext, _, err := imageType(tt.key, tt.ctype, tt.data)
			if (err != nil) != tt.fails || ext != tt.ext {
				t.Errorf("got %q, %v; want %q, fails=%v", ext, err, tt.ext, tt.fails)
			}
		})
	}
}

// testDownloader is the fetcher's downloader over hc, with attempts tries
// separated by sleep.
func testDownloader(hc *http.Client, api *Client, voiceBase string, attempts int, sleep func(context.Context, time.Duration) error) *downloader {
	return &downloader{get: newGetter(hc, newRetrier(attempts, sleep)), api: api, voiceBase: voiceBase}
}

// contentImages lists the images an article body shows, in document order,
// each once: the MediaImage entries of BodyMedia.
func contentImages(body string) []string {
	var out []string
	for _, m := range archive.BodyMedia(body) {
		if m.Kind == archive.MediaImage {
			out = append(out, m.Key)
		}
	}
	return out
}
