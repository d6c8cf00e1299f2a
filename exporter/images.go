package exporter

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mparchive/mparchive/archive"
)

// browserUA is sent with image downloads. The CDN serves images to browsers;
// a Go default User-Agent is more likely to meet anti-scraping rules.
const browserUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"

// placeholderHashes are SHA-256 sums of known "此图片来自微信公众平台 未经允许不可引用"
// hot-link placeholder images. The CDN answers a foreign Referer with one of
// them (status 200), so a download that yields one failed, however it looks.
// The first is the fake API's (wechattest.PlaceholderSHA256; a test keeps
// the two in step), so the whole path is tested; add real ones as they are
// collected.
var placeholderHashes = map[string]bool{
	"b74570ed8b08bc2a9652a6d0ed1db0f2bd97d4fd2587a17103419fbb706b9744": true,
}

// ErrPlaceholder reports a hot-link placeholder in place of the image.
var ErrPlaceholder = errors.New("the CDN sent its hot-link placeholder instead of the image")

// downloader fetches media into the archive.
type downloader struct {
	get *getter
	api *Client // for thumb materials fetched by media_id
	// voiceBase replaces DefaultVoiceBaseURL (see FetchOptions.VoiceBaseURL).
	voiceBase string
	// timeout is the deadline of an image or voice download, body
	// included, its attempts together (default DefaultMediaTimeout).
	timeout time.Duration
}

// fetchMedia downloads one media key and stores it. A key is an image URL,
// archive.MaterialKey(media_id) or archive.VoiceKey(file id). The file goes
// to disk as it arrives; it is filed under its key only once its type is
// known to be right.
func (d *downloader) fetchMedia(ctx context.Context, arch *archive.Archive, key string) (archive.MediaEntry, error) {
	return d.fetchMediaThen(ctx, arch, key, nil)
}

// fetchMediaThen is fetchMedia that calls received, unless nil, once the
// file is in, before it is checked and filed: the network is done with
// it then.
func (d *downloader) fetchMediaThen(ctx context.Context, arch *archive.Archive, key string, received func()) (archive.MediaEntry, error) {
	st := &stager{arch: arch}
	defer st.discard()
	var err error
	voiceID, isVoice := archive.VoiceFileID(key)
	switch id, ok := strings.CutPrefix(key, archive.MaterialKey("")); {
	case ok:
		if d.api == nil {
			return archive.MediaEntry{}, errors.New("a material is fetched through the API, and this run has no credentials")
		}
		err = d.api.getMaterialFile(ctx, id, maxImageBytes, st.sink)
	case isVoice:
		err = d.getVoice(ctx, voiceID, st)
	default:
		err = d.getImage(ctx, key, st)
	}
	if err != nil {
		return archive.MediaEntry{}, err
	}
	if received != nil {
		received()
	}
	if placeholderHashes[st.w.SHA256()] {
		return archive.MediaEntry{}, ErrPlaceholder
	}
	typeOf := imageType
	if isVoice {
		typeOf = audioType
	}
	ext, mimeType, err := typeOf(key, st.ctype, st.w.Head())
	if err != nil {
		return archive.MediaEntry{}, err
	}
	entry, err := st.w.Commit(key, ext, mimeType)
	st.w = nil
	return entry, err
}

// getImage downloads an image. It sends no Referer: the CDN's hot-link
// check only objects to foreign ones.
func (d *downloader) getImage(ctx context.Context, raw string, st *stager) error {
	return d.getFile(ctx, getSpec{what: "image", url: raw, limit: maxImageBytes, header: map[string]string{
		"User-Agent": browserUA,
		"Accept":     "image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5",
	}}, st)
}

// getFile downloads a media file outside the API into st.
func (d *downloader) getFile(ctx context.Context, spec getSpec, st *stager) error {
	if spec.timeout <= 0 {
		spec.timeout = cmp.Or(d.timeout, DefaultMediaTimeout)
	}
	return d.get.get(ctx, spec, func(body io.Reader, resp *http.Response) error {
		return st.sink(body, resp.Header.Get("Content-Type"))
	})
}

// wxFormats maps WeChat's wx_fmt values to file extensions.
var wxFormats = map[string]string{
	"jpeg": ".jpg", "jpg": ".jpg", "png": ".png", "gif": ".gif",
	"svg": ".svg", "webp": ".webp", "bmp": ".bmp",
}

var mimeExt = map[string]string{
	"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif",
	"image/svg+xml": ".svg", "image/webp": ".webp", "image/bmp": ".bmp",
	"image/x-icon": ".ico", "image/avif": ".avif",
}

// imageType picks the file extension of an image whose first bytes are
// data (archive.MediaHeadBytes of them, or fewer for a smaller file): the
// bytes decide when they are a
// known image format (the CDN may convert formats: tp=webp), then wx_fmt,
// then the Content-Type. Anything that is not an image (an HTML error page,
// a JSON error) is refused rather than stored as a picture.
func imageType(key, ctype string, data []byte) (ext, mimeType string, err error) {
	sniffed := http.DetectContentType(data)
	if e, ok := mimeExt[sniffed]; ok {
		return e, sniffed, nil
	}
	if looksSVG(data) {
		return ".svg", "image/svg+xml", nil
	}
	if strings.HasPrefix(sniffed, "text/") || strings.HasPrefix(sniffed, "application/json") {
		return "", "", downloadFailed("image", false, "not an image: the server sent %s", sniffed)
	}
	if u, err := url.Parse(key); err == nil {
		if e, ok := wxFormats[strings.ToLower(u.Query().Get("wx_fmt"))]; ok {
			return e, mime.TypeByExtension(e), nil
		}
	}
	if mt, _, err := mime.ParseMediaType(ctype); err == nil {
		if e, ok := mimeExt[mt]; ok {
			return e, mt, nil
		}
	}
	if len(data) == 0 {
		return "", "", downloadFailed("image", false, "empty image")
	}
	return ".bin", "application/octet-stream", nil
}

func looksSVG(data []byte) bool {
	head := data[:min(len(data), 512)]
	head = bytes.TrimSpace(head)
	return bytes.HasPrefix(head, []byte("<svg")) ||
		(bytes.HasPrefix(head, []byte("<?xml")) && bytes.Contains(head, []byte("<svg")))
}
