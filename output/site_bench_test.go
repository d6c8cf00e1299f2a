package output

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/mparchive/mparchive/render"
)

// BenchmarkSiteWrite measures a first build of the site (every page, image,
// list and search file written) with the real converter.
func BenchmarkSiteWrite(b *testing.B) {
	const articles = 200
	a := syntheticArchive(b, articles)
	conv := render.New()
	root := b.TempDir()
	runs := 0
	for b.Loop() {
		res, err := NewSite(filepath.Join(root, fmt.Sprint(runs)), Options{Converter: conv}).Write(b.Context(), a)
		if err != nil || res.Written != articles {
			b.Fatalf("%+v %v", res, err)
		}
		runs++
	}
	b.ReportMetric(float64(articles*runs)/b.Elapsed().Seconds(), "articles/s")
}

// BenchmarkSiteVersusHugo renders 10,000 articles into our site, then
// writes the Hugo content of the same archive and has the real hugo build
// it, and reports the three times. Run it alone, once:
//
//	go test ./output -run '^$' -bench SiteVersusHugo -benchtime 1x
func BenchmarkSiteVersusHugo(b *testing.B) {
	hugo, err := exec.LookPath("hugo")
	if err != nil {
		b.Skip("hugo not on PATH")
	}
	const articles = 10000
	a := syntheticArchive(b, articles)
	conv := render.New()
	var site, hugoWrite, hugoBuild time.Duration
	runs := 0
	for b.Loop() {
		dir := b.TempDir()
		// Hugo goes first, so that any warm-cache advantage of the
		// second writer over the archive's files goes to the site.
		start := time.Now()
		res, err := NewHugo(filepath.Join(dir, "hugo"), Options{Converter: conv}).Write(b.Context(), a)
		if err != nil || res.Written != articles {
			b.Fatalf("hugo writer: %+v %v", res, err)
		}
		hugoWrite += time.Since(start)

		start = time.Now()
		cmd := exec.CommandContext(b.Context(), hugo, "--quiet", "--source", filepath.Join(dir, "hugo"),
			"--destination", filepath.Join(dir, "public"), "--cacheDir", filepath.Join(dir, "cache"))
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("hugo: %v\n%s", err, out)
		}
		hugoBuild += time.Since(start)
		start = time.Now()
		res, err = NewSite(filepath.Join(dir, "site"), Options{Converter: conv}).Write(b.Context(), a)
		if err != nil || res.Written != articles {
			b.Fatalf("site: %+v %v", res, err)
		}
		site += time.Since(start)

		runs++
	}
	n := float64(runs)
	b.ReportMetric(site.Seconds()/n, "site-s")
	b.ReportMetric(hugoWrite.Seconds()/n, "hugo-write-s")
	b.ReportMetric(hugoBuild.Seconds()/n, "hugo-build-s")
	b.ReportMetric(hugoBuild.Seconds()/site.Seconds(), "hugo-build/site")
	b.ReportMetric((hugoWrite+hugoBuild).Seconds()/site.Seconds(), "hugo-total/site")
}
