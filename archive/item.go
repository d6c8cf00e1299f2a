package archive

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// rawItem is one element of item[] in a batchget response, for any of the
// three list sources: they share this shape but for the id key.
type rawItem struct {
	MediaID   string `json:"media_id"`
	ArticleID string `json:"article_id"`
	Content   struct {
		NewsItem   []NewsItem `json:"news_item"`
		CreateTime FlexInt    `json:"create_time"`
		UpdateTime FlexInt    `json:"update_time"`
	} `json:"content"`
	UpdateTime FlexInt `json:"update_time"`
	// Page is what the urls source adds; items it stored before news
	// items had PageFields name the account only here.
	Page struct {
		AccountName string `json:"account_name"`
	} `json:"page"`
}

// NewsItem is one article of an item's news_item, as the API lists it and
// as the urls source writes one from a page, in that field order (the
// stored JSON of a page does not change from one version to the next).
type NewsItem struct {
	Title              string   `json:"title"`
	Author             string   `json:"author"`
	Digest             string   `json:"digest"`
	Content            string   `json:"content"`
	ContentSourceURL   string   `json:"content_source_url"`
	ThumbMediaID       string   `json:"thumb_media_id"`
	ShowCoverPic       FlexInt  `json:"show_cover_pic"`
	URL                string   `json:"url"`
	ThumbURL           string   `json:"thumb_url"`
	NeedOpenComment    FlexInt  `json:"need_open_comment"`
	OnlyFansCanComment FlexInt  `json:"only_fans_can_comment"`
	IsDeleted          FlexBool `json:"is_deleted"`
	// ArticleType is "newspic" for a picture post in the API (draft/get,
	// draft/batchget, freepublish): its content is then text and its
	// pictures are listed in ImageInfo.
	ArticleType string     `json:"article_type,omitempty"`
	ImageInfo   *ImageInfo `json:"image_info,omitempty"`
	PageFields
}

// ImageInfo is image_info of a picture post: the API names each picture by
// the media_id of an image material; the urls source, which reads pages,
// by URL and size.
type ImageInfo struct {
	ImageList []ImageListItem `json:"image_list,omitempty"`
}

// ImageListItem is one picture of ImageInfo.
type ImageListItem struct {
	ImageMediaID string `json:"image_media_id,omitempty"`
	ImageURL     string `json:"image_url,omitempty"`
	Width        int    `json:"width,omitempty"`
	Height       int    `json:"height,omitempty"`
}

// PageFields are what an article's page tells beyond the API's fields. The
// urls source stores them in its items' news_item, beside the API's keys.
type PageFields struct {
	AccountName string `json:"account_name,omitempty"`
	AccountID   string `json:"account_id,omitempty"`
	// ItemShowType is the page's item_show_type: 0 article, 5 video,
	// 8 picture, 10 text; others are kept and marked (ShowTypePost).
	ItemShowType int `json:"item_show_type,omitempty"`
	// CopyrightStat is 1 for 原创, 2 for a share of another account's
	// article.
	CopyrightStat int `json:"copyright_stat,omitempty"`
	// Paid is is_pay_subscribe: a paid article.
	Paid bool `json:"paid,omitempty"`
	// Share is set for a share (CopyrightStat 2) that names its original.
	Share *Share `json:"share,omitempty"`
	// VideoIDs are the video ids of a video post (wxv_…).
	VideoIDs []string `json:"video_ids,omitempty"`
}

// Values of PageFields.ItemShowType and CopyrightStat.
const (
	ShowTypeArticle = 0
	ShowTypeVideo   = 5
	ShowTypePicture = 8
	ShowTypeText    = 10

	CopyrightOriginal = 1
	CopyrightShare    = 2
)

// FlexInt is an integer WeChat sends as a JSON number or as a numeric
// string, by endpoint (draft/batchget's create_time is a string, the other
// lists' a number) and by the SDK or proxy that passed it along; a backup
// must not fail on either. null and "" read as 0, spaces around the digits
// are ignored, and a whole number written as 3.0 or 1e3 is that number;
// a fraction or a word is an error.
type FlexInt int64

func (n *FlexInt) UnmarshalJSON(data []byte) error {
	text := bytes.TrimSpace(data)
	if string(text) == "null" {
		*n = 0
		return nil
	}
	if len(text) > 0 && text[0] == '"' {
		var s string
		if err := json.Unmarshal(text, &s); err != nil {
			return err
		}
		text = []byte(strings.TrimSpace(s))
		if len(text) == 0 {
			*n = 0
			return nil
		}
	}
	v, err := strconv.ParseInt(string(text), 10, 64)
	if err != nil {
		// Exactly representable whole floats only: beyond 2^53 a float
		// no longer names one integer.
		f, ferr := strconv.ParseFloat(string(text), 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return fmt.Errorf("not an integer: %s", data)
		}
		v = int64(f)
	}
	*n = FlexInt(v)
	return nil
}

// FlexBool is a boolean WeChat sends as true/false, 0/1 or their string
// forms.
type FlexBool bool

func (f *FlexBool) UnmarshalJSON(b []byte) error {
	switch string(bytes.Trim(bytes.TrimSpace(b), `"`)) {
	case "true", "1":
		*f = true
	case "false", "0", "", "null":
		*f = false
	default:
		return fmt.Errorf("not a boolean: %s", b)
	}
	return nil
}

// ItemID reads the id of a raw list item: article_id for published items
// (and URL items, stored in their shape),
// media_id for the others.
func ItemID(src Source, raw []byte) (string, error) {
	var it struct {
		MediaID   string `json:"media_id"`
		ArticleID string `json:"article_id"`
	}
	if err := json.Unmarshal(raw, &it); err != nil {
		return "", fmt.Errorf("%s item: %w", src, err)
	}
	id := it.MediaID
	if src == Published || src == URLs {
		id = it.ArticleID
	}
	if id == "" {
		return "", fmt.Errorf("%s item without an id", src)
	}
	return id, nil
}

// ItemUpdateTime reads update_time of a raw list item, the field incremental
// runs compare to decide whether an item changed.
func ItemUpdateTime(raw []byte) (int64, error) {
	var it rawItem
	if err := json.Unmarshal(raw, &it); err != nil {
		return 0, err
	}
	if it.UpdateTime == 0 {
		return int64(it.Content.UpdateTime), nil
	}
	return int64(it.UpdateTime), nil
}

// DecodeItem turns one raw list item into its articles, in message order.
func DecodeItem(src Source, raw []byte) ([]Article, error) {
	var it rawItem
	if err := json.Unmarshal(raw, &it); err != nil {
		return nil, fmt.Errorf("%s item: %w", src, err)
	}
	// The id comes from the same parse: a second one cost a fifth of a
	// build's decoding.
	id := it.MediaID
	if src == Published || src == URLs {
		id = it.ArticleID
	}
	if id == "" {
		return nil, fmt.Errorf("%s item without an id", src)
	}
	update := int64(it.UpdateTime)
	if update == 0 {
		update = int64(it.Content.UpdateTime)
	}
	arts := make([]Article, 0, len(it.Content.NewsItem))
	for i, n := range it.Content.NewsItem {
		a := Article{
			Source:             src,
			ItemID:             id,
			Index:              i + 1,
			Title:              n.Title,
			Author:             n.Author,
			Digest:             n.Digest,
			Content:            n.Content,
			ContentSourceURL:   n.ContentSourceURL,
			URL:                n.URL,
			ThumbMediaID:       n.ThumbMediaID,
			ThumbURL:           n.ThumbURL,
			ShowCoverPic:       int(n.ShowCoverPic),
			NeedOpenComment:    int(n.NeedOpenComment),
			OnlyFansCanComment: int(n.OnlyFansCanComment),
			Deleted:            bool(n.IsDeleted),
			CreateTime:         unixTime(int64(it.Content.CreateTime)),
			UpdateTime:         unixTime(update),
			AccountName:        n.AccountName,
			AccountID:          n.AccountID,
			Original:           n.CopyrightStat == CopyrightOriginal,
			Paid:               n.Paid,
		}
		if a.AccountName == "" {
			a.AccountName = it.Page.AccountName
		}
		if a.AccountID == "" {
			a.AccountID = bizOf(n.URL)
		}
		shapePost(&a, &n)
		arts = append(arts, a)
	}
	return arts, nil
}

func unixTime(sec int64) time.Time {
	if sec <= 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).In(ChinaTime)
}
