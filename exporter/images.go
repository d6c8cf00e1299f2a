package exporter

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mparchive/mparchive/archive"
)

// maxImageBytes bounds one download: WeChat caps images at 10 MB, so
// anything far larger is not an article image and must not fill the disk.
const maxImageBytes = 64 << 20

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
	http     *http.Client
	api      *Client // for thumb materials fetched by media_id
	attempts int
	sleep    func(context.Context, time.Duration) error
	// voiceBase replaces DefaultVoiceBaseURL (see FetchOptions.VoiceBaseURL).
	voiceBase string
}

// fetchMedia downloads one media key and stores it. A key is an image URL,
// archive.MaterialKey(media_id) or archive.VoiceKey(file id).
func (d *downloader) fetchMedia(ctx context.Context, arch *archive.Archive, key string) (archive.MediaEntry, error) {
	var (
		data  []byte
		ctype string
		err   error
	)
	voiceID, isVoice := archive.VoiceFileID(key)
	switch id, ok := strings.CutPrefix(key, archive.MaterialKey("")); {
	case ok:
		if d.api == nil {
			return archive.MediaEntry{}, errors.New("a material is fetched through the API, and this run has no credentials")
		}
		data, ctype, err = d.api.GetMaterial(ctx, id)
	case isVoice:
		data, ctype, err = d.getVoice(ctx, voiceID)
	default:
		data, ctype, err = d.get(ctx, key)
	}
	if err != nil {
		return archive.MediaEntry{}, err
	}
	sum := sha256.Sum256(data)
	if placeholderHashes[hex.EncodeToString(sum[:])] {
		return archive.MediaEntry{}, ErrPlaceholder
	}
	typeOf := imageType
	if isVoice {
		typeOf = audioType
	}
	ext, mimeType, err := typeOf(key, ctype, data)
	if err != nil {
		return archive.MediaEntry{}, err
	}
	return arch.PutMedia(key, data, ext, mimeType)
}

// get downloads a URL with retries for the failures that pass: network
// errors, timeouts and 5xx. It sends no Referer: the CDN's hot-link check
// only objects to foreign ones.
func (d *downloader) get(ctx context.Context, raw string) ([]byte, string, error) {
	return d.getRetrying(ctx, raw, "image", maxImageBytes, map[string]string{
		"User-Agent": browserUA,
		"Accept":     "image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5",
	})
}

// getRetrying is get for any kind of media file, what naming it in errors.
func (d *downloader) getRetrying(ctx context.Context, raw, what string, limit int, header map[string]string) ([]byte, string, error) {
	u := raw
	if strings.HasPrefix(u, "//") {
		u = "https:" + u
	}
	var lastErr error
	for attempt := 1; attempt <= d.attempts; attempt++ {
		data, resp, err, retry := getBody(ctx, d.http, u, what, limit, header)
		if err == nil {
			return data, resp.Header.Get("Content-Type"), nil
		}
		lastErr = err
		if !retry || ctx.Err() != nil {
			break
		}
		wait := backoff(attempt)
		if err := d.sleep(ctx, wait); err != nil {
			return nil, "", err
		}
	}
	return nil, "", lastErr
}

// getBody makes one GET and reads the whole answer, for the downloads
// outside the API (images, article pages). It classifies what went wrong
// the same way for both: network errors, 5xx, 429 and bodies cut short
// are worth a retry; other statuses and bodies over limit bytes are not.
// Errors never hold a secret from the URL.
func getBody(ctx context.Context, c *http.Client, u, what string, limit int, header map[string]string) (data []byte, resp *http.Response, err error, retry bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("bad %s URL: %w", what, err), false
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err = c.Do(req)
	if err != nil {
		return nil, nil, errors.New(redactError(err)), isTransient(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, nil, fmt.Errorf("HTTP %s", resp.Status), resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
	}
	data, err = io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the %s: %s", what, redactError(err)), true
	}
	if len(data) > limit {
		return nil, nil, fmt.Errorf("the %s is larger than %d MB", what, limit>>20), false
	}
	if resp.ContentLength >= 0 && int64(len(data)) != resp.ContentLength {
		return nil, nil, fmt.Errorf("the %s was cut short: %d of %d bytes", what, len(data), resp.ContentLength), true
	}
	return data, resp, nil, false
}

// isTransient tells network failures that a retry may cure.
func isTransient(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe")
}

// backoff is exponential with full jitter, so that many downloaders that
// failed together do not retry together.
func backoff(attempt int) time.Duration {
	base := 200 * time.Millisecond << (attempt - 1)
	if base > 10*time.Second {
		base = 10 * time.Second
	}
	return base/2 + rand.N(base/2+1)
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

// imageType picks the file extension: the bytes decide when they are a
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
		return "", "", fmt.Errorf("not an image: the server sent %s", sniffed)
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
		return "", "", errors.New("empty image")
	}
	return ".bin", "application/octet-stream", nil
}

func looksSVG(data []byte) bool {
	head := data[:min(len(data), 512)]
	head = bytes.TrimSpace(head)
	return bytes.HasPrefix(head, []byte("<svg")) ||
		(bytes.HasPrefix(head, []byte("<?xml")) && bytes.Contains(head, []byte("<svg")))
}
