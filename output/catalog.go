package output

import (
	"context"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/convcache"
)

// catalog is the archive as one build sees it, decoded once: every
// article's metadata (without its body), which item holds it and a hash of
// its body. Dedupe, slugs, links between articles, pruning and the lists
// all work from it; only the conversion reads bodies again, and only those
// the conversion cache does not hold. Bodies are not kept: they are most
// of an archive, and memory must not grow with the account.
type catalog struct {
	a     *archive.Archive
	items []archive.ItemRef
	arts  []catArticle // every article of the archive, in walk order
	// sel indexes the articles the options select, in walk order, after
	// dedupe (see selectArticles).
	sel []int
}

// catArticle is one article of the catalog.
type catArticle struct {
	// enc is the metadata (Content ""), encoded (catalogmeta.go), or
	// full it when it cannot be; meta gives it, setMeta sets it. Once
	// the catalog is loaded the encoding lies in spill instead, n bytes
	// at off (catalogspill.go), when spill is not nil.
	enc   string
	full  *archive.Article
	spill *metaSpill
	off   int64
	n     uint32
	item  int32 // index in catalog.items
	// body is the SHA-256 of Content, conv that of what the layout
	// converts (bodySource), which is Content but for a few post kinds.
	body, conv [sha256.Size]byte
	bodyLen    int
}

// loadCatalog reads and decodes every item of the archive once, on all
// cores, in the order archive.Walk gives: source, item file name, index.
// A damaged item stops it with an error naming the item's file, as the
// walk does. l, when a bodySource, says what its conversion reads.
func loadCatalog(ctx context.Context, a *archive.Archive, l postLayout, procs int, cache *convcache.Cache) (*catalog, error) {
	refs, err := a.Items()
	if err != nil {
		return nil, err
	}
	st, err := a.LoadState()
	if err != nil {
		return nil, err
	}
	bs, _ := l.(bodySource)
	program := ""
	if cache != nil {
		if program, err = convcache.ProgramID(); err != nil {
			cache = nil
		}
	}
	perItem := make([][]catArticle, len(refs))
	errs := make([]error, len(refs))
	err = parallel(ctx, procs, len(refs), func(i int) error {
		ref := refs[i]
		raw, err := a.ReadItem(ref)
		if err != nil {
			errs[i] = err
			return nil
		}
		var (
			out []catArticle
			key convcache.Key
		)
		if cache != nil {
			key = itemCacheKey(program, ref.Source, bs != nil, raw)
			if v, ok := cache.Get(key); ok {
				out, _ = decodeCatArticles(v, int32(i))
			}
		}
		if out == nil {
			arts, err := archive.DecodeItem(ref.Source, raw)
			if err != nil {
				errs[i] = fmt.Errorf("%s: %w", filepath.Join("items", string(ref.Source), ref.File), err)
				return nil
			}
			out = make([]catArticle, len(arts))
			for j := range arts {
				art := &arts[j]
				c := &out[j]
				c.item = int32(i)
				c.body = sha256.Sum256([]byte(art.Content))
				c.conv = c.body
				c.bodyLen = len(art.Content)
				if bs != nil {
					if b := bs.body(art); b != art.Content {
						c.conv = sha256.Sum256([]byte(b))
					}
				}
				art.Content = ""
				c.setMeta(art)
			}
			if cache != nil {
				if v, ok := encodeCatArticles(out); ok {
					cache.Put(key, v)
				}
			}
		}
		for j := range out {
			art := out[j].meta()
			if r, ok := st.Removed[archive.ItemKey(ref.Source, art.ItemID)]; ok {
				art.Removed = &r
				out[j].setMeta(&art)
			}
		}
		perItem[i] = out
		return nil
	})
	if err != nil {
		return nil, err
	}
	n := 0
	for i, e := range errs {
		if e != nil {
			return nil, e
		}
		n += len(perItem[i])
	}
	c := &catalog{a: a, items: refs, arts: make([]catArticle, 0, n)}
	spill := newMetaSpill()
	for i, p := range perItem {
		for j := range p {
			p[j].moveTo(spill)
		}
		c.arts = append(c.arts, p...)
		perItem[i] = nil // the copy is the catalog's
	}
	return c, nil
}

// selectArticles picks the articles a build writes, as every writer must:
// each article once (dedupe, under its best copy, naming the others), the
// account filled in where the item names none, then the filter, drafts
// and the removed policy. It changes the metadata of the articles it
// passes the way outputs show them.
func (c *catalog) selectArticles(opts Options) error {
	dups := c.duplicates()
	acct, err := accountOf(c.a, opts)
	if err != nil {
		return err
	}
	c.sel = c.sel[:0]
	for i := range c.arts {
		meta := c.arts[i].meta()
		art := &meta
		if _, isCopy := dups.canonical[art.Key()]; isCopy {
			continue
		}
		// API items name no account: the archive's is theirs.
		acct.Fill(art)
		art.Aliases = dups.aliases[art.Key()]
		selected := opts.Filter.Match(art) && !(opts.noDrafts && isDraft(art))
		gone := art.Removed != nil || art.Deleted
		switch {
		case gone && opts.Removed == RemovedDrop:
			selected = false
		case selected && opts.Removed == RemovedKeep:
			// Shown like any other: the marks stay in the archive only.
			art.Removed, art.Deleted = nil, false
		}
		c.arts[i].setMeta(art)
		if selected {
			c.sel = append(c.sel, i)
		}
	}
	return nil
}

// bodies reads an item again and returns the articles it holds, bodies
// included; withBody takes one of them.
func (c *catalog) bodies(item int32) ([]archive.Article, error) {
	ref := c.items[item]
	raw, err := c.a.ReadItem(ref)
	if err != nil {
		return nil, err
	}
	arts, err := archive.DecodeItem(ref.Source, raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join("items", string(ref.Source), ref.File), err)
	}
	return arts, nil
}

// withBody returns the metadata of catalog article i with its body from
// arts (what bodies returned for its item).
func (c *catalog) withBody(i int, arts []archive.Article) (archive.Article, error) {
	ca := &c.arts[i]
	art := ca.meta()
	for j := range arts {
		if arts[j].Index == art.Index && arts[j].ItemID == art.ItemID {
			if sha256.Sum256([]byte(arts[j].Content)) != ca.body {
				break
			}
			art.Content = arts[j].Content
			return art, nil
		}
	}
	return art, fmt.Errorf("the archive changed during the build; run the build again")
}

// parallel calls fn(0) … fn(n-1) on up to procs goroutines and returns
// the first error by index, or ctx's. After an error or cancellation the
// calls not yet started are skipped.
func parallel(ctx context.Context, procs, n int, fn func(i int) error) error {
	if n == 0 {
		return ctx.Err()
	}
	procs = min(max(procs, 1), n)
	errs := make([]error, n)
	var (
		next   int
		mu     sync.Mutex
		failed bool
		wg     sync.WaitGroup
	)
	for range procs {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				stop := failed
				mu.Unlock()
				if i >= n || stop || ctx.Err() != nil {
					return
				}
				if err := fn(i); err != nil {
					errs[i] = err
					mu.Lock()
					failed = true
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}
