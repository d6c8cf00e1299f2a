package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mparchive/mparchive/exporter"
	"github.com/mparchive/mparchive/exporter/wechattest"
)

// BenchmarkExport2000 runs `mparchive export` of 2,000 articles (Hugo,
// with a cold conversion cache in a temp folder) from the fake API
// answering every request (API and images) after 20 ms, as a distant
// server would, and compares the time with the network minimum: the API
// calls one after the other (a list page needs the offset the last one
// ended at) plus the downloads 8 at a time (FetchOptions.Concurrency),
// each one latency long. It reports the export's and the fetch's multiple
// of that minimum, the time of each half, articles/s and the peak heap and
// RSS.
//
//	go test -run '^$' -bench Export2000 -benchtime 1x .
func BenchmarkExport2000(b *testing.B) {
	const (
		articles = 2000
		latency  = 20 * time.Millisecond
		parallel = 8 // exporter.FetchOptions' default Concurrency
	)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		srv, err := wechattest.NewServer(wechattest.Options{Articles: articles, Drafts: -1, Seed: 1, Latency: latency})
		if err != nil {
			b.Fatal(err)
		}
		// The fake shares the client's cores: its images are encoded
		// before the clock starts, as a CDN's are.
		srv.WarmImages()
		dir := b.TempDir()
		config := filepath.Join(dir, "config.yaml")
		if err := os.WriteFile(config, []byte("appid: wx1\nsecret: bench-secret\n"), 0o600); err != nil {
			b.Fatal(err)
		}
		out := filepath.Join(dir, "site")
		args := []string{"export", "--config", config, "--api-base", srv.URL(), "-o", out,
			"--format", "hugo", "--cache-dir", filepath.Join(dir, "cache"), "--quiet"}
		var stderr bytes.Buffer
		var fetched time.Duration
		peak := watchHeap()
		b.StartTimer()
		start := time.Now()
		exportFetched = func() { fetched = time.Since(start) }
		code := run(b.Context(), args, io.Discard, &stderr)
		elapsed := time.Since(start)
		b.StopTimer()
		exportFetched = nil
		heap := peak()
		stats := srv.Stats()
		srv.Close()
		if code != exitOK {
			b.Fatalf("export exited with %d: %s", code, stderr.String())
		}
		var rec buildRecord
		if raw, err := os.ReadFile(buildRecordPath(out, "hugo")); err != nil || json.Unmarshal(raw, &rec) != nil || rec.Articles != articles {
			b.Fatalf("exported %d articles, want %d (%v)", rec.Articles, articles, err)
		}
		sequential, downloads := networkCalls(stats)
		minimum := time.Duration(sequential+(downloads+parallel-1)/parallel) * latency
		b.ReportMetric(elapsed.Seconds()/minimum.Seconds(), "x-network-min")
		b.ReportMetric(fetched.Seconds()/minimum.Seconds(), "fetch-x-network-min")
		b.ReportMetric(minimum.Seconds(), "network-min-s")
		b.ReportMetric(fetched.Seconds(), "fetch-s")
		b.ReportMetric((elapsed - fetched).Seconds(), "build-s")
		b.ReportMetric(float64(articles)/elapsed.Seconds(), "articles/s")
		b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MB")
		if mb, ok := maxRSSMB(); ok {
			b.ReportMetric(mb, "max-RSS-MB")
		}
		b.ReportMetric(float64(downloads), "downloads")
		b.ReportMetric(float64(sequential), "api-calls")
	}
}

// networkCalls splits what the fake received into the calls a fetch makes
// one after the other (the API: token, counts, quotas, list pages) and the
// downloads it runs in parallel (images, voices, videos, materials by
// media_id, article pages).
func networkCalls(stats map[string]wechattest.PathStats) (sequential, downloads int) {
	for path, st := range stats {
		if strings.HasPrefix(path, "/cgi-bin/") && path != wechattest.PathGetMaterial {
			sequential += st.Calls
		} else {
			downloads += st.Calls
		}
	}
	return sequential, downloads
}

// BenchmarkFetchPeakRSS runs `mparchive fetch` of a 2,000- and a
// 10,000-article account, each in a child process of its own, and reports
// each child's peak resident memory and how much more the larger account
// took: a fetch's memory should not grow with the account.
//
//	go test -run '^$' -bench FetchPeakRSS -benchtime 1x .
func BenchmarkFetchPeakRSS(b *testing.B) {
	if raceEnabled {
		b.Skip("under the race detector the child's memory is mostly the detector's")
	}
	for i := 0; i < b.N; i++ {
		var rss [2]float64
		for j, articles := range []int{2000, 10000} {
			rss[j] = fetchChildRSS(b, articles)
		}
		b.ReportMetric(rss[0], "RSS-2000-MB")
		b.ReportMetric(rss[1], "RSS-10000-MB")
		b.ReportMetric(100*(rss[1]/rss[0]-1), "growth-%")
	}
}

// fetchChildRSS fetches an account of n articles from a fresh fake into a
// fresh archive in a child process and returns the child's peak RSS in MiB.
func fetchChildRSS(b *testing.B, n int) float64 {
	b.Helper()
	b.StopTimer()
	srv, err := wechattest.NewServer(wechattest.Options{Articles: n, Drafts: -1, Seed: 3,
		// A large account lists past the daily quotas of a new one.
		Quotas: map[string]int{wechattest.PathBatchGetMaterial: 0, wechattest.PathFreePublishList: 0}})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	var stderr bytes.Buffer
	dir := b.TempDir()
	peakFile := filepath.Join(dir, "peak-rss")
	cmd := exec.Command(os.Args[0], "fetch", "--api-base", srv.URL(), "--archive", filepath.Join(dir, "archive"), "--quiet")
	cmd.Env = append(os.Environ(), childEnv+"=1", "MPARCHIVE_APPID=wx1", "MPARCHIVE_SECRET=s", "MPARCHIVE_CONFIG=", peakRSSEnv+"="+peakFile)
	cmd.Stderr = &stderr
	b.StartTimer()
	err = cmd.Run()
	b.StopTimer()
	if err != nil {
		b.Fatalf("fetch of %d articles: %v\n%s", n, err, stderr.String())
	}
	rss, ok := readPeakRSSMB(peakFile)
	if !ok {
		b.Skip("no peak RSS of a process of its own on this platform")
	}
	return rss
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

// BenchmarkBuildVersusHugo measures `mparchive build --format site` of a
// generated account of 2,000 and of 10,000 articles against `hugo`
// building the Hugo output of the same archive, each in a process of its
// own, alternating which goes first, and reports medians over the
// iterations:
//
//   - site-s, hugo-s and site/hugo: a site build into an empty folder with
//     an empty conversion cache, against hugo into an empty folder;
//   - warm-s: the same build with the cache the previous one filled;
//   - retheme-s and retheme/fresh: the site built again with the other
//     theme, into the folder the fresh build wrote, against that build;
//   - site-cpu-s, hugo-cpu-s: their CPU time (user + system), which a
//     machine shared with other work disturbs less than wall time;
//   - site-RSS-MB, retheme-RSS-MB: the builds' peak resident memory.
//
// The archive is made once per process by exporting the fake API's
// account, which takes minutes at 10,000 articles. Run one size alone:
//
//	go test -run '^$' -bench 'BuildVersusHugo/2000' -benchtime 5x .
func BenchmarkBuildVersusHugo(b *testing.B) {
	hugo, err := exec.LookPath("hugo")
	if err != nil {
		b.Skip("hugo is not installed")
	}
	for _, n := range []int{2000, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) { benchBuildVersusHugo(b, hugo, n) })
	}
}

func benchBuildVersusHugo(b *testing.B, hugo string, articles int) {
	b.StopTimer()
	hugoSrc := benchAccount(b, articles)
	archiveDir := filepath.Join(hugoSrc, archiveSubdir)
	// child runs a command in a process of its own and returns its wall
	// time, CPU time and peak memory.
	child := func(name string, args ...string) (wall, cpu time.Duration, rssMB float64) {
		b.Helper()
		cmd := exec.CommandContext(b.Context(), name, args...)
		if name == os.Args[0] {
			cmd.Env = append(os.Environ(), childEnv+"=1")
		}
		peak := filepath.Join(b.TempDir(), "peak")
		if name == os.Args[0] {
			cmd.Env = append(cmd.Env, peakRSSEnv+"="+peak)
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, out.String())
		}
		wall = time.Since(start)
		_, cpu, _ = childUsage(cmd.ProcessState)
		rssMB, _ = readPeakRSSMB(peak)
		return wall, cpu, rssMB
	}
	var site, hugoT, warm, retheme, siteCPU, hugoCPU, siteRSS, rethemeRSS []float64
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		cache := filepath.Join(dir, "cache")
		buildSite := func(out string, theme string) (time.Duration, time.Duration, float64) {
			return child(os.Args[0], "build", "--format", "site", "--theme", theme, "--archive", archiveDir,
				"-o", filepath.Join(dir, out), "--cache-dir", cache, "--quiet")
		}
		runHugo := func() {
			w, c, _ := child(hugo, "--quiet", "--source", hugoSrc, "--destination", filepath.Join(dir, "public"),
				"--cacheDir", filepath.Join(dir, "hugo-cache"))
			hugoT, hugoCPU = append(hugoT, w.Seconds()), append(hugoCPU, c.Seconds())
		}
		b.StartTimer()
		// Alternate: a machine that slows down or speeds up during a run
		// must not always favour the same side.
		if i%2 == 1 {
			runHugo()
		}
		w, c, rss := buildSite("site", "reading")
		site, siteCPU, siteRSS = append(site, w.Seconds()), append(siteCPU, c.Seconds()), append(siteRSS, rss)
		if i%2 == 0 {
			runHugo()
		}
		w, _, rss = buildSite("site", "compact")
		retheme, rethemeRSS = append(retheme, w.Seconds()), append(rethemeRSS, rss)
		w, _, _ = buildSite("warm", "reading")
		warm = append(warm, w.Seconds())
		b.StopTimer()
	}
	b.ReportMetric(median(site), "site-s")
	b.ReportMetric(median(hugoT), "hugo-s")
	b.ReportMetric(median(site)/median(hugoT), "site/hugo")
	b.ReportMetric(median(warm), "warm-s")
	b.ReportMetric(median(retheme), "retheme-s")
	b.ReportMetric(median(retheme)/median(site), "retheme/fresh")
	b.ReportMetric(median(siteCPU), "site-cpu-s")
	b.ReportMetric(median(hugoCPU), "hugo-cpu-s")
	b.ReportMetric(median(siteRSS), "site-RSS-MB")
	b.ReportMetric(median(rethemeRSS), "retheme-RSS-MB")
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// benchAccounts holds the exported accounts of this process's benchmarks,
// by size: exporting 10,000 articles takes minutes.
var benchAccounts sync.Map // int → string

// benchAccount exports a generated account of n articles (no drafts, no
// quotas) and returns the folder, which holds the Hugo output and, in
// archiveSubdir, the archive.
func benchAccount(b *testing.B, articles int) string {
	if d, ok := benchAccounts.Load(articles); ok {
		return d.(string)
	}
	quotas := map[string]int{}
	for p := range wechattest.DefaultQuotas {
		quotas[p] = 0 // unlimited
	}
	srv, err := wechattest.NewServer(wechattest.Options{Articles: articles, Drafts: -1, Seed: 1, Quotas: quotas, Host: fakeHost})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	dir, err := os.MkdirTemp("", "mparchive-bench-")
	if err != nil {
		b.Fatal(err)
	}
	benchCleanup = append(benchCleanup, dir)
	start := time.Now()
	sum, res, err := exportWith(b, srv, dir, "bench-secret", nil, exporter.FetchOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if res.Articles != articles || len(sum.FailedMedia) != 0 {
		b.Fatalf("exported %d articles with %d failed images", res.Articles, len(sum.FailedMedia))
	}
	b.Logf("exported %d articles in %s", articles, time.Since(start).Round(time.Second))
	benchAccounts.Store(articles, dir)
	return dir
}

// benchCleanup lists what the benchmarks made that outlives one of them;
// TestMain removes it.
var benchCleanup []string
