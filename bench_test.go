package main

import (
	"bytes"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/mparchive/mparchive/exporter"
	"github.com/mparchive/mparchive/exporter/wechattest"
)

// BenchmarkExport2000 exports 2,000 articles from the fake API answering
// every request (API and images) after 20 ms, as a distant server would,
// and reports articles/s and the peak heap and RSS.
//
//	go test -run '^$' -bench Export2000 -benchtime 1x .
func BenchmarkExport2000(b *testing.B) {
	const articles = 2000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		srv, err := wechattest.NewServer(wechattest.Options{Articles: articles, Drafts: -1, Seed: 1, Latency: 20 * time.Millisecond, Host: fakeHost})
		if err != nil {
			b.Fatal(err)
		}
		dir := b.TempDir()
		peak := watchHeap()
		b.StartTimer()
		start := time.Now()
		sum, res, err := exportWith(b, srv, dir, "bench-secret", nil, exporter.FetchOptions{})
		elapsed := time.Since(start)
		b.StopTimer()
		heap := peak()
		srv.Close()
		if err != nil {
			b.Fatal(err)
		}
		if res.Articles != articles || len(sum.FailedMedia) != 0 {
			b.Fatalf("exported %d articles with %d failed images", res.Articles, len(sum.FailedMedia))
		}
		b.ReportMetric(float64(articles)/elapsed.Seconds(), "articles/s")
		b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MB")
		if mb, ok := maxRSSMB(); ok {
			b.ReportMetric(mb, "max-RSS-MB")
		}
		b.ReportMetric(float64(sum.ImagesDownloaded), "images")
	}
}

// watchHeap samples the heap in use until the returned func is called,
// which returns the highest value seen.
func watchHeap() func() uint64 {
	var (
		mu   sync.Mutex
		max  uint64
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			mu.Lock()
			if ms.HeapInuse > max {
				max = ms.HeapInuse
			}
			mu.Unlock()
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return max
	}
}

// BenchmarkNoChangeRerun5000 times the run a daily cron job makes most
// days: `mparchive export` of a 5,000-article account already archived,
// nothing new upstream. It fails if that run calls anything but the token
// and one list page per source, or writes any file.
//
//	go test -run '^$' -bench NoChangeRerun5000 -benchtime 3x .
func BenchmarkNoChangeRerun5000(b *testing.B) {
	srv, err := wechattest.NewServer(wechattest.Options{Articles: 5000, Drafts: -1, Seed: 2})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	b.Setenv("MPARCHIVE_APPID", "wx1")
	b.Setenv("MPARCHIVE_SECRET", "s")
	dir := b.TempDir()
	export := func() {
		var stderr bytes.Buffer
		if code := run(b.Context(), []string{"export", "--api-base", srv.URL(), "-o", dir, "--quiet"}, io.Discard, &stderr); code != exitOK {
			b.Fatalf("export: exit %d\n%s", code, stderr.String())
		}
	}
	start := time.Now()
	export()
	b.Logf("first export of 5,000 articles: %s", time.Since(start).Round(time.Millisecond))
	calls := srv.Stats()
	before := treeDigest(b, dir)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		export()
	}
	b.StopTimer()
	for path, st := range srv.Stats() {
		n := st.Calls - calls[path].Calls
		switch path {
		case wechattest.PathStableToken:
		case wechattest.PathBatchGetMaterial, wechattest.PathFreePublishList:
			if n != b.N {
				b.Errorf("%s: %d calls in %d runs", path, n, b.N)
			}
		default:
			if n != 0 {
				b.Errorf("%s: %d calls on no-change runs", path, n)
			}
		}
	}
	diffTrees(b, before, treeDigest(b, dir))
}
