package exporter

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter/wechattest"
)

// TestFetch_ItemDoneAfterItsMedia checks FetchOptions.ItemDone: every item
// a listing stores is reported once, and only when each of its media is in
// the archive (the fake fails none), so that work on it may start at once.
func TestFetch_ItemDoneAfterItsMedia(t *testing.T) {
	srv, c := startFake(t, wechattest.Options{Articles: 60, Drafts: 4, Seed: 61})
	noSleep := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	arch, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu      sync.Mutex
		done    = map[string]int{}
		unready []string
	)
	sum, err := Fetch(t.Context(), c, arch, FetchOptions{
		Sources:      []archive.Source{archive.News, archive.Published, archive.Drafts},
		Sleep:        noSleep,
		PageSleep:    noSleep,
		VoiceBaseURL: srv.URL(),
		ItemDone: func(src archive.Source, id string) {
			arts, err := arch.LoadItem(src, id)
			mu.Lock()
			defer mu.Unlock()
			key := archive.ItemKey(src, id)
			done[key]++
			if err != nil {
				t.Errorf("%s: %v", key, err)
				return
			}
			for i := range arts {
				for _, k := range mediaKeys(&arts[i]) {
					if _, ok := arch.Media(k); !ok {
						unready = append(unready, key+" "+k)
					}
				}
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.FailedMedia)+len(sum.UnavailableMedia) != 0 {
		t.Fatalf("the fake failed media: %v %v", sum.FailedMedia, sum.UnavailableMedia)
	}
	if len(unready) > 0 {
		t.Errorf("reported before its media were stored: %v", unready)
	}
	refs, err := arch.Items()
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) == 0 || len(done) != len(refs) {
		t.Errorf("%d items reported, the archive holds %d", len(done), len(refs))
	}
	for key, n := range done {
		if n != 1 {
			t.Errorf("%s reported %d times", key, n)
		}
	}
}
