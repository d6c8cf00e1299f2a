package wechattest

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// chinaZone is WeChat's clock: days (and quotas) turn over at midnight here.
var chinaZone = time.FixedZone("CST", 8*60*60)

// The eras of a generated account (§5): news materials stop before the
// 2022-02-28 switch to the draft box, published items start after it.
var (
	newsEraStart      = time.Date(2015, 6, 1, 9, 0, 0, 0, chinaZone)
	newsEraEnd        = time.Date(2022, 2, 27, 21, 0, 0, 0, chinaZone)
	publishedEraStart = time.Date(2022, 3, 1, 9, 0, 0, 0, chinaZone)
	publishedEraEnd   = time.Date(2025, 12, 30, 21, 0, 0, 0, chinaZone)
	draftEraStart     = time.Date(2025, 6, 1, 9, 0, 0, 0, chinaZone)
	draftEraEnd       = time.Date(2026, 1, 20, 21, 0, 0, 0, chinaZone)
)

// generator writes an account from a seed. Every random choice goes through
// r in a fixed order, which is what makes the account byte-identical per seed.
type generator struct {
	r    *rand.Rand
	acct *account
	// shared images recur in many articles (a banner, a QR code, a divider),
	// as they do in real accounts, so media dedupe by hash gets exercised.
	shared []imageRef
	// links are earlier articles, for inner links between articles.
	links         []articleLink
	contentImages []imageRef // non-shared content images, candidates for MissingImages
	thumbSeq      int
}

type articleLink struct{ url, title string }

type imageRef struct {
	id     string
	prefix string // CDN path prefix: mmbiz_png, mmbiz_jpg, …
	wxFmt  string // the wx_fmt query value; "" means none
	size   string // last path segment: 0 (original) or 640
	extra  string // further query, e.g. "&from=appmsg"
}

func (im imageRef) url() string {
	u := "https://" + mmbizHost + "/" + im.prefix + "/" + im.id + "/" + im.size
	if im.wxFmt != "" {
		u += "?wx_fmt=" + im.wxFmt + im.extra
	}
	return u
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func (g *generator) chars(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

func (g *generator) hex(n int) string { return g.chars(n, "0123456789abcdef") }

func (g *generator) mediaID() string {
	return g.acct.idPrefix + g.chars(22, idAlphabet+"-_")
}

// imageID imitates mmbiz ids, long base62 runs with the "ic"/"ib" pairs that
// come from their escaping.
func (g *generator) imageID() string {
	var b strings.Builder
	for b.Len() < 62 {
		b.WriteString(g.chars(4+g.r.IntN(8), idAlphabet))
		b.WriteString([]string{"ic", "ib", "ia", "iaib"}[g.r.IntN(4)])
	}
	return b.String()
}

// imageMix is the mix of image formats seen in real articles (§8.1):
// mostly png and jpeg, some gif and svg, and some whose wx_fmt hides the
// type so the client has to sniff. A draw below a row's percentile (of
// 100) and at or above the previous row's takes that row.
var imageMix = []struct {
	below         int
	prefix, wxFmt string
}{
	{42, "mmbiz_png", "png"},
	{76, "mmbiz_jpg", "jpeg"},
	{80, "mmbiz_jpg", "jpg"},
	{86, "mmbiz_gif", "gif"},
	{90, "mmbiz_svg", "svg"},
	{96, "mmbiz_png", "other"},
	{100, "mmbiz", ""},
}

// newImage picks a format from imageMix.
func (g *generator) newImage() imageRef {
	im := imageRef{id: g.imageID(), size: "640"}
	p := g.r.IntN(100)
	for _, f := range imageMix {
		if p < f.below {
			im.prefix, im.wxFmt = f.prefix, f.wxFmt
			break
		}
	}
	if g.r.IntN(3) == 0 {
		im.prefix = "sz_" + im.prefix
		if im.prefix == "sz_mmbiz" {
			im.prefix = "mmbiz"
		}
	}
	if im.wxFmt != "" && g.r.IntN(3) == 0 {
		im.extra = "&from=appmsg"
	}
	if g.r.IntN(5) == 0 {
		im.size = "0"
	}
	return im
}

// register makes the image servable under its final URL.
func (g *generator) register(im imageRef) imageRef {
	g.acct.registerImages(im.url())
	return im
}

func (g *generator) contentImage() imageRef {
	if g.r.IntN(8) == 0 {
		return g.shared[g.r.IntN(len(g.shared))]
	}
	im := g.register(g.newImage())
	g.contentImages = append(g.contentImages, im)
	return im
}

// generate builds the account for opts. It runs once, in New; 5,000
// articles take well under a second.
func generate(opts Options) *account {
	r := rand.New(rand.NewPCG(uint64(opts.Seed), 0x6d70617263686976))
	g := &generator{r: r}
	bizNum := 3000000000 + r.Int64N(999999999)
	g.acct = newAccount(base64.StdEncoding.EncodeToString([]byte(strconv.FormatInt(bizNum, 10))), g.chars(21, idAlphabet+"-_"))
	for range 6 {
		im := g.newImage()
		im.prefix, im.wxFmt, im.extra = "mmbiz_png", "png", ""
		g.shared = append(g.shared, g.register(im))
	}
	g.acct.registerImages(mdniceDots)

	total := max(opts.Articles, 0)
	newsPercent := 55
	if opts.NewsPercent > 0 {
		newsPercent = min(opts.NewsPercent, 100)
	}
	newsArticles := total * newsPercent / 100
	drafts := opts.Drafts
	if drafts == 0 {
		drafts = total / 10
	}
	drafts = max(drafts, 0)

	g.messages(SourceNews, newsArticles, newsEraStart, newsEraEnd)
	g.messages(SourcePublished, total-newsArticles, publishedEraStart, publishedEraEnd)
	g.messages(SourceDrafts, drafts, draftEraStart, draftEraEnd)

	if n := min(opts.MissingImages, len(g.contentImages)); n > 0 {
		step := len(g.contentImages) / n
		for i := range n {
			im := g.contentImages[i*step]
			g.acct.missing[im.id] = im.url()
		}
	}
	return g.acct
}

// messageSize draws how many articles one message holds: most are single,
// the rest 2–8 for news (§2) and up to 4 for later sources.
func (g *generator) messageSize(src Source, left int) int {
	n := 1
	if g.r.IntN(100) < 40 {
		if src == SourceNews {
			n = 2 + g.r.IntN(7)
		} else if g.r.IntN(3) == 0 {
			n = 2 + g.r.IntN(3)
		}
	}
	return min(n, left)
}

func (g *generator) messages(src Source, articles int, from, to time.Time) {
	if articles == 0 {
		return
	}
	// Spread messages evenly with jitter so dates look like a posting habit.
	estimate := max(articles*10/25, 1)
	if src != SourceNews {
		estimate = max(articles*10/12, 1)
	}
	span := to.Sub(from)
	step := span / time.Duration(estimate+1)
	at := from
	for left := articles; left > 0; {
		n := g.messageSize(src, left)
		left -= n
		at = at.Add(step/2 + time.Duration(g.r.Int64N(int64(step)+1)))
		if at.After(to) {
			at = to.Add(-time.Duration(g.r.IntN(3600)) * time.Second)
		}
		created := at.Unix()
		updated := created
		if g.r.IntN(4) == 0 {
			updated += int64(g.r.IntN(3 * 86400))
		}
		m := &message{source: src, created: created, updated: updated}
		if src == SourcePublished {
			m.id = g.chars(43, idAlphabet+"-_")
		} else {
			m.id = g.mediaID()
		}
		mid := g.acct.nextMid
		g.acct.nextMid++
		for i := range n {
			m.items = append(m.items, g.item(src, mid, i+1, n, updated))
		}
		g.acct.addMessage(m)
	}
	g.acct.sortList(src)
}

func (g *generator) item(src Source, mid int64, idx, of int, updated int64) *item {
	it := &item{
		title:              g.title(),
		author:             pick(g.r, authors),
		showCoverPic:       g.r.IntN(2),
		needOpenComment:    g.r.IntN(2),
		onlyFansCanComment: 0,
	}
	if g.r.IntN(7) == 0 {
		it.author = ""
	}
	if src != SourceNews && g.r.IntN(5) > 0 {
		it.needOpenComment = 1
	}
	if it.needOpenComment == 1 && g.r.IntN(4) == 0 {
		it.onlyFansCanComment = 1
	}
	content, text := g.content()
	it.content = content
	// Only a single-article message has a digest (§2); published items get
	// the first 54 characters of the body when the author left it empty (§4.1).
	if idx == 1 && of == 1 && g.r.IntN(8) > 0 {
		it.digest = pick(g.r, digests)
	}
	if src == SourcePublished && it.digest == "" {
		it.digest = firstRunes(text, 54)
	}
	if g.r.IntN(5) == 0 {
		it.contentSourceURL = pick(g.r, sourceURLs)
	}
	it.url = g.articleURL(src, mid, idx)
	if src == SourcePublished && g.r.IntN(30) == 0 {
		it.deleted = true
	}
	if src != SourceDrafts {
		g.links = append(g.links, articleLink{it.url, it.title})
	}
	g.cover(it, updated)
	return it
}

// cover gives the article a thumb material; a few reuse an earlier one, as
// accounts do with a standing column cover.
func (g *generator) cover(it *item, updated int64) {
	if len(g.acct.thumbs) > 0 && g.r.IntN(20) == 0 {
		t := g.acct.thumbs[g.r.IntN(len(g.acct.thumbs))]
		it.thumbMediaID, it.thumbURL = t.mediaID, t.url
		return
	}
	g.thumbSeq++
	id := g.imageID()
	t := &thumb{
		mediaID: g.mediaID(),
		name:    fmt.Sprintf("cover_%04d.jpg", g.thumbSeq),
		imageID: id,
		url:     imageRef{id: id, prefix: "mmbiz_jpg", wxFmt: "jpeg", size: "0"}.url(),
		updated: updated,
	}
	g.acct.addThumb(t)
	it.thumbMediaID, it.thumbURL = t.mediaID, t.url
}

// articleURL writes the mp.weixin.qq.com link in its real form (§2): http,
// __biz+mid+idx identifying the article, sn and chksm signatures. Drafts get
// a temporary preview link with a tempkey instead.
func (g *generator) articleURL(src Source, mid int64, idx int) string {
	if src == SourceDrafts {
		return "http://mp.weixin.qq.com/s?__biz=" + g.acct.biz + "&tempkey=" + g.chars(120, idAlphabet) + "%3D%3D&chksm=" + g.hex(108) + "#rd"
	}
	base := int64(100000001)
	if src == SourcePublished {
		base = 2247483649
	}
	return fmt.Sprintf("http://mp.weixin.qq.com/s?__biz=%s&mid=%d&idx=%d&sn=%s&chksm=%s#rd",
		g.acct.biz, base+mid, idx, g.hex(32), g.hex(108))
}

// title draws an ordinary title most of the time and now and then one that
// breaks naive slug, path or YAML code.
func (g *generator) title() string {
	if g.r.IntN(25) == 0 {
		return pick(g.r, hostileTitles)
	}
	switch g.r.IntN(4) {
	case 0:
		return pick(g.r, titleLeads) + "：" + pick(g.r, titleTopics)
	case 1:
		return pick(g.r, titleTopics) + " | " + pick(g.r, titleTails)
	case 2:
		return pick(g.r, englishTitles)
	default:
		return pick(g.r, titleTopics)
	}
}

func pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

func firstRunes(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for range n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}
