package exporter

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sort"
	"strings"

	"github.com/mparchive/mparchive/archive"
)

// fetchSource pages through one source from its cursor.
func (f *fetcher) fetchSource(ctx context.Context, src archive.Source, ss *SourceSummary) error {
	saved, hadCursor := f.state.Sources[src]
	if hadCursor {
		copied := *saved
		saved = &copied
	}
	cur := f.state.Cursor(src)
	offset := 0
	resumed := cur.Incomplete
	if resumed {
		offset = cur.Offset
		f.opts.Logf("%s: resuming at offset %d, where an earlier run stopped", src, offset)
	}
	// A resumed listing goes to the end: the pages before its cursor were
	// stored by a run that may have stopped before the pages after it.
	mayStopEarly := !f.opts.Full && !resumed
	// The ids listed, by their hashes: a listing meets every item of the
	// account.
	seen := map[idHash]struct{}{}
	// Pages stops by itself at the end of the list, and when a list that
	// keeps growing would have it page forever.
	// A page is done when its images are: the cursor moves past it only
	// then. Meanwhile the next pages are listed and their images start,
	// as long as few downloads wait for a slot (listAhead): the downloads,
	// not the list calls, are what a run waits for.
	type inflight struct {
		start, end int
		done       chan struct{} // closed when its downloads are
		// changed is false for a page that stored nothing new: it is
		// not worth a checkpoint of its own (the run's last one records
		// where listing stopped), and a run that finds nothing new
		// must not rewrite the state.
		changed bool
		ids     []string // its items
	}
	var queue []*inflight // listed, images not all in, oldest first
	finish := func(p *inflight) error {
		<-p.done
		if err := ctx.Err(); err != nil {
			// The page's images are not all in: list it again next time.
			cur.Offset, cur.Incomplete = p.start, true
			return err
		}
		cur.Offset, cur.Incomplete = p.end, true
		// In order: a media key an earlier page started is in by now.
		f.itemsDone(ctx, src, p.ids)
		// The counts of the listing so far: progress and summary count
		// the same items.
		f.report(func(pr *Progress) {
			pr.Source, pr.Pages, pr.Items, pr.TotalItems = src, ss.Pages, ss.Items, ss.Total
		})
		if !p.changed {
			return nil
		}
		return f.pageDone()
	}
	// settle finishes the pages at the head of the queue whose images are
	// in, or, with all, every page. Once one fails, the rest are only
	// waited for: the cursor stays at the first page not done.
	settle := func(all bool) error {
		for len(queue) > 0 {
			p := queue[0]
			select {
			case <-p.done:
			default:
				if !all {
					return nil
				}
			}
			queue = queue[1:]
			if err := finish(p); err != nil {
				for _, q := range queue {
					<-q.done
				}
				queue = nil
				return err
			}
		}
		return nil
	}
	// stop ends the listing early: the pages in flight are finished first,
	// so the cursor and state say exactly what is stored.
	stop := func(err error) error {
		if ferr := settle(true); ferr != nil {
			return ferr
		}
		cur.Offset, cur.Incomplete = offset, true
		return err
	}
	for page, err := range f.client.Pages(ctx, src, offset) {
		if err != nil {
			if ss.Pages == 0 && refusedBy(src, err) {
				// Nothing was listed: leave the cursor as it was, or the
				// refusal would read as a listing to resume, and every
				// later run would plan quotas for it.
				if hadCursor && *saved != (archive.Cursor{}) {
					*cur = *saved
				} else {
					delete(f.state.Sources, src)
				}
				return err
			}
			return stop(err)
		}
		ss.Pages++
		cur.TotalCount = page.TotalCount
		ss.Total = page.TotalCount
		nothingNew := true
		var keys, ids []string
		for _, raw := range page.Items {
			id, err := archive.ItemID(src, raw)
			if err != nil {
				f.opts.Logf("%s: skipping an item at offset %d: %v", src, offset, err)
				continue
			}
			// Items shift when the account publishes or deletes during a
			// run; the same item may show up on two pages.
			if _, dup := seen[hashID(id)]; dup {
				continue
			}
			seen[hashID(id)] = struct{}{}
			arts, err := archive.DecodeItem(src, raw)
			if err != nil {
				f.opts.Logf("%s: skipping item %s: %v", src, id, err)
				continue
			}
			isNew, changed, err := f.store(src, id, raw)
			if err != nil {
				return stop(err)
			}
			ss.Items++
			ss.Articles += len(arts)
			ids = append(ids, id)
			switch {
			case isNew:
				ss.New++
				f.note(&f.sum.Added, &f.sum.added, arts)
			case changed:
				ss.Changed++
				f.note(&f.sum.Changed, &f.sum.changed, arts)
			}
			if isNew || changed {
				nothingNew = false
			}
			// Every item's media are checked, changed or not: a run killed
			// after storing an item may not have stored its images.
			for i := range arts {
				keys = append(keys, mediaKeys(&arts[i])...)
			}
		}
		f.report(func(pr *Progress) {
			pr.Source, pr.Pages, pr.Items, pr.TotalItems = src, ss.Pages, ss.Items, ss.Total
		})
		wait, downloads := f.startDownloads(ctx, keys)
		p := &inflight{start: offset, end: page.Offset + page.ItemCount, done: make(chan struct{}), changed: !nothingNew || downloads > 0, ids: ids}
		go func() { wait(); close(p.done) }()
		offset = p.end
		queue = append(queue, p)
		for {
			if err := settle(false); err != nil {
				return err
			}
			if len(queue) == 0 || f.backlog() <= listAhead*f.opts.Concurrency {
				break
			}
			select {
			case <-f.downloaded:
			case <-queue[0].done:
			}
		}
		if mayStopEarly && nothingNew && p.end < page.TotalCount {
			ss.Early = true
			break
		}
	}
	if err := settle(true); err != nil {
		return err
	}
	cur.Offset, cur.Incomplete = 0, false
	if !resumed && !ss.Early {
		// Only a listing from the first page to the last saw everything
		// that is still there.
		f.noticeRemovals(src, seen, ss)
	}
	if ss.New+ss.Changed+ss.Removed > 0 || cur.ListedOn == "" {
		cur.ListedOn = archive.Day(f.opts.Now())
	}
	return nil
}

// store writes one item and tells whether it is new or changed since the
// state's last checkpoint. The state, not the item files, is the measure:
// an item written by a run killed before its checkpoint still counts as
// new, so the page that holds it is not mistaken for old news.
func (f *fetcher) store(src archive.Source, id string, raw []byte) (isNew, changed bool, err error) {
	ut, err := archive.ItemUpdateTime(raw)
	if err != nil {
		return false, false, fmt.Errorf("%s item %s: %w", src, id, err)
	}
	wrote, err := f.arch.PutItem(src, raw)
	if err != nil {
		return false, false, fmt.Errorf("storing %s item %s: %w", src, id, err)
	}
	key := archive.ItemKey(src, id)
	f.mu.Lock()
	defer f.mu.Unlock()
	prev, known := f.state.Items[key]
	f.state.Items[key] = ut
	if _, wasRemoved := f.state.Removed[key]; wasRemoved {
		// Back upstream (an undone deletion, or a listing glitch).
		delete(f.state.Removed, key)
		changed = true
	}
	return !known, known && (wrote || prev != ut) || changed, nil
}

// idHash stands for an item id in the set of those a listing saw: half of
// its SHA-256, which no two ids share by chance.
type idHash [16]byte

func hashID(id string) idHash {
	sum := sha256.Sum256([]byte(id))
	return idHash(sum[:16])
}

// noticeRemovals marks the items of src that a complete listing did not
// show as removed upstream. They stay in the archive.
func (f *fetcher) noticeRemovals(src archive.Source, seen map[idHash]struct{}, ss *SourceSummary) {
	prefix := string(src) + "/"
	var gone []string
	f.mu.Lock()
	for key := range f.state.Items {
		id, ok := strings.CutPrefix(key, prefix)
		if !ok {
			continue
		}
		if _, listed := seen[hashID(id)]; listed {
			continue
		}
		if _, already := f.state.Removed[key]; already {
			continue
		}
		gone = append(gone, key)
	}
	sort.Strings(gone)
	today := archive.Day(f.opts.Now())
	lastSeen := f.state.Cursor(src).ListedOn
	if lastSeen == "" {
		lastSeen = today
	}
	for _, key := range gone {
		f.state.Removed[key] = archive.Removal{LastSeen: lastSeen, Noticed: today}
	}
	f.mu.Unlock()
	for _, key := range gone {
		ss.Removed++
		id := strings.TrimPrefix(key, prefix)
		arts, err := f.arch.LoadItem(src, id)
		if err != nil || len(arts) == 0 {
			noteChange(&f.sum.Removed, &f.sum.removed, Change{Key: key})
			continue
		}
		f.note(&f.sum.Removed, &f.sum.removed, arts)
	}
}

// note records arts in list, counted in n (see noteChange).
func (f *fetcher) note(list *[]Change, n *int, arts []archive.Article) {
	for i := range arts {
		if len(*list) >= MaxChanges {
			*n = max(*n, len(*list)) + len(arts) - i
			return
		}
		noteChange(list, n, Change{Key: arts[i].Key(), Title: arts[i].Title})
	}
}
