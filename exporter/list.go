package exporter

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/http"
	"strings"

	"github.com/mparchive/mparchive/archive"
)

// MaxPageSize is the largest count the list endpoints accept.
const MaxPageSize = 20

// MaterialCount is how many permanent materials of each type the account has.
type MaterialCount struct {
	VoiceCount int `json:"voice_count"`
	VideoCount int `json:"video_count"`
	ImageCount int `json:"image_count"`
	NewsCount  int `json:"news_count"`
}

// MaterialCount returns the number of permanent materials by type.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Get_the_total_of_all_materials.html
func (c *Client) MaterialCount(ctx context.Context) (MaterialCount, error) {
	var answer struct {
		Voice archive.FlexInt `json:"voice_count"`
		Video archive.FlexInt `json:"video_count"`
		Image archive.FlexInt `json:"image_count"`
		News  archive.FlexInt `json:"news_count"`
	}
	if err := c.callJSON(ctx, http.MethodGet, pathMaterialCount, nil, &answer); err != nil {
		return MaterialCount{}, err
	}
	return MaterialCount{
		VoiceCount: int(answer.Voice),
		VideoCount: int(answer.Video),
		ImageCount: int(answer.Image),
		NewsCount:  int(answer.News),
	}, nil
}

// DraftCount returns the number of drafts in the draft box.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Count_drafts.html
func (c *Client) DraftCount(ctx context.Context) (int, error) {
	var answer struct {
		TotalCount archive.FlexInt `json:"total_count"`
	}
	if err := c.callJSON(ctx, http.MethodGet, pathDraftCount, nil, &answer); err != nil {
		return 0, err
	}
	return int(answer.TotalCount), nil
}

// Quota is one endpoint's daily call budget.
type Quota struct {
	DailyLimit int
	Used       int
	Remain     int
}

// Quota returns today's call budget of one endpoint, named by its cgi path
// such as "/cgi-bin/freepublish/batchget" (see ListEndpoint). A run can ask
// before it starts whether it will get through.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/openApi/get_api_quota.html
func (c *Client) Quota(ctx context.Context, cgiPath string) (Quota, error) {
	if cgiPath == "" || strings.Contains(cgiPath, "://") || strings.ContainsAny(cgiPath, "?# ") {
		return Quota{}, fmt.Errorf("wechat %s: cgi path %q must be an API path such as /cgi-bin/draft/batchget",
			pathQuotaGet, cgiPath)
	}
	// WeChat answers 76003 unless the path starts with a slash.
	if !strings.HasPrefix(cgiPath, "/") {
		cgiPath = "/" + cgiPath
	}
	var answer struct {
		Quota struct {
			DailyLimit archive.FlexInt `json:"daily_limit"`
			Used       archive.FlexInt `json:"used"`
			Remain     archive.FlexInt `json:"remain"`
		} `json:"quota"`
	}
	body := struct {
		CGIPath string `json:"cgi_path"`
	}{cgiPath}
	if err := c.callJSON(ctx, http.MethodPost, pathQuotaGet, body, &answer); err != nil {
		return Quota{}, err
	}
	return Quota{
		DailyLimit: int(answer.Quota.DailyLimit),
		Used:       int(answer.Quota.Used),
		Remain:     int(answer.Quota.Remain),
	}, nil
}

// ListEndpoint returns the cgi path that lists src, the form Quota takes,
// or "" for an unknown source.
func ListEndpoint(src archive.Source) string {
	switch src {
	case archive.News:
		return pathBatchGetMaterial
	case archive.Published:
		return pathFreePublishBatchGet
	case archive.Drafts:
		return pathDraftBatchGet
	}
	return ""
}

// Page is one page of a list. Items hold each message exactly as WeChat sent
// it, because the archive stores the raw JSON and decodes it later.
type Page struct {
	Source     archive.Source
	Offset     int // the offset this page was requested at
	TotalCount int // total_count: the size of the whole list at the time of this call
	ItemCount  int // item_count: how many messages this page holds
	Items      []json.RawMessage
}

// ListPage fetches one page of a list: news materials, published articles or
// drafts, with their content. count is clamped to 1..20.
//
// WeChat API docs:
// https://developers.weixin.qq.com/doc/service/api/material/permanent/api_batchgetmaterial,
// https://developers.weixin.qq.com/doc/service/api/public/api_freepublish_batchget,
// https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Get_draft_list.html
func (c *Client) ListPage(ctx context.Context, src archive.Source, offset, count int) (*Page, error) {
	endpoint := ListEndpoint(src)
	if endpoint == "" {
		return nil, fmt.Errorf("wechat: unknown source %q", src)
	}
	if offset < 0 {
		return nil, fmt.Errorf("wechat %s: negative offset %d", endpoint, offset)
	}
	count = max(1, min(count, MaxPageSize))

	var body any
	if src == archive.News {
		body = struct {
			Type   string `json:"type"`
			Offset int    `json:"offset"`
			Count  int    `json:"count"`
		}{"news", offset, count}
	} else {
		// no_content is a number: 0 includes the article HTML. Some SDKs
		// send a JSON bool, which WeChat does not document.
		body = struct {
			Offset    int `json:"offset"`
			Count     int `json:"count"`
			NoContent int `json:"no_content"`
		}{offset, count, 0}
	}
	var answer struct {
		TotalCount *archive.FlexInt  `json:"total_count"`
		ItemCount  *archive.FlexInt  `json:"item_count"`
		Item       []json.RawMessage `json:"item"`
	}
	resp, err := c.call(ctx, http.MethodPost, endpoint, body, false)
	if err != nil {
		return nil, err
	}
	problem := ""
	if err := json.Unmarshal(resp.body, &answer); err != nil {
		problem = "the list does not have the expected shape: " + err.Error()
	} else if answer.TotalCount == nil {
		problem = "the list has no total_count"
	}
	if problem != "" {
		return nil, &ResponseError{
			Endpoint:    endpoint,
			StatusCode:  http.StatusOK,
			ContentType: resp.contentType,
			Problem:     problem,
			Excerpt:     excerpt(c.secrets.scrub(string(resp.body))),
		}
	}
	page := &Page{
		Source:     src,
		Offset:     offset,
		TotalCount: int(*answer.TotalCount),
		ItemCount:  len(answer.Item),
		Items:      answer.Item,
	}
	if answer.ItemCount != nil {
		page.ItemCount = int(*answer.ItemCount)
	}
	return page, nil
}

// Pages walks a list from startOffset, 20 messages a call, and yields each
// page. It stops after the page that reaches the latest total_count, after
// an empty page, or at the first error (yielded last). Messages added or
// removed during the walk move total_count and may shift items across page
// borders, so callers should de-duplicate with ItemID. A server that keeps
// growing the list cannot keep the walk going forever: it ends with an error
// after twice the pages the first total_count called for, plus some slack.
//
// WeChat API docs:
// https://developers.weixin.qq.com/doc/service/api/material/permanent/api_batchgetmaterial,
// https://developers.weixin.qq.com/doc/service/api/public/api_freepublish_batchget,
// https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Get_draft_list.html
func (c *Client) Pages(ctx context.Context, src archive.Source, startOffset int) iter.Seq2[*Page, error] {
	return func(yield func(*Page, error) bool) {
		offset := startOffset
		maxPages := 0
		for pages := 1; ; pages++ {
			page, err := c.ListPage(ctx, src, offset, MaxPageSize)
			if err != nil {
				yield(nil, err)
				return
			}
			if maxPages == 0 {
				remaining := max(0, page.TotalCount-startOffset)
				maxPages = 2*((remaining+MaxPageSize-1)/MaxPageSize) + 10
			}
			if !yield(page, nil) {
				return
			}
			// item_count is what moves the offset; zero (or a nonsense
			// negative) would ask for the same page again.
			if page.ItemCount <= 0 {
				return
			}
			offset += page.ItemCount
			if offset >= page.TotalCount {
				return
			}
			if pages >= maxPages {
				yield(nil, fmt.Errorf("wechat %s: stopped after %d pages at offset %d of %d: the list kept growing "+
					"during the run; run again to continue", ListEndpoint(src), pages, offset, page.TotalCount))
				return
			}
		}
	}
}

// getMaterial calls get_material: a file answer (image, voice, thumb) goes
// to sink as it arrives, at most limit bytes; a JSON answer (a news or
// video material) comes back in the response.
func (c *Client) getMaterial(ctx context.Context, mediaID string, limit int64, sink func(io.Reader, string) error) (*response, error) {
	if mediaID == "" {
		return nil, fmt.Errorf("wechat %s: empty media_id", pathGetMaterial)
	}
	body, err := encodeJSON(struct {
		MediaID string `json:"media_id"`
	}{mediaID})
	if err != nil {
		return nil, err
	}
	return c.api.send(ctx, &request{method: http.MethodPost, endpoint: pathGetMaterial, body: body, binary: true,
		sink: sink, fileLimit: limit})
}

// getMaterialFile streams the file material mediaID into sink; a JSON
// answer is no file, and fails.
func (c *Client) getMaterialFile(ctx context.Context, mediaID string, limit int64, sink func(io.Reader, string) error) error {
	resp, err := c.getMaterial(ctx, mediaID, limit, sink)
	if err != nil {
		return err
	}
	if !resp.streamed {
		return &ResponseError{Endpoint: pathGetMaterial, StatusCode: http.StatusOK, ContentType: resp.contentType,
			Problem: "a JSON answer instead of the file (is " + mediaID + " a news or video material?)",
			Excerpt: excerpt(c.secrets.scrub(string(resp.body))), gone: true}
	}
	return nil
}
