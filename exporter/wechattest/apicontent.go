package wechattest

import (
	"cmp"
	"slices"
)

// --- paging shared by the three lists ---

type pageRequest struct {
	Type      string `json:"type"`
	Offset    int    `json:"offset"`
	Count     int    `json:"count"`
	NoContent any    `json:"no_content"`
}

// page checks offset/count (count must be 1–20, §2, §4.1) and cuts the page.
// The invalid-count code is our choice: WeChat documents the range but not
// the error, and 40097 "invalid args" is its generic parameter error.
func page[T any](list []T, offset, count int) ([]T, *apiError) {
	if count < 1 || count > 20 || offset < 0 {
		return nil, errf(40097, "invalid args")
	}
	if offset >= len(list) {
		return []T{}, nil
	}
	return list[offset:min(offset+count, len(list))], nil
}

// listPage answers a list call: the page of list that offset and count ask
// for, each entry written by item, with the counts WeChat's lists carry.
func listPage[T, I any](list []T, offset, count int, item func(T) I) (any, *apiError) {
	got, e := page(list, offset, count)
	if e != nil {
		return nil, e
	}
	out := listResponse[I]{Item: make([]I, len(got)), TotalCount: len(list), ItemCount: len(got)}
	for i, v := range got {
		out.Item[i] = item(v)
	}
	return out, nil
}

// newsItemJSON is one article in the field order of the real samples
// (testdata/). Content is a pointer so no_content can leave it out while an
// empty body still shows as "". IsDeleted appears on published items only;
// ThumbURL is left out where the source does not send it.
//
// ArticleType is "news" or "newspic" on drafts, whose documented response
// has it (draft/get; a25 shows it on a newspic draft), and "newspic" alone
// on published items: freepublish's documentation lists no article_type,
// and the real published and 2021 draft captures of ordinary articles
// carry none. News materials predate the field. ImageInfo is a newspic
// item's pictures, as permanent image materials (a25).
type newsItemJSON struct {
	ArticleType        string  `json:"article_type,omitempty"`
	Title              string  `json:"title"`
	Author             string  `json:"author"`
	Digest             string  `json:"digest"`
	Content            *string `json:"content,omitempty"`
	ContentSourceURL   string  `json:"content_source_url"`
	ThumbMediaID       string  `json:"thumb_media_id"`
	ShowCoverPic       int     `json:"show_cover_pic"`
	URL                string  `json:"url"`
	ThumbURL           string  `json:"thumb_url"`
	NeedOpenComment    int     `json:"need_open_comment"`
	OnlyFansCanComment int     `json:"only_fans_can_comment"`
	IsDeleted          *bool   `json:"is_deleted,omitempty"`
	ImageInfo          *struct {
		ImageList []imageListEntry `json:"image_list"`
	} `json:"image_info,omitempty"`
}

type imageListEntry struct {
	ImageMediaID string `json:"image_media_id"`
}

func newsItems(m *message, withContent bool) []newsItemJSON {
	out := make([]newsItemJSON, len(m.items))
	for i, it := range m.items {
		j := newsItemJSON{
			Title: it.title, Author: it.author, Digest: it.digest,
			ContentSourceURL: it.contentSourceURL, ThumbMediaID: it.thumbMediaID,
			ShowCoverPic: it.showCoverPic, URL: it.url, ThumbURL: it.thumbURL,
			NeedOpenComment: it.needOpenComment, OnlyFansCanComment: it.onlyFansCanComment,
		}
		if withContent {
			j.Content = &it.content
		}
		if m.source == SourcePublished {
			j.IsDeleted = &it.deleted
		}
		newspic := it.kind == KindPicture
		switch {
		case m.source == SourceDrafts && !newspic:
			j.ArticleType = "news"
		case newspic && m.source != SourceNews:
			j.ArticleType = "newspic"
			j.ImageInfo = &struct {
				ImageList []imageListEntry `json:"image_list"`
			}{}
			for _, p := range it.pictures {
				j.ImageInfo.ImageList = append(j.ImageInfo.ImageList, imageListEntry{p.mediaID})
			}
		}
		out[i] = j
	}
	return out
}

type contentWithTimes struct {
	NewsItem   []newsItemJSON `json:"news_item"`
	CreateTime int64          `json:"create_time"`
	UpdateTime int64          `json:"update_time"`
}

type mediaItem struct {
	MediaID    string           `json:"media_id"`
	Content    contentWithTimes `json:"content"`
	UpdateTime int64            `json:"update_time"`
}

type listResponse[T any] struct {
	Item       []T `json:"item"`
	TotalCount int `json:"total_count"`
	ItemCount  int `json:"item_count"`
}

// --- material (§2, §3) ---

func (s *Server) materialCount(request) (any, *apiError) {
	voices, videos := s.mediaMaterialCounts()
	return struct {
		Voice int `json:"voice_count"`
		Video int `json:"video_count"`
		Image int `json:"image_count"`
		News  int `json:"news_count"`
	}{voices, videos, len(s.acct.thumbs), len(s.acct.news)}, nil
}

type imageItem struct {
	MediaID    string `json:"media_id"`
	Name       string `json:"name"`
	UpdateTime int64  `json:"update_time"`
	URL        string `json:"url"`
}

func (s *Server) batchGetMaterial(req request) (any, *apiError) {
	var in pageRequest
	if e := decodeBody(req, &in); e != nil {
		return nil, e
	}
	switch in.Type {
	case "news":
		return listPage(s.acct.news, in.Offset, in.Count, func(m *message) mediaItem {
			return mediaItem{m.id, contentWithTimes{newsItems(m, true), m.created, m.updated}, m.updated}
		})
	case "image":
		thumbs := slices.Clone(s.acct.thumbs)
		slices.SortStableFunc(thumbs, func(a, b *thumb) int { return cmp.Compare(b.updated, a.updated) })
		return listPage(thumbs, in.Offset, in.Count, func(t *thumb) imageItem {
			return imageItem{t.mediaID, t.name, t.updated, t.url}
		})
	case "video", "voice":
		return s.listMediaMaterials(in.Type, in.Offset, in.Count)
	}
	return nil, errf(40004, "invalid media type")
}

// getMaterial answers a news material with JSON and an image material with
// its bytes, the split a client has to detect (§3.2).
func (s *Server) getMaterial(req request) (any, *apiError) {
	var in struct {
		MediaID string `json:"media_id"`
	}
	if e := decodeBody(req, &in); e != nil {
		return nil, e
	}
	if m := s.acct.byID[in.MediaID]; m != nil && m.source == SourceNews {
		return struct {
			NewsItem []newsItemJSON `json:"news_item"`
		}{newsItems(m, true)}, nil
	}
	if m := s.getMediaMaterial(in.MediaID); m != nil {
		return m, nil
	}
	if t := s.acct.thumbByID[in.MediaID]; t != nil {
		return &rawResponse{contentType: "image/jpeg", filename: t.name, body: s.images.get(t.imageID, formatJPEG)}, nil
	}
	return nil, errf(40007, "invalid media_id")
}

// --- free publish (§4.1) ---

type publishedItem struct {
	ArticleID string `json:"article_id"`
	Content   struct {
		NewsItem []newsItemJSON `json:"news_item"`
	} `json:"content"`
	UpdateTime int64 `json:"update_time"`
}

func (s *Server) freePublishList(req request) (any, *apiError) {
	var in pageRequest
	if e := decodeBody(req, &in); e != nil {
		return nil, e
	}
	return listPage(s.acct.published, in.Offset, in.Count, func(m *message) publishedItem {
		it := publishedItem{ArticleID: m.id, UpdateTime: m.updated}
		it.Content.NewsItem = newsItems(m, !truthy(in.NoContent))
		return it
	})
}

// --- drafts (§4.4) ---

func (s *Server) draftCount(request) (any, *apiError) {
	return struct {
		TotalCount int `json:"total_count"`
	}{len(s.acct.drafts)}, nil
}

func (s *Server) draftList(req request) (any, *apiError) {
	var in pageRequest
	if e := decodeBody(req, &in); e != nil {
		return nil, e
	}
	return listPage(s.acct.drafts, in.Offset, in.Count, func(m *message) mediaItem {
		return mediaItem{m.id, contentWithTimes{newsItems(m, !truthy(in.NoContent)), m.created, m.updated}, m.updated}
	})
}
