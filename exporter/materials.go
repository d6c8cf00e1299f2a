package exporter

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/internal/lazyregexp"
)

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
		TotalCount *archive.FlexInt  `json:"total_count"`
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
	// HTTPClient downloads image files and videos (down_url); nil uses
	// NewDownloadClient, which reaches public addresses and the API's own
	// host when that is loopback.
	HTTPClient *http.Client
	// AllowPrivateHosts lets the default HTTPClient reach loopback,
	// private and link-local addresses.
	AllowPrivateHosts bool
	// Attempts bounds tries per request (default DefaultMaxAttempts).
	Attempts int
	// Timeout is the deadline of a video download, its attempts together
	// (default 20 min); images get DefaultMediaTimeout.
	Timeout time.Duration
	// Sleep waits between retries; tests make it instant.
	Sleep func(context.Context, time.Duration) error
	// Logf receives notes worth telling the user.
	Logf func(format string, args ...any)
	// Skip, when set, tells media keys not to download: files an earlier
	// run found unavailable for good. They count as Unavailable.
	Skip func(key string) bool
	// Progress receives the kind in hand and how many of its items are done.
	Progress func(kind archive.MaterialKind, done, total int)
}

// MaterialSummary tells what FetchMaterials did.
type MaterialSummary struct {
	Kinds map[archive.MaterialKind]*MaterialKindSummary
	// FailedMedia maps the media key of each file that could not be
	// stored for a reason that may pass to why; a re-run tries them again.
	FailedMedia map[string]string
	// UnavailableMedia maps the media key of each file that failed in a
	// way no re-run fixes (a 404, a file over its size limit) to why.
	UnavailableMedia map[string]string
}

// MaterialKindSummary tells what a run did with one kind.
type MaterialKindSummary struct {
	Items      int // listed
	New        int // stored for the first time
	Changed    int // stored item changed
	Downloaded int // files stored in this run
	Reused     int // files the archive already had
	// Unavailable counts files not asked for because an earlier run found
	// them unavailable for good (MaterialOptions.Skip).
	Unavailable int
	Complete    bool
	Err         error // why the kind stopped early
}

// FetchMaterials backs up the permanent materials of each kind: every list
// item goes to the archive as sent, and its file to the media store (images
// by their URL, voice through get_material, videos through get_material's
// down_url). A file that fails is reported and left for the next run; an
// error that ends a kind (quota) is in its summary, one that dooms every
// call (credentials, cancellation) is returned.
func FetchMaterials(ctx context.Context, c *Client, arch *archive.Archive, kinds []archive.MaterialKind, opts MaterialOptions) (*MaterialSummary, error) {
	if opts.Sleep == nil {
		opts.Sleep = sleepContext
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = NewDownloadClient(opts.AllowPrivateHosts, c.base.String())
	}
	if opts.Timeout <= 0 {
		opts.Timeout = defaultVideoTimeout
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.Progress == nil {
		opts.Progress = func(archive.MaterialKind, int, int) {}
	}
	mf := &materialFetcher{
		c: c, arch: arch, opts: opts,
		dl: &downloader{get: newGetter(opts.HTTPClient, newRetrier(opts.Attempts, opts.Sleep)), api: c},
		sum: &MaterialSummary{Kinds: map[archive.MaterialKind]*MaterialKindSummary{},
			FailedMedia: map[string]string{}, UnavailableMedia: map[string]string{}},
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
			if mf.opts.Skip != nil && mf.opts.Skip(key) {
				ks.Unavailable++
				continue
			}
			if err := mf.download(ctx, kind, it.MediaID, it.URL, it.Name, key); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if isFatal(err) || IsQuotaExhausted(err) {
					return err
				}
				if goneForGood(err) {
					mf.sum.UnavailableMedia[key] = redactError(err)
				} else {
					mf.sum.FailedMedia[key] = redactError(err)
				}
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
		st := &stager{arch: mf.arch}
		defer st.discard()
		if err := mf.c.getMaterialFile(ctx, mediaID, maxVoiceBytes, st.sink); err != nil {
			return err
		}
		ext, mt := mediaType(name, st.ctype, st.w.Head(), "audio/")
		_, err := st.w.Commit(key, ext, mt)
		st.w = nil
		return err
	}
	// A video material's answer is JSON; a file there is refused unread.
	resp, err := mf.c.getMaterial(ctx, mediaID, maxSmallJSONBytes, func(io.Reader, string) error {
		return downloadFailed("video", false, "video %s: get_material sent a file where the video's JSON belongs", mediaID)
	})
	if err != nil {
		return err
	}
	data := resp.body
	var video struct {
		DownURL string `json:"down_url"`
	}
	if err := json.Unmarshal(data, &video); err != nil || video.DownURL == "" {
		return downloadFailed("video", false, "video %s: get_material gave no down_url", mediaID)
	}
	if _, err := mf.arch.PutVideoDetail(mediaID, data); err != nil {
		return err
	}
	// Videos go to disk as they arrive: they may be a gigabyte.
	st := &stager{arch: mf.arch}
	defer st.discard()
	err = mf.dl.getFile(ctx, getSpec{what: "video", url: video.DownURL, limit: maxVideoBytes, timeout: mf.opts.Timeout,
		header: map[string]string{"User-Agent": browserUA}}, st)
	if err != nil {
		return fmt.Errorf("video %s: %w", mediaID, err)
	}
	if st.w.Size() == 0 {
		return downloadFailed("video", false, "video %s: empty file", mediaID)
	}
	ext, mt := mediaType(name, st.ctype, st.w.Head(), "video/")
	_, err = st.w.Commit(key, ext, mt)
	st.w = nil
	return err
}

var audioVideoExt = map[string]string{
	"audio/amr": ".amr", "audio/mpeg": ".mp3", "audio/mp3": ".mp3", "audio/wav": ".wav", "audio/x-wav": ".wav",
	"audio/wave": ".wav", "audio/x-ms-wma": ".wma", "audio/mp4": ".m4a", "audio/aac": ".aac", "audio/ogg": ".ogg",
	"video/mp4": ".mp4", "video/quicktime": ".mov", "video/x-msvideo": ".avi", "video/avi": ".avi",
	"video/x-ms-wmv": ".wmv", "video/mpeg": ".mpg", "video/webm": ".webm", "video/x-flv": ".flv",
}

var safeExt = lazyregexp.New(`^\.[a-z0-9]{1,5}$`)

// mediaType picks a voice or video file's extension and type: the bytes
// (data is the file's start, archive.MediaHeadBytes of it) when they are known, else the Content-Type (want is its expected
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
