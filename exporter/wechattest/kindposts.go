package wechattest

import (
	"encoding/base64"
	"fmt"
	"html"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// generatePagePosts writes Options.PicturePosts, TextPosts, SharePosts and
// VideoPosts page-only posts, from their own random stream, so that the
// lists and the mass-sent articles stay byte-identical per seed whatever
// these counts are.
func generatePagePosts(acct *account, opts Options) {
	counts := []struct {
		kind PostKind
		n    int
	}{{KindPicture, opts.PicturePosts}, {KindText, opts.TextPosts}, {KindShare, opts.SharePosts}, {KindVideo, opts.VideoPosts}}
	var kinds []PostKind
	for _, c := range counts {
		for range max(c.n, 0) {
			kinds = append(kinds, c.kind)
		}
	}
	if len(kinds) == 0 || opts.Demo {
		return
	}
	g := &generator{r: rand.New(rand.NewPCG(uint64(opts.Seed), 0x6b696e6473)), acct: acct}
	for range 2 {
		im := g.newImage()
		im.prefix, im.wxFmt, im.extra = "mmbiz_png", "png", ""
		g.shared = append(g.shared, g.register(im))
	}
	// Texts link the account's own articles now and then, as people do.
	for _, m := range acct.published {
		if len(g.links) == 8 {
			break
		}
		g.links = append(g.links, articleLink{m.items[0].url, m.items[0].title})
	}
	g.r.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	at := time.Date(2023, 6, 1, 9, 0, 0, 0, chinaZone)
	for n, kind := range kinds {
		at = at.Add(time.Duration(30+g.r.IntN(400)) * time.Hour)
		mid := acct.nextMid
		acct.nextMid++
		it := &item{author: "", needOpenComment: 1}
		it.url = g.articleURL(SourcePublished, mid, 1)
		it.kind = kind
		it.plainJS = g.r.IntN(2) == 0
		if g.r.IntN(4) == 0 {
			it.album = pick(g.r, albumTitles)
		}
		switch kind {
		case KindPicture:
			g.picturePost(it)
		case KindText:
			g.textPost(it)
		case KindShare:
			g.sharePost(it, at)
		case KindVideo:
			g.videoPost(it)
		}
		m := &message{source: SourcePublished, id: fmt.Sprintf("pagepost-%d", n+1), created: at.Unix(), updated: at.Unix(), items: []*item{it}}
		acct.pagePosts = append(acct.pagePosts, m)
	}
}

// postText writes the text of a picture, text or video post: a few short
// paragraphs separated by blank lines, as people type them in the app.
func (g *generator) postText(paragraphs int) string {
	var ps []string
	for range paragraphs {
		var t strings.Builder
		g.paragraphText(&t)
		ps = append(ps, t.String())
	}
	return strings.Join(ps, "\n\n")
}

// cover registers a JPEG cover for a page-only post (not an image material:
// page-only posts are not in the API).
func (g *generator) pageCover() string {
	im := imageRef{id: g.imageID(), prefix: "mmbiz_jpg", wxFmt: "jpeg", size: "0"}
	g.register(im)
	return im.url()
}

func (g *generator) picturePost(it *item) {
	it.title = pick(g.r, pictureTitles)
	it.text = g.postText(1 + g.r.IntN(4))
	n := 1 + g.r.IntN(9)
	for range n {
		im := g.newImage()
		if im.wxFmt != "png" && im.wxFmt != "jpeg" {
			im.prefix, im.wxFmt = "mmbiz_jpg", "jpeg"
		}
		im.prefix = strings.TrimPrefix(im.prefix, "sz_")
		if im.prefix == "mmbiz" {
			im.prefix = "mmbiz_png"
		}
		im.size, im.extra = "0", "&from=appmsg"
		g.register(im)
		it.pictures = append(it.pictures, picture{imageID: im.id, url: im.url()})
	}
	// Some texts refer to a picture by number, in the markup WeChat keeps
	// (w08), or link an earlier article.
	if n > 1 && g.r.IntN(3) == 0 {
		seq := 1 + g.r.IntN(n)
		it.text += fmt.Sprintf("\n\n%s<a class=\"wx_img_refer_link\" data-seq=\"%d\" data-refer=\"图%d\" style=\"\">图%d</a>", pick(g.r, chineseSentences), seq, seq, seq)
	}
	if len(g.links) > 0 && g.r.IntN(4) == 0 {
		it.text += "\n\n" + articleTextLink(g.links[g.r.IntN(len(g.links))])
	}
	it.thumbURL = g.pageCover()
	g.acct.registerImages(watermarkURL(it))
	it.digest = firstRunes(it.text, 54)
}

// articleTextLink is a link to an article inside a post's text, in the
// markup WeChat keeps in content_noencode (w08): href HTML-escaped.
func articleTextLink(l articleLink) string {
	target := strings.Replace(strings.TrimSuffix(l.url, "#rd"), "http://", "https://", 1)
	if i := strings.Index(target, "&chksm="); i > 0 {
		target = target[:i]
	}
	return fmt.Sprintf(`<a href="%s&amp;scene=21#wechat_redirect" class="normal_text_link mp_article_text_link" target="_blank" data-itemshowtype="0">%s</a>`,
		html.EscapeString(target), wxEscape(l.title))
}

func (g *generator) textPost(it *item) {
	it.text = g.postText(1 + g.r.IntN(4))
	if g.r.IntN(3) == 0 {
		it.text += "\n" + pick(g.r, sourceURLs)
	}
	it.userTitle = g.r.IntN(3) == 0
	if it.userTitle {
		it.title = pick(g.r, titleTopics)
	} else {
		it.title = it.text
	}
}

func (g *generator) sharePost(it *item, at time.Time) {
	orig, sh := g.original(at)
	it.share = sh
	it.title, it.author, it.digest, it.content = orig.title, orig.author, orig.digest, orig.content
	it.thumbURL = orig.thumbURL
	if g.r.IntN(2) == 0 {
		sh.note = g.postText(1)
	}
}

// original writes another account's article for a share to point at,
// filed in acct.originals so its page is served (for --follow-shares).
func (g *generator) original(before time.Time) (*item, *shareInfo) {
	bizNum := 2000000000 + g.r.Int64N(999999999)
	biz := base64.StdEncoding.EncodeToString([]byte(strconv.FormatInt(bizNum, 10)))
	name := pick(g.r, foreignAccounts)
	created := before.Add(-time.Duration(1+g.r.IntN(72)) * time.Hour)
	content, text := g.content()
	orig := &item{
		title: g.title(), author: pick(g.r, authors), content: content,
		digest: firstRunes(text, 54), needOpenComment: 1,
		postInfo: postInfo{nickname: name, original: true},
	}
	if strings.ContainsAny(orig.title, "\n") {
		orig.title = pick(g.r, titleTopics)
	}
	orig.url = fmt.Sprintf("http://mp.weixin.qq.com/s?__biz=%s&mid=%d&idx=1&sn=%s&chksm=%s#rd",
		biz, 2247480000+g.r.Int64N(99999), g.hex(32), g.hex(108))
	orig.thumbURL = g.pageCover()
	g.acct.originals = append(g.acct.originals, &message{
		source: SourcePublished, id: "original-" + strconv.Itoa(len(g.acct.originals)+1),
		created: created.Unix(), updated: created.Unix(), items: []*item{orig},
	})
	// The card shows the account's avatar, the one its own pages show
	// (registerPageMedia serves it).
	userName, _, head, _ := accountIDs(biz)
	return orig, &shareInfo{
		original: orig, platform: name, sourceBiz: biz, sourceUser: userName,
		headImg: head, desc: pick(g.r, digests),
	}
}

func (g *generator) videoPost(it *item) {
	it.title = pick(g.r, titleTopics)
	it.text = g.postText(1)
	it.thumbURL = g.pageCover()
	vid := fmt.Sprintf("wxv_%d", 3000000000000000000+g.r.Int64N(999999999999999999))
	it.video = &videoInfo{vid: vid, file: "1070_" + g.hex(32) + ".f10002.mp4", seconds: 20 + g.r.IntN(600), coverURL: it.thumbURL}
	it.digest = firstRunes(it.text, 54)
}

// generateNewspic adds Options.Newspic picture posts to the API lists, from
// their own random stream: published items and drafts in turn, each with
// article_type newspic, its text as content and its pictures as permanent
// image materials (image_info.image_list).
func generateNewspic(acct *account, opts Options) {
	if opts.Newspic <= 0 || opts.Demo {
		return
	}
	g := &generator{r: rand.New(rand.NewPCG(uint64(opts.Seed), 0x6e657773706963)), acct: acct}
	at := publishedEraStart.Add(36 * time.Hour)
	for n := range opts.Newspic {
		at = at.Add(time.Duration(100+g.r.IntN(2000)) * time.Hour)
		if at.After(publishedEraEnd) {
			at = publishedEraEnd.Add(-time.Duration(n) * time.Hour)
		}
		src := SourcePublished
		if n%2 == 1 {
			src = SourceDrafts
		}
		mid := acct.nextMid
		acct.nextMid++
		it := &item{title: pick(g.r, pictureTitles), needOpenComment: 1, showCoverPic: 0}
		it.kind = KindPicture
		it.plainJS = g.r.IntN(2) == 0
		it.text = g.postText(1 + g.r.IntN(3))
		it.content = it.text
		it.url = g.articleURL(src, mid, 1)
		if src == SourcePublished {
			it.digest = firstRunes(it.text, 54)
		}
		for k := range 1 + g.r.IntN(6) {
			g.thumbSeq++
			t := &thumb{
				mediaID: g.mediaID(),
				name:    fmt.Sprintf("newspic_%03d_%d.jpg", n+1, k+1),
				imageID: g.imageID(),
				updated: at.Unix(),
			}
			t.url = imageRef{id: t.imageID, prefix: "mmbiz_jpg", wxFmt: "jpeg", size: "0"}.url()
			acct.addThumb(t)
			it.pictures = append(it.pictures, picture{imageID: t.imageID, mediaID: t.mediaID, url: t.url + "&from=appmsg"})
		}
		it.thumbMediaID, it.thumbURL = it.pictures[0].mediaID, strings.TrimSuffix(it.pictures[0].url, "&from=appmsg")
		acct.registerImages(watermarkURL(it))
		m := &message{source: src, created: at.Unix(), updated: at.Unix(), items: []*item{it}}
		if src == SourcePublished {
			m.id = g.chars(43, idAlphabet+"-_")
		} else {
			m.id = g.mediaID()
		}
		acct.addMessage(m)
		acct.sortList(src)
	}
}

var pictureTitles = []string{
	"周末随手拍", "今天的咖啡拉花", "书桌一角", "雨后的胡同", "旧书摊淘到的几本书",
	"新工位", "下班路上的晚霞", "这周读完的三本书", "手冲器具全家福", "Weekend snapshots",
}

var albumTitles = []string{"周末随拍", "读书笔记", "慢读技术周刊"}

// foreignAccounts are the other (fictional) accounts whose articles shares
// point at.
var foreignAccounts = []string{"一周进步", "旧书店日记", "码农的自留地", "Tea & TCP"}
