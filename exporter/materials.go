package exporter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/mparchive/mparchive/archive"
)

// maxVideoBytes bounds one video download, held in memory before it is
// stored. Video materials uploaded through the API are capped at 10 MB;
// the MP console allows far larger ones, up to this.
const maxVideoBytes = 1 << 30

// MaterialPage is one page of image, voice or video materials.
type MaterialPage struct {
	Kind       archive.MaterialKind
	Offset     int
	TotalCount int
	Items      []json.RawMessage // each {media_id, name, update_time, url} as sent
}

// ListMaterials fetches one page of permanent materials of kind. count is
// clamped to 1..20.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/service/api/material/permanent/api_batchgetmaterial
func (c *Client) ListMaterials(ctx context.Context, kind archive.MaterialKind, offset, count int) (*MaterialPage, error) {
	if _, err := archive.ParseMaterialKind(string(kind)); err != nil {
		return nil, fmt.Errorf("wechat %s: %w", pathBatchGetMaterial, err)
	}
	body := struct {
		Type   string `json:"type"`
		Offset int    `json:"offset"`
		Count  int    `json:"count"`
	}{string(kind), max(offset, 0), max(1, min(count, MaxPageSize))}
	var answer struct {
		TotalCount *flexInt          `json:"total_count"`
		Item       []json.RawMessage `json:"item"`
	}
	if err := c.callJSON(ctx, http.MethodPost, pathBatchGetMaterial, body, &answer); err != nil {
		return nil, err
	}
	if answer.TotalCount == nil {
		return nil, &ResponseError{Endpoint: pathBatchGetMaterial, StatusCode: http.StatusOK, Problem: "the list has no total_count"}
	}
	return &MaterialPage{Kind: kind, Offset: offset, TotalCount: int(*answer.TotalCount), Items: answer.Item}, nil
}

// MaterialOptions tune FetchMaterials.
type MaterialOptions struct {
	// HTTPClient downloads image files and videos (down_url); nil uses a
	// client with sane timeouts.
	HTTPClient *http.Client
	// Attempts bounds tries per download (default 4).
	Attempts int
	// Sleep waits between retries; tests make it instant.
	Sleep func(context.Context, time.Duration) error
	// Logf receives notes worth telling the user.
	Logf func(format string, args ...any)
	// Progress receives the kind in hand and how many of its items are done.
	Progress func(kind archive.MaterialKind, done, total int)
}

// MaterialSummary tells what FetchMaterials did.
type MaterialSummary struct {
	Kinds map[archive.MaterialKind]*MaterialKindSummary
	// FailedMedia maps the media key of each file that could not be
	// stored to why; a re-run tries them again.
	FailedMedia map[string]string
}

// MaterialKindSummary tells what a run did with one kind.
type MaterialKindSummary struct {
	Items      int // listed
	New        int // stored for the first time
	Changed    int // stored item changed
	Downloaded int // files stored in this run
	Reused     int // files the archive already had
	Complete   bool
	Err        error // why the kind stopped early
}

// FetchMaterials backs up the permanent materials of each kind: every list
// item goes to the archive as sent, and its file to the media store (images
// by their URL, voice through get_material, videos through get_material's
// down_url). A file that fails is reported and left for the next run; an
// error that ends a kind (quota) is in its summary, one that dooms every
// call (credentials, cancellation) is returned.
func FetchMaterials(ctx context.Context, c *Client, arch *archive.Archive, kinds []archive.MaterialKind, opts MaterialOptions) (*MaterialSummary, error) {
	if opts.Attempts <= 0 {
		opts.Attempts = 4
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepContext
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Minute}
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.Progress == nil {
		opts.Progress = func(archive.MaterialKind, int, int) {}
	}
	mf := &materialFetcher{
		c: c, arch: arch, opts: opts,
		dl:  &downloader{http: opts.HTTPClient, api: c, attempts: opts.Attempts, sleep: opts.Sleep},
		sum: &MaterialSummary{Kinds: map[archive.MaterialKind]*MaterialKindSummary{}, FailedMedia: map[string]string{}},
	}
	for _, kind := range kinds {
		ks := &MaterialKindSummary{}
		mf.sum.Kinds[kind] = ks
		err := mf.fetchKind(ctx, kind, ks)
		if ferr := arch.Flush(); err == nil {
			err = ferr
		}
		if err == nil {
			ks.Complete = true
			continue
		}
		ks.Err = err
		if ctx.Err() != nil {
			return mf.sum, ctx.Err()
		}
		if isFatal(err) {
			return mf.sum, err
		}
		opts.Logf("%s materials: %v", kind, err)
	}
	return mf.sum, nil
}

type materialFetcher struct {
	c    *Client
	arch *archive.Archive
	opts MaterialOptions
	dl   *downloader
	sum  *MaterialSummary
}

func (mf *materialFetcher) fetchKind(ctx context.Context, kind archive.MaterialKind, ks *MaterialKindSummary) error {
	seen := map[string]bool{}
	for offset, pages := 0, 0; ; pages++ {
		page, err := mf.c.ListMaterials(ctx, kind, offset, MaxPageSize)
		if err != nil {
			return err
		}
		for _, raw := range page.Items {
			var it struct {
				MediaID string `json:"media_id"`
				URL     string `json:"url"`
				Name    string `json:"name"`
			}
			if err := json.Unmarshal(raw, &it); err != nil || it.MediaID == "" {
				mf.opts.Logf("%s materials: skipping an item at offset %d without a media_id", kind, offset)
				continue
			}
			// A list that changes during the run shifts items across pages.
			if seen[it.MediaID] {
				continue
			}
			seen[it.MediaID] = true
			isNew := !mf.arch.HasMaterial(kind, it.MediaID)
			changed, err := mf.arch.PutMaterial(kind, raw)
			if err != nil {
				return fmt.Errorf("storing %s material %s: %w", kind, it.MediaID, err)
			}
			ks.Items++
			switch {
			case isNew:
				ks.New++
			case changed:
				ks.Changed++
			}
			key := archive.MaterialMediaKey(kind, it.MediaID, it.URL)
			if _, ok := mf.arch.Media(key); ok && !(kind == archive.VideoMaterial && changed) {
				ks.Reused++
				continue
			}
			if err := mf.download(ctx, kind, it.MediaID, it.URL, it.Name, key); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if isFatal(err) || IsQuotaExhausted(err) {
					return err
				}
				mf.sum.FailedMedia[key] = redactError(err)
				continue
			}
			ks.Downloaded++
		}
		offset += len(page.Items)
		mf.opts.Progress(kind, offset, page.TotalCount)
		if len(page.Items) == 0 || offset >= page.TotalCount {
			return nil
		}
		if pages > 2*(page.TotalCount/MaxPageSize)+10 {
			return fmt.Errorf("wechat %s: the %s list kept growing during the run; run again to continue", pathBatchGetMaterial, kind)
		}
	}
}

// download stores one material's file under key.
func (mf *materialFetcher) download(ctx context.Context, kind archive.MaterialKind, mediaID, imageURL, name, key string) error {
	switch kind {
	case archive.ImageMaterial:
		// The image path refuses placeholders and non-images; an image
		// without a URL comes through get_material like a thumb.
		_, err := mf.dl.fetchMedia(ctx, mf.arch, key)
		return err
	case archive.VoiceMaterial:
		data, ctype, err := mf.c.GetMaterial(ctx, mediaID)
		if err != nil {
			return err
		}
		ext, mt := mediaType(name, ctype, data, "audio/")
		_, err = mf.arch.PutMedia(key, data, ext, mt)
		return err
	}
	data, _, err := mf.c.GetMaterial(ctx, mediaID)
	if err != nil {
		return err
	}
	var video struct {
		DownURL string `json:"down_url"`
	}
	if err := json.Unmarshal(data, &video); err != nil || video.DownURL == "" {
		return fmt.Errorf("video %s: get_material gave no down_url", mediaID)
	}
	if _, err := mf.arch.PutVideoDetail(mediaID, data); err != nil {
		return err
	}
	file, ctype, err := mf.getLarge(ctx, video.DownURL, maxVideoBytes)
	if err != nil {
		return fmt.Errorf("video %s: %w", mediaID, err)
	}
	ext, mt := mediaType(name, ctype, file, "video/")
	_, err = mf.arch.PutMedia(key, file, ext, mt)
	return err
}

// getLarge downloads a file of up to limit bytes with the image path's
// retries (network errors, 5xx, cut bodies).
func (mf *materialFetcher) getLarge(ctx context.Context, u string, limit int64) ([]byte, string, error) {
	var lastErr error
	for attempt := 1; attempt <= mf.opts.Attempts; attempt++ {
		if attempt > 1 {
			if err := mf.opts.Sleep(ctx, backoff(attempt-1)); err != nil {
				return nil, "", err
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, "", err
		}
		req.Header.Set("User-Agent", browserUA)
		resp, err := mf.opts.HTTPClient.Do(req)
		if err != nil {
			lastErr = errors.New(redactError(err))
			if !isTransient(err) {
				break
			}
			continue
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
		resp.Body.Close()
		switch {
		case resp.StatusCode != http.StatusOK:
			lastErr = fmt.Errorf("HTTP %s", resp.Status)
			if resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
				return nil, "", lastErr
			}
		case err != nil:
			lastErr = fmt.Errorf("reading: %s", redactError(err))
		case int64(len(data)) > limit:
			return nil, "", fmt.Errorf("larger than %d MB", limit>>20)
		case resp.ContentLength >= 0 && int64(len(data)) != resp.ContentLength:
			lastErr = fmt.Errorf("cut short: %d of %d bytes", len(data), resp.ContentLength)
		case len(data) == 0:
			return nil, "", errors.New("empty file")
		default:
			return data, resp.Header.Get("Content-Type"), nil
		}
	}
	return nil, "", lastErr
}

var audioVideoExt = map[string]string{
	"audio/amr": ".amr", "audio/mpeg": ".mp3", "audio/mp3": ".mp3", "audio/wav": ".wav", "audio/x-wav": ".wav",
	"audio/wave": ".wav", "audio/x-ms-wma": ".wma", "audio/mp4": ".m4a", "audio/aac": ".aac", "audio/ogg": ".ogg",
	"video/mp4": ".mp4", "video/quicktime": ".mov", "video/x-msvideo": ".avi", "video/avi": ".avi",
	"video/x-ms-wmv": ".wmv", "video/mpeg": ".mpg", "video/webm": ".webm", "video/x-flv": ".flv",
}

var safeExt = regexp.MustCompile(`^\.[a-z0-9]{1,5}$`)

// mediaType picks a voice or video file's extension and type: the bytes
// when they are known, else the Content-Type (want is its expected
// prefix), else the uploaded name's extension.
func mediaType(name, ctype string, data []byte, want string) (ext, mimeType string) {
	if len(data) >= 6 && string(data[:6]) == "#!AMR\n" {
		return ".amr", "audio/amr"
	}
	sniffed := http.DetectContentType(data)
	if e, ok := audioVideoExt[sniffed]; ok {
		return e, sniffed
	}
	if mt, _, err := mime.ParseMediaType(ctype); err == nil && strings.HasPrefix(mt, want) {
		if e, ok := audioVideoExt[mt]; ok {
			return e, mt
		}
	}
	if e := strings.ToLower(filepath.Ext(name)); safeExt.MatchString(e) {
		if mt := mime.TypeByExtension(e); strings.HasPrefix(mt, want) {
			return e, mt
		}
		return e, "application/octet-stream"
	}
	return ".bin", "application/octet-stream"
}
