package output

import (
	"context"
	"crypto/sha256"
	"html"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mparchive/mparchive/archive"
)

// An export fetches, then builds; the fetch mostly waits on the network
// while the build spends most of its time converting bodies. A
// Preconverter uses the fetch's idle CPU: it converts each item as soon as
// the fetch has it and its media, with the build's own converter, into the
// conversion cache, so that the build that follows finds hits. The cache
// entry is exactly what the build would have stored (same key, same
// recorded questions and answers), and the build replays the answers
// before it uses one: an article whose images or links come out otherwise
// in the build simply misses and is converted there. Nothing in the output
// depends on whether pre-conversion ran.
//
// A link to another article of the account is answered with the page the
// build will most likely give that article: the slug the output's slug
// table holds for it, else its proposed slug (a collision or a filter
// makes the guess wrong, and the linking article a miss). The target must
// be known for that, and a listing comes newest first while links point
// back in time: an item linking to an article not seen yet waits, in a
// bounded list, until the fetch has brought it. Only layouts whose image
// links do not depend on the slug are pre-converted (hugo, hexo, zola);
// jekyll, markdown and the site are left to the build.
//
// Each article it converts (or finds in the cache) for an output that
// does not hold it yet also gets its folder staged: images linked, and
// the page where it lives in that folder, so that the build, which
// would otherwise create them, moves the folder into place with one
// rename (place_stage.go).
type Preconverter struct {
	a  *archive.Archive
	l  postLayout
	pl pageLinker
	// guess is unset when a filter may leave a link's target out of
	// the output: links to the archive are then left to the build.
	guess bool
	conv  *converter
	known map[string]string // the output's slug table: article key → slug

	jobs    chan itemJob
	stop    chan struct{}
	cancel  context.CancelFunc
	stopped sync.Once
	wg      sync.WaitGroup

	// Only the worker goroutine touches these.
	pages map[archive.Permalink]string // the predicted link to each article seen
	// claims maps the slugs proposed so far (slugKey) to the article
	// that proposed it first; unsure holds the articles whose slug the
	// build may suffix, for two proposed it.
	claims  map[string]claim
	unsure  map[archive.Permalink]bool
	waiting []waitingItem

	converted, hits, dropped atomic.Int64

	// out and format say where Start stages folders; st stages them,
	// in the worker.
	out, format string
	st          *stager
}

// claim is the article that proposed a slug: its permalink, or for one
// without, its key.
type claim struct {
	perm archive.Permalink
	key  string
}

type itemJob struct {
	src archive.Source
	id  string
}

// waitingItem is an item that links to articles the fetch has not
// brought yet.
type waitingItem struct {
	itemJob
	missing []archive.Permalink
}

const (
	// preconvertQueue bounds the items waiting for the worker: when it
	// falls behind, items are dropped (the build converts them) rather
	// than remembered, so memory does not grow with the account.
	preconvertQueue = 256
	// preconvertWaiting bounds the items waiting for a link target.
	preconvertWaiting = 1024
)

// NewPreconverter returns the pre-converter of a build into dir in format
// with opts, or nil when there is nothing it can do: no cache, a converter
// other than mparchive's own, or a format it does not pre-convert. A nil
// Preconverter's methods do nothing.
func NewPreconverter(a *archive.Archive, format, dir string, opts Options) *Preconverter {
	if opts.Cache == nil {
		return nil
	}
	opts = withDefaults(opts)
	var l postLayout
	switch format {
	case "hugo":
		l = hugoLayout{}
	default:
		for _, g := range generators {
			if g.name == format {
				l = g.layout(opts)
			}
		}
	}
	switch l.(type) {
	case hugoLayout, hexoLayout, zolaLayout:
	default:
		return nil
	}
	c := newConverter(a, opts, l, format)
	if c.cache == nil {
		return nil
	}
	known, err := loadSlugMap(dir)
	if err != nil {
		// The build will stop on it; guesses do no harm meanwhile.
		known = nil
	}
	pl, _ := l.(pageLinker)
	p := &Preconverter{a: a, l: l, pl: pl, guess: opts.Filter == nil, conv: c, known: known, out: dir, format: format,
		jobs: make(chan itemJob, preconvertQueue), stop: make(chan struct{}),
		pages: map[archive.Permalink]string{}, claims: map[string]claim{}, unsure: map[archive.Permalink]bool{}}
	// A slug the table gives an article is taken for any other.
	for k, slug := range known {
		p.claims[slugKey(slug)] = claim{key: k}
	}
	return p
}

// Start runs the worker, one goroutine, until Stop or until ctx ends.
func (p *Preconverter) Start(ctx context.Context) {
	if p == nil {
		return
	}
	ctx, p.cancel = context.WithCancel(ctx)
	p.st = newStager(p.a, p.out, p.format)
	p.wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-p.stop:
				return
			case j := <-p.jobs:
				p.preconvert(ctx, j, true)
			}
			// Between items, those whose link targets have come.
			for len(p.jobs) == 0 && ctx.Err() == nil {
				w, ok := p.nextReady()
				if !ok {
					break
				}
				p.preconvert(ctx, w, false)
			}
		}
	})
}

// Add queues an item for the worker; it never blocks, and drops the item
// when the queue is full or the worker stopped.
func (p *Preconverter) Add(src archive.Source, id string) {
	if p == nil {
		return
	}
	select {
	case <-p.stop:
		p.dropped.Add(1)
		return
	default:
	}
	select {
	case p.jobs <- itemJob{src, id}:
	default:
		p.dropped.Add(1)
	}
}

// Stop ends the worker after the article it is converting, if any, and
// returns when it has: the items still queued or waiting are left to the
// build.
func (p *Preconverter) Stop() {
	if p == nil {
		return
	}
	p.stopped.Do(func() {
		close(p.stop)
		if p.cancel != nil {
			p.cancel()
		}
	})
	p.wg.Wait()
	for {
		select {
		case <-p.jobs:
			p.dropped.Add(1)
		default:
			p.dropped.Add(int64(len(p.waiting)))
			p.waiting = nil
			return
		}
	}
}

// preconvert converts an item; with wait, an item that links to articles
// not seen yet waits for them instead of being left to the build.
func (p *Preconverter) preconvert(ctx context.Context, j itemJob, wait bool) {
	arts, err := p.a.LoadItem(j.src, j.id)
	if err != nil {
		return
	}
	for i := range arts {
		p.see(&arts[i])
	}
	var missing []archive.Permalink
	for i := range arts {
		missing = p.unseenTargets(arts[i].Content, missing)
	}
	if len(missing) > 0 {
		if wait && len(p.waiting) < preconvertWaiting {
			p.waiting = append(p.waiting, waitingItem{j, missing})
		} else {
			p.dropped.Add(1)
		}
		return
	}
	bs, _ := p.l.(bodySource)
	c := *p.conv
	c.links = p.bodyLink
	for i := range arts {
		if ctx.Err() != nil {
			return
		}
		art := &arts[i]
		// As loadCatalog makes it: the key is the build's.
		ca := catArticle{body: sha256.Sum256([]byte(art.Content)), bodyLen: len(art.Content)}
		ca.conv = ca.body
		if bs != nil {
			if b := bs.body(art); b != art.Content {
				ca.conv = sha256.Sum256([]byte(b))
			}
		}
		// The layouts pre-converted link images without the slug.
		link := func(name string) string { return p.l.imageLink(art, "", name) }
		imgs, body, hit := c.cached(art, &ca, link)
		if hit {
			p.hits.Add(1)
		} else {
			var err error
			if imgs, body, err = c.convert(art, &ca, link); err != nil {
				continue
			}
			p.converted.Add(1)
		}
		p.stage(art, imgs, body)
	}
}

// stage queues the folder of an article that the output does not hold
// yet (the slug table does not name it) for staging (place_stage.go).
func (p *Preconverter) stage(art *archive.Article, imgs *imagePlan, body articleBody) {
	if p.st == nil {
		return
	}
	if _, known := p.known[art.Key()]; known {
		return
	}
	files := imgs.sortedFiles()
	if !stageable(files) {
		return
	}
	j := stageJob{key: art.Key(), files: files}
	if name, ok := stagedPage(p.l); ok {
		// The page as the build makes it, from the catalog's article,
		// which has no body.
		meta := *art
		meta.Content = ""
		pi := pageImages{local: imgs.localURL}
		pi.Cover, pi.Images = imgs.coverAndImages(&meta)
		key, ok := pageInput{program: p.conv.program, art: &meta, imgs: pi, body: body.md}.key()
		if !ok {
			return
		}
		page, err := p.l.page(&meta, "", pi, body.md)
		if err != nil {
			return
		}
		j.pageName, j.page, j.pageKey = name, page, key
	} else if len(files) == 0 {
		return // no folder to stage (see stageArea.take)
	}
	p.st.stage(j)
}

// see notes the page an article will most likely have, for the links to
// it. Two articles proposing one slug make both unsure: which one the
// build suffixes depends on articles not all seen yet, so links to either
// are left to the build (a wrong guess costs it a conversion, whose entry
// then replaces the guess). A collision found after a link to one of the
// two was converted, or an article the build leaves out (removed
// upstream, with --removed drop), still makes a wrong guess: that article
// misses in the build.
func (p *Preconverter) see(art *archive.Article) {
	if p.pl == nil || !p.guess {
		return
	}
	perm, hasPerm := archive.ParsePermalink(art.URL)
	slug, known := p.known[art.Key()]
	if !known {
		slug = Slug(art)
		me := claim{key: art.Key()}
		if hasPerm {
			// Copies of one article (news and published) are one.
			me = claim{perm: perm}
		}
		sk := slugKey(slug)
		if first, ok := p.claims[sk]; !ok {
			p.claims[sk] = me
		} else if first != me {
			for _, c := range []claim{first, me} {
				if c.perm != (archive.Permalink{}) {
					p.unsure[c.perm] = true
					delete(p.pages, c.perm)
				}
			}
		}
	}
	if !hasPerm || p.unsure[perm] || !ValidSlug(slug) {
		return
	}
	page, _ := p.l.paths(art, slug)
	p.pages[perm] = p.pl.pageLink(page)
}

// bodyLink is the converter's LinkURL: bodyLink of the build, with the
// pages seen so far for the links map.
func (p *Preconverter) bodyLink(href string) string {
	if safeLink(href) == "" {
		return "#"
	}
	perm, ok := archive.ParsePermalink(html.UnescapeString(href))
	if !ok {
		return ""
	}
	return p.pages[perm]
}

// unseenTargets appends to missing the permalinks that body's links name
// and that no article seen so far has, or whose page is unsure. It reads href attributes only: a
// link it overlooks makes a miss at worst.
func (p *Preconverter) unseenTargets(body string, missing []archive.Permalink) []archive.Permalink {
	if p.pl == nil {
		return missing
	}
	for {
		i := strings.Index(body, `href="`)
		if i < 0 {
			return missing
		}
		body = body[i+len(`href="`):]
		end := strings.IndexByte(body, '"')
		if end < 0 {
			return missing
		}
		perm, ok := archive.ParsePermalink(html.UnescapeString(body[:end]))
		body = body[end:]
		if !ok {
			continue
		}
		if _, seen := p.pages[perm]; !seen {
			missing = append(missing, perm)
		}
	}
}

// nextReady takes from the waiting items one whose link targets have all
// been seen.
func (p *Preconverter) nextReady() (itemJob, bool) {
	for i := range p.waiting {
		w := &p.waiting[i]
		w.missing = deleteSeen(w.missing, p.pages)
		if len(w.missing) == 0 {
			j := w.itemJob
			p.waiting = append(p.waiting[:i], p.waiting[i+1:]...)
			return j, true
		}
	}
	return itemJob{}, false
}

func deleteSeen(perms []archive.Permalink, pages map[archive.Permalink]string) []archive.Permalink {
	out := perms[:0]
	for _, perm := range perms {
		if _, seen := pages[perm]; !seen {
			out = append(out, perm)
		}
	}
	return out
}
