package wechattest

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// The demo account is hand-written: a small tech-and-culture account
// ("慢读技术") whose articles are files in demo/, listed with their metadata
// in demo/messages.yaml. It is what `mparchive fake-api` serves for a demo
// and what screenshots and examples are made from, so it favours variety
// over volume: every kind of markup the converter handles appears at least
// once.
//
//go:embed demo/*.html demo/messages.yaml
var demoFiles embed.FS

type demoManifest struct {
	Nickname string        `yaml:"nickname"`
	BizID    string        `yaml:"biz_id"`
	Messages []demoMessage `yaml:"messages"`
}

type demoMessage struct {
	Source   Source        `yaml:"source"`
	Created  string        `yaml:"created"`
	Updated  string        `yaml:"updated"`
	Articles []demoArticle `yaml:"articles"`
}

type demoArticle struct {
	File      string `yaml:"file"`
	Title     string `yaml:"title"`
	Author    string `yaml:"author"`
	Digest    string `yaml:"digest"`
	SourceURL string `yaml:"source_url"`
	Deleted   bool   `yaml:"deleted"`
}

// demoAccount builds the demo account. Ids and signatures are derived from
// file names, so they are stable across runs and releases.
func demoAccount() (*account, error) {
	raw, err := demoFiles.ReadFile("demo/messages.yaml")
	if err != nil {
		return nil, err
	}
	var man demoManifest
	if err := yaml.Unmarshal(raw, &man); err != nil {
		return nil, fmt.Errorf("wechattest: demo/messages.yaml: %w", err)
	}
	biz := base64.StdEncoding.EncodeToString([]byte(man.BizID))
	acct := newAccount(biz, "Dm0SlowReadTech_2016A")
	for mi, dm := range man.Messages {
		created, err := time.ParseInLocation("2006-01-02 15:04", dm.Created, chinaZone)
		if err != nil {
			return nil, fmt.Errorf("wechattest: demo message %d: %w", mi, err)
		}
		updated := created
		if dm.Updated != "" {
			if updated, err = time.ParseInLocation("2006-01-02 15:04", dm.Updated, chinaZone); err != nil {
				return nil, fmt.Errorf("wechattest: demo message %d: %w", mi, err)
			}
		}
		first := dm.Articles[0].File
		m := &message{source: dm.Source, created: created.Unix(), updated: updated.Unix()}
		if dm.Source == SourcePublished {
			m.id = demoID("article:"+first, 43)
		} else {
			m.id = acct.idPrefix + demoID("media:"+first, 22)
		}
		for i, da := range dm.Articles {
			body, err := demoFiles.ReadFile("demo/" + da.File)
			if err != nil {
				return nil, err
			}
			it := &item{
				title: da.Title, author: da.Author, digest: da.Digest,
				content:          strings.TrimSpace(string(body)),
				contentSourceURL: da.SourceURL, deleted: da.Deleted,
				showCoverPic: i % 2, needOpenComment: 1,
			}
			switch dm.Source {
			case SourceDrafts:
				it.url = "http://mp.weixin.qq.com/s?__biz=" + biz + "&tempkey=" + demoID("tempkey:"+da.File, 96) + "%3D%3D&chksm=" + demoHex("chksm:"+da.File, 108) + "#rd"
			default:
				mid := 100000000 + mi + 1
				if dm.Source == SourcePublished {
					mid = 2247483648 + mi + 1
				}
				it.url = fmt.Sprintf("http://mp.weixin.qq.com/s?__biz=%s&mid=%d&idx=%d&sn=%s&chksm=%s#rd",
					biz, mid, i+1, demoHex("sn:"+da.File, 32), demoHex("chksm:"+da.File, 108))
			}
			imageID := "Demo" + demoID("cover:"+da.File, 40)
			t := &thumb{
				mediaID: acct.idPrefix + demoID("thumb:"+da.File, 22),
				name:    strings.TrimSuffix(da.File, ".html") + ".jpg",
				imageID: imageID,
				url:     "https://" + mmbizHost + "/mmbiz_jpg/" + imageID + "/0?wx_fmt=jpeg",
				updated: m.updated,
			}
			acct.addThumb(t)
			it.thumbMediaID, it.thumbURL = t.mediaID, t.url
			m.items = append(m.items, it)
		}
		acct.add(m)
	}
	return acct, nil
}

// demoID derives an id-shaped string (URL-safe base64 alphabet) from a key.
func demoID(key string, n int) string {
	var out strings.Builder
	for i := 0; out.Len() < n; i++ {
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s#%d", key, i)))
		out.WriteString(strings.NewReplacer("-", "a", "_", "b").Replace(base64.RawURLEncoding.EncodeToString(sum[:])))
	}
	return out.String()[:n]
}

func demoHex(key string, n int) string {
	var out strings.Builder
	for i := 0; out.Len() < n; i++ {
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s#%d", key, i)))
		out.WriteString(hex.EncodeToString(sum[:]))
	}
	return out.String()[:n]
}
