package wechattest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"strings"
	"testing"
)

// --- newspic items through the API ---

func TestNewspicItems(t *testing.T) {
	s := kindsServer(t, Options{Seed: 37, Articles: 10, Drafts: 2, Newspic: 4})
	tok := s.IssueToken()
	type newsItem struct {
		ArticleType  string `json:"article_type"`
		Title        string `json:"title"`
		Content      string `json:"content"`
		ThumbMediaID string `json:"thumb_media_id"`
		ThumbURL     string `json:"thumb_url"`
		URL          string `json:"url"`
		ImageInfo    *struct {
			ImageList []struct {
				ImageMediaID string `json:"image_media_id"`
			} `json:"image_list"`
		} `json:"image_info"`
	}
	var lists struct {
		Item []struct {
			Content struct {
				NewsItem []newsItem `json:"news_item"`
			} `json:"content"`
		} `json:"item"`
	}
	found := map[Source]int{}
	for _, src := range []Source{SourcePublished, SourceDrafts} {
		path := map[Source]string{SourcePublished: PathFreePublishList, SourceDrafts: PathDraftList}[src]
		if err := json.Unmarshal(post(t, s, path, tok, `{"offset":0,"count":20}`), &lists); err != nil {
			t.Fatal(err)
		}
		for _, it := range lists.Item {
			for _, n := range it.Content.NewsItem {
				if n.ArticleType != "newspic" {
					// Ordinary items: "news" on drafts, nothing on published ones.
					if want := map[Source]string{SourceDrafts: "news"}[src]; n.ArticleType != want || n.ImageInfo != nil {
						t.Errorf("%s %q: article_type %q", src, n.Title, n.ArticleType)
					}
					continue
				}
				found[src]++
				if n.ImageInfo == nil || len(n.ImageInfo.ImageList) == 0 || strings.ContainsAny(n.Content, "<>") || n.Content == "" {
					t.Fatalf("%s newspic %q: image_info %v, content %q", src, n.Title, n.ImageInfo, n.Content)
				}
				if n.ThumbMediaID != n.ImageInfo.ImageList[0].ImageMediaID {
					t.Errorf("%s newspic: thumb_media_id is not the first picture", src)
				}
				var pageDims [][2]int64
				if src == SourcePublished {
					// Its page is a picture post of the same pictures.
					_, page := getPage(t, s, ArticleLink(n.URL))
					cgi := readCgiData(t, page)
					if number(cgi["item_show_type"]) != 8 || str(cgi["content_noencode"]) != n.Content {
						t.Errorf("published newspic page is not a picture post")
					}
					for i := range n.ImageInfo.ImageList {
						p := get(cgi, "picture_page_info_list", i)
						pageDims = append(pageDims, [2]int64{number(get(p, "width")), number(get(p, "height"))})
					}
				}
				for i, img := range n.ImageInfo.ImageList {
					resp, raw := do(t, s, "POST", PathGetMaterial, tok, map[string]string{"media_id": img.ImageMediaID})
					if resp.Header.Get("Content-Type") != "image/jpeg" {
						t.Fatalf("get_material %s: %s %.100s", img.ImageMediaID, resp.Header.Get("Content-Type"), raw)
					}
					cfg, _, err := image.DecodeConfig(bytes.NewReader(raw))
					if err != nil {
						t.Fatal(err)
					}
					if pageDims != nil && (int64(cfg.Width) != pageDims[i][0] || int64(cfg.Height) != pageDims[i][1]) {
						t.Errorf("picture %d: material %dx%d, page %v", i, cfg.Width, cfg.Height, pageDims[i])
					}
				}
			}
		}
	}
	if found[SourcePublished] != 2 || found[SourceDrafts] != 2 {
		t.Errorf("newspic items: %v, want 2 published and 2 drafts", found)
	}
	// Their pictures are image materials, listed with the covers.
	_, images := call(t, s, "POST", PathBatchGetMaterial, tok, map[string]any{"type": "image", "offset": 0, "count": 20})
	names := fmt.Sprint(images["item"])
	if !strings.Contains(names, "newspic_001_1.jpg") {
		t.Errorf("newspic pictures not among image materials: %.300s", names)
	}
}
