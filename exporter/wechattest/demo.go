package wechattest

import (
	"cmp"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mparchive/mparchive/internal/lazyregexp"
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
	// Posts of the newer kinds (demoPosts).
	Kind         string     `yaml:"kind"`
	Slug         string     `yaml:"slug"`
	Text         string     `yaml:"text"`
	Pictures     int        `yaml:"pictures"`
	UserTitle    bool       `yaml:"user_title"`
	Dialect      string     `yaml:"dialect"`
	VideoSeconds int        `yaml:"video_seconds"`
	Share        *demoShare `yaml:"share"`
}

// demoShare is the original a demo share points at.
type demoShare struct {
	Account string `yaml:"account"`
	BizID   string `yaml:"biz_id"`
	Profile string `yaml:"profile"`
	Created string `yaml:"created"`
	Note    string `yaml:"note"`
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
		if dm.Source == sourcePages || dm.Articles[0].Kind != "" {
			if err := demoPosts(acct, mi, dm, created, updated); err != nil {
				return nil, fmt.Errorf("wechattest: demo message %d: %w", mi, err)
			}
			continue
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

// sourcePages marks demo messages that are page-only posts: in no API list.
const sourcePages Source = "pages"

// demoPosts files a demo message of the newer kinds: page-only picture,
// text, share and video posts, and newspic items in the API lists.
func demoPosts(acct *account, mi int, dm demoMessage, created, updated time.Time) error {
	m := &message{source: SourcePublished, created: created.Unix(), updated: updated.Unix()}
	if dm.Source != sourcePages {
		m.source = dm.Source
	}
	mid := 2247483648 + mi + 1
	for i, da := range dm.Articles {
		slug := cmp.Or(da.Slug, da.File)
		if slug == "" {
			return fmt.Errorf("article %d has neither slug nor file", i+1)
		}
		it := &item{title: da.Title, author: da.Author, digest: da.Digest, needOpenComment: 1}
		it.plainJS = da.Dialect == "plain"
		it.url = fmt.Sprintf("http://mp.weixin.qq.com/s?__biz=%s&mid=%d&idx=%d&sn=%s&chksm=%s#rd",
			acct.biz, mid, i+1, demoHex("sn:"+slug, 32), demoHex("chksm:"+slug, 108))
		it.text = demoText(acct, strings.TrimSpace(da.Text))
		cover := demoImage(acct, "cover:"+slug, "mmbiz_jpg", "jpeg", "")
		switch da.Kind {
		case "picture", "newspic":
			it.kind = KindPicture
			for k := range da.Pictures {
				prefix, format := "mmbiz_jpg", "jpeg"
				if k%3 == 1 && da.Kind == "picture" {
					prefix, format = "mmbiz_png", "png"
				}
				key := fmt.Sprintf("picture:%s:%d", slug, k+1)
				p := picture{imageID: "Demo" + demoID(key, 40)}
				p.url = demoImage(acct, key, prefix, format, "&from=appmsg")
				if da.Kind == "newspic" {
					// A newspic item's pictures are permanent image materials.
					t := &thumb{
						mediaID: acct.idPrefix + demoID("material:"+key, 22),
						name:    fmt.Sprintf("%s-%d.jpg", slug, k+1),
						imageID: p.imageID,
						url:     strings.TrimSuffix(p.url, "&from=appmsg"),
						updated: m.updated,
					}
					acct.addThumb(t)
					p.mediaID = t.mediaID
				}
				it.pictures = append(it.pictures, p)
			}
			if len(it.pictures) == 0 {
				return fmt.Errorf("%s: a picture post without pictures", slug)
			}
			acct.registerImages(watermarkURL(it))
			it.thumbURL = cover
			if da.Kind == "newspic" {
				it.content = it.text
				it.thumbMediaID, it.thumbURL = it.pictures[0].mediaID, strings.TrimSuffix(it.pictures[0].url, "&from=appmsg")
			}
			if it.digest == "" && m.source == SourcePublished {
				it.digest = firstRunes(it.text, 54)
			}
		case "text":
			it.kind = KindText
			it.userTitle = da.UserTitle
			if !it.userTitle {
				it.title = it.text
			}
		case "video":
			it.kind = KindVideo
			it.thumbURL = cover
			it.video = &videoInfo{vid: "wxv_" + demoDigits("vid:"+slug, 19), file: "1070_" + demoHex("video:"+slug, 32) + ".f10002.mp4",
				seconds: da.VideoSeconds, coverURL: cover}
		case "share":
			it.kind = KindShare
			if err := demoShared(acct, it, da, created); err != nil {
				return fmt.Errorf("%s: %w", slug, err)
			}
		default:
			return fmt.Errorf("%s: unknown kind %q", slug, da.Kind)
		}
		if it.kind != KindShare && it.kind != KindText && it.thumbURL == "" {
			it.thumbURL = cover
		}
		m.items = append(m.items, it)
		m.id = demoID("article:"+slug, 43)
		if dm.Source == sourcePages {
			m.id = "pagepost-" + slug
		}
	}
	if dm.Source == sourcePages {
		acct.pagePosts = append(acct.pagePosts, m)
		return nil
	}
	acct.add(m)
	return nil
}

// demoShared fills a share from its original's file and files the
// original, another account's article, in acct.originals.
func demoShared(acct *account, it *item, da demoArticle, created time.Time) error {
	sh := da.Share
	if sh == nil || da.File == "" {
		return fmt.Errorf("a share needs a share: block and the original's file")
	}
	body, err := demoFiles.ReadFile("demo/" + da.File)
	if err != nil {
		return err
	}
	origCreated := created.Add(-24 * time.Hour)
	if sh.Created != "" {
		if origCreated, err = time.ParseInLocation("2006-01-02 15:04", sh.Created, chinaZone); err != nil {
			return err
		}
	}
	biz := base64.StdEncoding.EncodeToString([]byte(sh.BizID))
	orig := &item{
		title: da.Title, author: da.Author, digest: da.Digest, content: strings.TrimSpace(string(body)),
		needOpenComment: 1, postInfo: postInfo{nickname: sh.Account, original: true},
		url: fmt.Sprintf("http://mp.weixin.qq.com/s?__biz=%s&mid=%d&idx=1&sn=%s&chksm=%s#rd",
			biz, 2247483700+len(acct.originals), demoHex("sn:original:"+da.File, 32), demoHex("chksm:original:"+da.File, 108)),
	}
	orig.thumbURL = demoImage(acct, "cover:original:"+da.File, "mmbiz_jpg", "jpeg", "")
	acct.registerImages(orig.content)
	acct.originals = append(acct.originals, &message{
		source: SourcePublished, id: "original-" + da.File, created: origCreated.Unix(), updated: origCreated.Unix(), items: []*item{orig},
	})
	userName, _, head, _ := accountIDs(biz)
	it.title, it.author, it.digest, it.content, it.thumbURL = orig.title, orig.author, orig.digest, orig.content, orig.thumbURL
	it.share = &shareInfo{original: orig, platform: sh.Account, sourceBiz: biz, sourceUser: userName, headImg: head, desc: sh.Profile, note: sh.Note}
	return nil
}

// demoImage registers a demo image and returns its URL (on mmbizHost).
func demoImage(acct *account, key, prefix, format, extra string) string {
	u := "https://" + mmbizHost + "/" + prefix + "/Demo" + demoID(key, 40) + "/0?wx_fmt=" + format + extra
	acct.registerImages(u)
	return u
}

// demoText expands a demo post's placeholders: {{图N}} is a reference to
// picture N and {{link:TITLE}} a link to the account's article of that
// title, both in the markup WeChat keeps in content_noencode (w08).
func demoText(acct *account, text string) string {
	return demoPlaceholder.ReplaceAllStringFunc(text, func(ph string) string {
		inner := ph[2 : len(ph)-2]
		if title, ok := strings.CutPrefix(inner, "link:"); ok {
			for _, list := range [][]*message{acct.news, acct.published} {
				for _, m := range list {
					for _, it := range m.items {
						if it.title == title {
							return articleTextLink(articleLink{it.url, it.title})
						}
					}
				}
			}
			return ph
		}
		n := strings.TrimPrefix(inner, "图")
		return fmt.Sprintf(`<a class="wx_img_refer_link" data-seq="%s" data-refer="图%s" style="">图%s</a>`, n, n, n)
	})
}

var demoPlaceholder = lazyregexp.New(`\{\{(?:图[0-9]+|link:[^}]+)\}\}`)

// demoDigits derives a string of n decimal digits from a key.
func demoDigits(key string, n int) string {
	var out strings.Builder
	for _, c := range demoHex(key, 2*n) {
		if out.Len() == n {
			break
		}
		if c >= '0' && c <= '9' {
			out.WriteRune(c)
		}
	}
	for out.Len() < n {
		out.WriteByte('7')
	}
	return out.String()
}
