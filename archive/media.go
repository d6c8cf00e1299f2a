package archive

import (
	"html"
	"net/url"
	"slices"
	"strings"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// MediaKind says what an article needs a stored file for.
type MediaKind string

// The media kinds of an article.
const (
	MediaCover MediaKind = "cover" // the article's cover (thumb_url or thumb material)
	MediaImage MediaKind = "image" // a picture the body shows
	MediaVoice MediaKind = "voice" // a voice message the body plays (mpvoice)
)

// MediaRef is one file an article needs: its media-store key and what for.
type MediaRef struct {
	Key  string
	Kind MediaKind
}

// ArticleMedia lists every file an article needs from the media store: the
// cover first, then the body's media in document order (BodyMedia), each
// key once. It is the one list the fetcher downloads and the outputs copy,
// so that what one stores is exactly what the other looks for.
func ArticleMedia(a *Article) []MediaRef {
	return ArticleMediaOf(a, BodyMedia(a.Content))
}

// ArticleMediaOf is ArticleMedia for an article whose body's media
// BodyMedia has listed already: outputs keep that list between builds,
// so that an unchanged body is not parsed again.
func ArticleMediaOf(a *Article, body []MediaRef) []MediaRef {
	var out []MediaRef
	cover := a.CoverKey()
	if cover != "" {
		out = append(out, MediaRef{Key: cover, Kind: MediaCover})
	}
	for _, m := range body {
		if m.Key != cover {
			out = append(out, m)
		}
	}
	return out
}

// BodyMedia lists the media an article body shows or plays, in document
// order, each key once:
//
//   - images: lazy images (data-src before src, data: placeholders
//     skipped), CSS background images, video covers (data-cover), account
//     card avatars (data-headimg), and the cover of every embed the
//     converter shows one for (embedCoverAttrs: <video poster>, voice and
//     QQ-music covers, mini-program pictures, product images, …);
//   - voices: mpvoice / mp-common-mpaudio by voice_encode_fileid, under
//     VoiceKey.
//
// Image keys are the URLs exactly as the converter sees them, so the media
// store's keys match the converter's look-ups.
func BodyMedia(body string) []MediaRef {
	var out []MediaRef
	seen := map[string]bool{}
	add := func(u string, kind MediaKind) {
		u = strings.TrimSpace(u)
		if u == "" || seen[u] || !isRemote(u) {
			return
		}
		seen[u] = true
		out = append(out, MediaRef{Key: u, Kind: kind})
	}
	z := xhtml.NewTokenizer(strings.NewReader(body))
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return out
		}
		if tt != xhtml.StartTagToken && tt != xhtml.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		attr := func(name string) string {
			for _, a := range tok.Attr {
				if a.Key == name {
					return a.Val
				}
			}
			return ""
		}
		if tok.DataAtom == atom.Img {
			src := strings.TrimSpace(attr("data-src"))
			if src == "" || !isRemote(src) {
				src = attr("src")
			}
			add(src, MediaImage)
		}
		if c := attr("data-cover"); c != "" {
			// Video covers are URL-encoded inside the attribute.
			if dec, err := urlUnescape(c); err == nil {
				c = dec
			}
			add(c, MediaImage)
		}
		add(attr("data-headimg"), MediaImage)
		if st := attr("style"); strings.Contains(st, "url(") {
			for _, m := range cssURL.FindAllStringSubmatch(st, -1) {
				// A doubly encoded &quot; comes out of the tokenizer as
				// &quot; and out of the unescape as a quote.
				add(strings.Trim(html.UnescapeString(m[1]), `"' `), MediaImage)
			}
		}
		for _, name := range embedCoverAttrs(tok.Data) {
			// The converter shows the first that is set, and only when
			// it is a web address.
			if v := attr(name); v != "" {
				add(v, MediaImage)
				break
			}
		}
		if isVoiceElement(tok.Data) {
			for _, name := range voiceIDAttrs {
				if id := strings.TrimSpace(attr(name)); id != "" {
					add(VoiceKey(id), MediaVoice)
					break
				}
			}
		}
	}
}

// embedCoverAttrs lists the attributes the converter reads the cover of
// an element's embed from (a video's poster, a voice's or song's cover, a
// mini program's picture, an account's avatar, a product's image), in the
// order it reads them: render/embedhtml.go embedOf and customEmbed. Elements
// that are no embed have none. iframes' covers are their data-cover, which
// BodyMedia takes from every element.
func embedCoverAttrs(element string) []string {
	switch element {
	case "video", "audio":
		return []string{"poster"}
	case "mpvoice", "mp-common-mpaudio":
		return []string{"cover", "data-cover"}
	case "qqmusic", "mp-common-qqmusic", "mp-common-music":
		return []string{"albumurl", "data-albumurl", "cover"}
	case "mp-miniprogram", "mp-weapp", "mp-common-miniprogram":
		return []string{"data-miniprogram-imageurl", "data-imageurl", "data-weappimageurl", "imageurl"}
	case "mp-common-profile", "mpprofile":
		return []string{"data-headimg", "headimg"}
	case "mp-common-videosnap", "mpvideosnap", "mp-common-channels_video", "mp-common-channels":
		return []string{"data-url", "data-coverurl", "data-cover", "data-headimgurl"}
	case "mp-style-type":
		return nil
	}
	// Products, shops, votes, red packets and the WeChat widgets the
	// converter does not know (mp-…, mpgongyi…) show a card with this
	// cover.
	if strings.HasPrefix(element, "mp-") || strings.HasPrefix(element, "mp") && len(element) > 4 && !strings.Contains(element, ":") {
		return []string{"data-img_url", "data-imageurl", "data-image", "data-cover", "data-headimg", "data-receive_img", "cover"}
	}
	return nil
}

// voiceIDAttrs are the attributes that carry a voice's file id, in the
// order render reads them (render/embedhtml.go customEmbed).
var voiceIDAttrs = []string{"voice_encode_fileid", "data-voice_encode_fileid", "data-voiceid"}

// isVoiceElement reports the elements WeChat stores voice messages as: the
// editor's mpvoice, and mp-common-mpaudio, which the page script puts in its
// place with the same attributes.
func isVoiceElement(name string) bool {
	return name == "mpvoice" || name == "mp-common-mpaudio"
}

// voiceURLPrefix is WeChat's public voice player address (docs/wechat-api.md
// §8.2, §12), the same one render links voice embeds to.
const voiceURLPrefix = "https://res.wx.qq.com/voice/getvoice?mediaid="

// VoiceKey is the media-store key of a voice message: the public address
// WeChat plays it from. The downloader may fetch it from elsewhere (a test
// server), but the key, like an image's, names the real file.
func VoiceKey(fileID string) string {
	return voiceURLPrefix + url.QueryEscape(fileID)
}

// VoiceFileID reads the file id back from a voice key; ok is false for any
// other key.
func VoiceFileID(key string) (id string, ok bool) {
	rest, found := strings.CutPrefix(key, voiceURLPrefix)
	if !found || rest == "" || strings.ContainsAny(rest, "&#") {
		return "", false
	}
	id, err := url.QueryUnescape(rest)
	if err != nil || id == "" {
		return "", false
	}
	return id, true
}

// LookupKeys lists the media-store keys under which a URL the converter
// asks for (render.Options ImageURL and MediaURL) may be stored: as written,
// with HTML entities decoded (&amp; in hand-written src attributes),
// URL-decoded (video covers come URL-encoded in data-cover), and with the
// scheme completed or swapped, since WeChat serves the same image over http
// and https. BodyMedia's keys and these forms are the two halves of one
// contract: every URL the converter asks for has a form among the keys
// (render's TestMediaContract checks it on every fixture). Archive.Media
// folds each form further (MediaKey), so a picture of the image CDN is
// found whatever host alias or tracking query either side spelled it with.
func LookupKeys(u string) []string {
	u = strings.TrimSpace(u)
	out := []string{u}
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	add(html.UnescapeString(u))
	for _, s := range slices.Clone(out) {
		if dec, err := url.PathUnescape(s); err == nil {
			add(dec)
			add(html.UnescapeString(dec))
		}
	}
	for _, s := range slices.Clone(out) {
		switch {
		case strings.HasPrefix(s, "//"):
			add("https:" + s)
			add("http:" + s)
		case strings.HasPrefix(s, "http://"):
			add("https://" + strings.TrimPrefix(s, "http://"))
		case strings.HasPrefix(s, "https://"):
			add("http://" + strings.TrimPrefix(s, "https://"))
		}
	}
	return out
}
