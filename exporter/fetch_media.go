package exporter

import (
	"context"
	"strings"
	"sync"

	"github.com/mparchive/mparchive/archive"
)

// mediaKeys lists the media an article needs (archive.ArticleMedia: its
// cover, images and voices), the same list the outputs copy from.
func mediaKeys(a *archive.Article) []string {
	var keys []string
	for _, m := range archive.ArticleMedia(a) {
		keys = append(keys, m.Key)
	}
	return keys
}

// downloadAll stores every key the archive lacks, Concurrency at a time.
// Failures are recorded in the state for the next run, never returned: one
// broken image must not stop a backup.
func (f *fetcher) downloadAll(ctx context.Context, keys []string) {
	wait, _ := f.startDownloads(ctx, keys)
	wait()
}

// startDownloads is downloadAll without the wait: it returns at once, with
// a func that waits for these downloads. A source lists its next page while
// the images of the last one come in; all downloads of the run share the
// Concurrency slots. n is how many downloads it started.
func (f *fetcher) startDownloads(ctx context.Context, keys []string) (wait func(), n int) {
	var todo []string
	f.mu.Lock()
	for _, k := range keys {
		// One picture under several spellings is one key: downloaded
		// once, from its canonical URL.
		k = archive.MediaKey(k)
		if _, done := f.tried[k]; done {
			continue
		}
		// The keys the archive holds are told apart by the archive's
		// marks, a bit each; only the others take room in tried.
		if known, first := f.arch.MeetMedia(k); known {
			if first {
				f.sum.ImagesReused++
			}
			continue
		}
		f.tried[k] = struct{}{}
		if _, gone := f.state.Unavailable[k]; gone && !f.opts.Full {
			f.sum.KnownUnavailable++
			continue
		}
		todo = append(todo, k)
	}
	f.imagesPlan += len(todo)
	f.mu.Unlock()

	var wg sync.WaitGroup
	wg.Add(1) // the dispatcher, so Wait cannot pass before it has added the rest
	go func() {
		defer wg.Done()
		for _, k := range todo {
			select {
			case f.slots <- struct{}{}:
			case <-ctx.Done():
				f.mu.Lock()
				for _, left := range todo {
					if _, ok := f.arch.Media(left); !ok {
						delete(f.tried, left)
					}
				}
				f.mu.Unlock()
				return
			}
			wg.Add(1)
			go func() {
				// The slot is the network's: it is given back as soon
				// as the file is in, and the next download starts
				// while this one is checked and filed.
				release := sync.OnceFunc(func() { <-f.slots })
				defer func() { release(); wg.Done() }()
				f.download(ctx, k, release)
			}()
		}
	}()
	return wg.Wait, len(todo)
}

// download stores one media key and records how it went; received is
// fetchMedia's.
func (f *fetcher) download(ctx context.Context, k string, received func()) {
	_, err := f.dl.fetchMediaThen(ctx, f.arch, k, received)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.imagesDone++
	switch {
	case err == nil:
		f.sum.ImagesDownloaded++
		delete(f.state.Unavailable, k)
		// Met from now on in the archive's marks, which tried gives way
		// to: a later article showing it neither downloads it again nor
		// counts it as reused.
		if known, _ := f.arch.MeetMedia(k); known {
			delete(f.tried, k)
		}
	case ctx.Err() != nil:
		// Not a failure of the image: the run is stopping. Forget we
		// tried, so the next page or run tries again.
		delete(f.tried, k)
	case goneForGood(err):
		msg := redactError(err)
		delete(f.state.FailedMedia, k)
		if f.markUnavailable(k, MediaWhat(k), msg) {
			f.sum.UnavailableMedia[k] = msg
		} else {
			f.sum.KnownUnavailable++
		}
	default:
		msg := redactError(err)
		f.sum.FailedMedia[k] = msg
		f.state.FailedMedia[k] = msg
	}
	f.progress.ImagesDone, f.progress.ImagesPlanned = f.imagesDone, f.imagesPlan
	f.opts.Progress(f.progress)
	select {
	case f.downloaded <- struct{}{}:
	default:
	}
}

// listAhead is how many rounds of downloads (Concurrency each) may wait
// for a slot before a source stops listing ahead: enough to keep every
// slot busy through a list call and a checkpoint, few enough that the
// pages listed ahead stay a handful.
const listAhead = 16

// backlog is how many downloads of the run are queued or in flight.
func (f *fetcher) backlog() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.imagesPlan - f.imagesDone
}

// markUnavailable records in the state that key cannot be had, and
// reports whether that is news: a key found unavailable before keeps its
// record (and its day), so that it is reported once.
func (f *fetcher) markUnavailable(key, what, reason string) (isNew bool) {
	if _, known := f.state.Unavailable[key]; known {
		return false
	}
	f.state.Unavailable[key] = archive.Unavailable{What: what, Reason: reason, Since: archive.Day(f.opts.Now())}
	return true
}

// MediaWhat names what a media key is (image, voice, video, material,
// page), for the state and the summary.
func MediaWhat(key string) string {
	switch {
	case strings.HasPrefix(key, archive.MaterialKey("")):
		return "material"
	case strings.HasPrefix(key, archive.MaterialMediaKey(archive.VideoMaterial, "", "")):
		return "video"
	case strings.HasPrefix(key, "wechat-page:"):
		return "page"
	}
	if _, ok := archive.VoiceFileID(key); ok {
		return "voice"
	}
	return "image"
}

// itemsDone calls FetchOptions.ItemDone for ids, items of src whose
// downloads have ended.
func (f *fetcher) itemsDone(ctx context.Context, src archive.Source, ids []string) {
	if f.opts.ItemDone == nil {
		return
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return
		}
		f.opts.ItemDone(src, id)
	}
}
