package render

import (
	"strconv"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/mparchive/mparchive/internal/lazyregexp"
)

// captionPrefix starts the lines news accounts put under pictures.
var captionPrefix = lazyregexp.New(`^(?:图|圖|上图|下图|图片|图为|图注|图源|▲|△|↑|☝|摄影|供图|来源|Photo|Source|Image|Fig)`)

// maxCaptionRunes is the longest caption taken as alt text.
const maxCaptionRunes = 80

// captionImages gives an image without alt text the caption written under
// it: a short line right after an image-only block that is set small,
// centred or starts like a caption ("图：", "▲"). The caption stays in the
// text too, so nothing a reader saw is lost.
func captionImages(units []layoutUnit, body float64) {
	for i := 1; i < len(units); i++ {
		u, prev := units[i], units[i-1]
		if !u.leaf || u.media || !u.hasText || !prev.leaf || prev.hasText || !prev.media {
			continue
		}
		// Text past 80 runes' worst case in bytes is not built: the unit
		// after a picture is often a long paragraph.
		text, ok := collapsedText(u.node, maxCaptionRunes*utf8.UTFMax)
		if !ok || utf8.RuneCountInString(text) > maxCaptionRunes {
			continue
		}
		small := u.size < body-1 && u.size <= 14
		if !small && !u.centred && !captionPrefix.MatchString(text) {
			continue
		}
		var images []*html.Node
		walk(prev.node, func(c *html.Node) bool {
			if c.Type == html.ElementNode && c.Data == "img" {
				images = append(images, c)
			}
			return true
		})
		if len(images) == 1 && attr(images[0], "alt") == "" && !isDivider(images[0]) {
			setAttr(images[0], "alt", text)
		}
	}
}

// isDivider reports a picture much wider than high (data-ratio is height
// over width): editors' ornamental rules, never the photo a caption is for.
func isDivider(img *html.Node) bool {
	ratio, err := strconv.ParseFloat(attr(img, "data-ratio"), 64)
	return err == nil && ratio > 0 && ratio < 0.15
}
