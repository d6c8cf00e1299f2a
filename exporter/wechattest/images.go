package wechattest

import (
	"bytes"
	_ "embed"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"strings"
	"sync"
)

// The hot-link placeholder. WeChat's image CDN answers a request whose
// Referer is a foreign site with a stand-in picture ("此图片来自微信公众平台
// 未经允许不可引用", docs/wechat-api.md §8.1) and HTTP 200, so a downloader that
// only checks the status code silently archives the stand-in. The fake does
// the same with a fixed PNG, embedded as a file so its bytes (and hash) do not
// depend on the Go version's PNG encoder.
//
// A client recognises it by content: its SHA-256 is PlaceholderSHA256, and it
// is PlaceholderWidth×PlaceholderHeight pixels, a size no generated image has
// (generated images are at most 32×32). It is always served as image/png,
// whatever wx_fmt the URL asked for.
//
//go:embed placeholder.png
var placeholderPNG []byte

const (
	// PlaceholderSHA256 is the hex SHA-256 of the hot-link placeholder image.
	PlaceholderSHA256 = "b74570ed8b08bc2a9652a6d0ed1db0f2bd97d4fd2587a17103419fbb706b9744"
	// PlaceholderWidth and PlaceholderHeight are the placeholder's dimensions.
	PlaceholderWidth  = 200
	PlaceholderHeight = 120
)

// imageFormat is the real encoding of an image, which the CDN path prefix
// (mmbiz_png/…) normally names but wx_fmt=other and legacy mmbiz/ paths hide.
type imageFormat string

const (
	formatPNG  imageFormat = "png"
	formatJPEG imageFormat = "jpeg"
	formatGIF  imageFormat = "gif"
	formatSVG  imageFormat = "svg"
)

func (f imageFormat) contentType() string {
	switch f {
	case formatJPEG:
		return "image/jpeg"
	case formatGIF:
		return "image/gif"
	case formatSVG:
		return "image/svg+xml"
	default:
		return "image/png"
	}
}

// formatFromPrefix reads the format from a CDN path prefix such as
// "mmbiz_jpg" or "sz_mmbiz_png"; ok is false for the legacy "mmbiz".
func formatFromPrefix(prefix string) (imageFormat, bool) {
	switch strings.TrimPrefix(prefix, "sz_") {
	case "mmbiz_jpg":
		return formatJPEG, true
	case "mmbiz_png":
		return formatPNG, true
	case "mmbiz_gif":
		return formatGIF, true
	case "mmbiz_svg":
		return formatSVG, true
	}
	return "", false
}

// imageCache hands out a server's images.
type imageCache struct {
	// scale enlarges every image: the demo account's pictures should look
	// like pictures to someone trying mparchive, while generated accounts
	// of thousands of articles keep tiny, fast ones.
	scale int
}

// rendered keeps encoded images for every server in the process: an id
// always renders to the same bytes, and the servers of one test run (the
// demo above all, started by each --demo run) ask for the same ones again.
var rendered sync.Map // "format/scale/id" → []byte

func (c *imageCache) get(id string, f imageFormat) []byte {
	scale := max(c.scale, 1)
	key := fmt.Sprintf("%s/%d/%s", f, scale, id)
	if b, ok := rendered.Load(key); ok {
		return b.([]byte)
	}
	b, _ := rendered.LoadOrStore(key, renderImage(id, f, scale))
	return b.([]byte)
}

// renderImage draws a small picture whose pixels derive from the id, so two
// ids never share a content hash while one id always has the same bytes.
// scale multiplies its size (8 to 32 pixels a side at scale 1).
func renderImage(id string, f imageFormat, scale int) []byte {
	r := imageRand(id)
	w, ht := (8+r.IntN(25))*scale, (8+r.IntN(25))*scale
	c1 := color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 0xFF}
	c2 := color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 0xFF}
	bx, by := r.IntN(w), r.IntN(ht)
	if f == formatSVG {
		return fmt.Appendf(nil, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">`+
			`<rect width="%d" height="%d" fill="#%02x%02x%02x"/><circle cx="%d" cy="%d" r="%d" fill="#%02x%02x%02x"/></svg>`,
			w, ht, w, ht, w, ht, c1.R, c1.G, c1.B, bx, by, 1+min(w, ht)/3, c2.R, c2.G, c2.B)
	}
	pixel := func(x, y int) color.RGBA {
		t := (x + y) * 255 / (w + ht)
		c := color.RGBA{mix(c1.R, c2.R, t), mix(c1.G, c2.G, t), mix(c1.B, c2.B, t), 0xFF}
		if (x-bx)*(x-bx)+(y-by)*(y-by) < 9*scale*scale {
			c = color.RGBA{255 - c.R, 255 - c.G, 255 - c.B, 0xFF}
		}
		return c
	}
	var buf bytes.Buffer
	switch f {
	case formatGIF:
		// Two frames: most GIFs in real articles are animated stickers.
		palette := color.Palette{c1, c2, color.RGBA{255 - c1.R, 255 - c1.G, 255 - c1.B, 0xFF}, color.Black}
		anim := &gif.GIF{}
		for frame := range 2 {
			p := image.NewPaletted(image.Rect(0, 0, w, ht), palette)
			for y := range ht {
				for x := range w {
					p.SetColorIndex(x, y, uint8((x/(3*scale)+y/(3*scale)+frame)%3))
				}
			}
			anim.Image = append(anim.Image, p)
			anim.Delay = append(anim.Delay, 50)
		}
		_ = gif.EncodeAll(&buf, anim)
	default:
		img := image.NewRGBA(image.Rect(0, 0, w, ht))
		for y := range ht {
			for x := range w {
				img.SetRGBA(x, y, pixel(x, y))
			}
		}
		if f == formatJPEG {
			_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
		} else {
			_ = png.Encode(&buf, img)
		}
	}
	return buf.Bytes()
}

// imageRand is the stream an image's pixels are drawn from; its first two
// draws are the size.
func imageRand(id string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(id))
	return rand.New(rand.NewPCG(h.Sum64(), 0x9e3779b97f4a7c15))
}

// imageSize is the size in pixels renderImage gives an id, which pages
// state as a picture's width and height (picture_page_info_list).
func imageSize(id string, scale int) (w, h int) {
	r := imageRand(id)
	scale = max(scale, 1)
	return (8 + r.IntN(25)) * scale, (8 + r.IntN(25)) * scale
}

func mix(a, b uint8, t int) uint8 {
	return uint8((int(a)*(255-t) + int(b)*t) / 255)
}
