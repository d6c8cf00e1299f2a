package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/mparchive/mparchive/exporter"
	"github.com/mparchive/mparchive/exporter/wechattest"
)

// BenchmarkBuildPeakRSS runs `mparchive build --format site` of a 2,000-
// and a 10,000-article archive, each in a child process of its own with an
// empty conversion cache, and reports each child's peak resident memory
// and how much more the larger archive took: a build's memory should
// barely grow with the account (issue 11: under 100 MB at 10,000
// articles, under 20% more than at 2,000). Medians over the iterations,
// the two sizes alternating which goes first.
//
//	go test -run '^$' -bench BuildPeakRSS -benchtime 3x .
func BenchmarkBuildPeakRSS(b *testing.B) {
	if raceEnabled {
		b.Skip("under the race detector the child's memory is mostly the detector's")
	}
	sizes := []int{2000, 10000}
	archives := make([]string, len(sizes))
	for j, n := range sizes {
		archives[j] = buildBenchArchive(b, n)
	}
	rss := make([][]float64, len(sizes))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k := range sizes {
			// A machine that slows down during a run must not always
			// weigh on the same size.
			j := (k + i) % len(sizes)
			rss[j] = append(rss[j], buildChildRSS(b, archives[j]))
		}
	}
	small, large := median(rss[0]), median(rss[1])
	b.ReportMetric(small, "RSS-2000-MB")
	b.ReportMetric(large, "RSS-10000-MB")
	b.ReportMetric(100*(large/small-1), "growth-%")
}

// buildBenchArchives holds the archives this process's BuildPeakRSS made,
// by size: fetching 10,000 articles takes a minute or more.
var buildBenchArchives sync.Map // int → string

// buildBenchArchive fetches a generated account of n articles (no drafts,
// no quotas) into an archive and returns its folder.
func buildBenchArchive(b *testing.B, n int) string {
	b.Helper()
	if d, ok := buildBenchArchives.Load(n); ok {
		return d.(string)
	}
	quotas := map[string]int{}
	for p := range wechattest.DefaultQuotas {
		quotas[p] = 0 // unlimited
	}
	srv, err := wechattest.NewServer(wechattest.Options{Articles: n, Drafts: -1, Seed: 1, Quotas: quotas, Host: fakeHost})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	dir, err := os.MkdirTemp("", "mparchive-buildbench-")
	if err != nil {
		b.Fatal(err)
	}
	benchCleanup = append(benchCleanup, dir)
	sum, _, err := fetchWith(b, srv, dir, "bench-secret", nil, exporter.FetchOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if len(sum.Added) == 0 || len(sum.FailedMedia) != 0 {
		b.Fatalf("fetched %d articles with %d failed images", len(sum.Added), len(sum.FailedMedia))
	}
	dir = filepath.Join(dir, archiveSubdir)
	buildBenchArchives.Store(n, dir)
	return dir
}

// buildChildRSS builds the site from the archive in dir into a fresh
// folder, with a fresh conversion cache, in a child process and returns
// the child's peak RSS in MiB.
func buildChildRSS(b *testing.B, dir string) float64 {
	b.Helper()
	tmp := b.TempDir()
	peakFile := filepath.Join(tmp, "peak-rss")
	cmd := exec.CommandContext(b.Context(), os.Args[0], "build", "--format", "site", "--archive", dir,
		"-o", filepath.Join(tmp, "site"), "--cache-dir", filepath.Join(tmp, "cache"), "--quiet")
	cmd.Env = append(os.Environ(), childEnv+"=1", "MPARCHIVE_CONFIG=", peakRSSEnv+"="+peakFile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("build of %s: %v\n%s", dir, err, stderr.String())
	}
	rss, ok := readPeakRSSMB(peakFile)
	if !ok {
		b.Skip("no peak RSS of a process of its own on this platform")
	}
	return rss
}
