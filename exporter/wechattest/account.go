package wechattest

import (
	"cmp"
	"slices"
	"strings"

	"github.com/mparchive/mparchive/internal/lazyregexp"
)

// Source names the API list a message belongs to. The values match the
// project's source names so test output reads the same on both sides.
type Source string

// The three lists.
const (
	SourceNews      Source = "news"      // material/batchget_material type=news
	SourcePublished Source = "published" // freepublish/batchget
	SourceDrafts    Source = "drafts"    // draft/batchget
)

// mmbizHost is the host generated content and thumb URLs are written with.
// Responses swap it (plain and URL-encoded, http and https) for the server's
// own base URL, so stored content stays independent of the port the server
// happened to get and reads like real content when inspected.
const mmbizHost = "mmbiz.qpic.cn"

// message is one listed item: a news material, a published item or a draft,
// each holding 1–8 articles.
type message struct {
	source  Source
	id      string // media_id, or article_id for published
	items   []*item
	created int64 // Unix seconds; published items have none in the API
	updated int64
}

// item is one article inside a message, in the API's own terms.
type item struct {
	title, author, digest, content string
	contentSourceURL, url          string
	thumbMediaID, thumbURL         string
	showCoverPic, needOpenComment  int
	onlyFansCanComment             int
	deleted                        bool
	postInfo                       // the post's kind and what its page shows beyond the article (kinds.go)
}

// thumb is a permanent image material: every cover is one, as WeChat requires
// a permanent thumb_media_id for news and drafts.
type thumb struct {
	mediaID string
	name    string
	imageID string
	url     string // on mmbizHost
	updated int64
}

// account is the whole upstream state. It is only touched under Server.mu.
type account struct {
	biz       string
	idPrefix  string // media ids of one account share a prefix, as in the samples
	news      []*message
	published []*message
	drafts    []*message
	thumbs    []*thumb
	byID      map[string]*message
	thumbByID map[string]*thumb
	// images maps a CDN image id to its real encoding; ids not here are 404.
	images map[string]imageFormat
	// missing maps ids that content references but the host answers 404
	// for, to one URL (on mmbizHost) that references them.
	missing map[string]string
	// voices is the set of voice file ids content names (voice.go).
	voices  map[string]bool
	nextMid int64
	// pagePosts are page-only posts of the newer kinds (picture, text,
	// share, video), oldest first; originals are the other accounts'
	// articles that shares point at, reachable only as pages (kinds.go).
	pagePosts []*message
	originals []*message
}

func newAccount(biz, prefix string) *account {
	return &account{
		biz:       biz,
		idPrefix:  prefix,
		byID:      make(map[string]*message),
		thumbByID: make(map[string]*thumb),
		images:    make(map[string]imageFormat),
		missing:   make(map[string]string),
		voices:    make(map[string]bool),
	}
}

func (a *account) list(src Source) []*message {
	switch src {
	case SourceNews:
		return a.news
	case SourcePublished:
		return a.published
	default:
		return a.drafts
	}
}

func (a *account) setList(src Source, l []*message) {
	switch src {
	case SourceNews:
		a.news = l
	case SourcePublished:
		a.published = l
	default:
		a.drafts = l
	}
}

// add files a message and keeps its list newest first. WeChat does not
// document the order (§2); newest-first by update_time is what users see in
// the MP console, and it means an edit moves a message to the front, which a
// pager must survive.
func (a *account) add(m *message) {
	for _, it := range m.items {
		a.registerMedia(it.content)
		a.registerImages(it.thumbURL)
	}
	a.addMessage(m)
	a.sortList(m.source)
}

// addMessage files a message whose images are already registered, which
// spares the generator a regexp pass over megabytes of its own output. The
// caller sorts the list once it has added everything.
func (a *account) addMessage(m *message) {
	a.byID[m.id] = m
	a.setList(m.source, append(a.list(m.source), m))
}

func (a *account) sortList(src Source) {
	slices.SortStableFunc(a.list(src), func(x, y *message) int {
		if c := cmp.Compare(y.updated, x.updated); c != 0 {
			return c
		}
		return strings.Compare(x.id, y.id)
	})
}

func (a *account) addThumb(t *thumb) {
	a.thumbs = append(a.thumbs, t)
	a.thumbByID[t.mediaID] = t
	a.images[t.imageID] = formatJPEG
}

func (a *account) remove(id string) bool {
	m, ok := a.byID[id]
	if !ok {
		return false
	}
	delete(a.byID, id)
	a.setList(m.source, slices.DeleteFunc(a.list(m.source), func(x *message) bool { return x == m }))
	return true
}

// imageURLPattern finds CDN image references in content, whatever the
// surrounding markup (data-src, src, background-image, data-cover encoded).
var imageURLPattern = lazyregexp.New(`mmbiz\.(?:qpic|qlogo)\.cn(?:/|%2F)((?:sz_)?mmbiz(?:_[a-z]+)?)(?:/|%2F)([A-Za-z0-9_\-]+)`)

// registerImages makes every image the content references servable, so hand
// written and edited content needs no separate image list. The format comes
// from the path prefix; legacy "mmbiz/" paths get one derived from the id.
func (a *account) registerImages(content string) {
	for _, m := range imageURLPattern.FindAllStringSubmatch(content, -1) {
		id := m[2]
		if _, known := a.images[id]; known {
			continue
		}
		f, ok := formatFromPrefix(m[1])
		if !ok {
			f = formatPNG
			if len(id)%2 == 0 {
				f = formatJPEG
			}
		}
		a.images[id] = f
	}
}

func (a *account) articleCount(src Source) int {
	n := 0
	for _, m := range a.list(src) {
		n += len(m.items)
	}
	return n
}
