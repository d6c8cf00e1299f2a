package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mparchive/mparchive/exporter"
)

// BenchmarkConvertProcess times `mparchive convert FILE` against a program
// that does nothing but html-to-markdown's ConvertString on the same file
// (testdata/convertstring), each a whole process, on a document of about
// 1 MB of real article bodies. Both are built once as a release is
// (.goreleaser.yaml: static, without cgo, trimmed and stripped), so that
// ours is timed as users run it: a default build links the C library for
// the net package's resolver, which convert never uses and which costs
// about a millisecond of every start. Every iteration runs each once,
// taking turns at going first, so that both see the same load on a shared
// machine. x-plain is ours over plain on the
// clock, x-plain-cpu in CPU time (user and system) of the two processes,
// which a machine shared with other work disturbs far less.
//
//	go test -run '^$' -bench ConvertProcess -benchtime 20x -count 5 .
func BenchmarkConvertProcess(b *testing.B) {
	dir := b.TempDir()
	ours := filepath.Join(dir, "mparchive")
	plain := filepath.Join(dir, "convertstring")
	for bin, pkg := range map[string]string{ours: ".", plain: "./testdata/convertstring"} {
		build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, pkg)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	doc := filepath.Join(dir, "document.html")
	if err := os.WriteFile(doc, []byte(convertBenchDocument(b)), 0o644); err != nil {
		b.Fatal(err)
	}
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devNull.Close()
	run := func(name string, args ...string) (wall, cpu time.Duration) {
		cmd := exec.Command(name, args...)
		cmd.Stdout = devNull
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("%s: %v\n%s", filepath.Base(name), err, stderr.String())
		}
		wall = time.Since(start)
		return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	cmds := [2][]string{{ours, "convert", doc}, {plain, doc}}
	var wall, cpu [2]time.Duration
	i := 0
	for b.Loop() {
		order := [2]int{0, 1}
		if i%2 == 1 {
			order = [2]int{1, 0}
		}
		for _, k := range order {
			w, c := run(cmds[k][0], cmds[k][1:]...)
			wall[k] += w
			cpu[k] += c
		}
		i++
	}
	b.ReportMetric(float64(wall[0])/float64(wall[1]), "x-plain")
	if cpu[1] > 0 {
		b.ReportMetric(float64(cpu[0])/float64(cpu[1]), "x-plain-cpu")
	}
	b.ReportMetric(wall[0].Seconds()*1000/float64(i), "ours-ms/op")
	b.ReportMetric(wall[1].Seconds()*1000/float64(i), "plain-ms/op")
}

// convertBenchDocument builds the document render's benchDocument
// (render/bench_test.go) converts in-process: the corpus and fidelity
// inputs, then the article bodies of the captured article and share
// pages, repeated in that order until it holds 1 MiB.
func convertBenchDocument(b *testing.B) string {
	var parts []string
	for _, pattern := range []string{
		filepath.Join("render", "testdata", "golden", "[0-9]*.in.html"),
		filepath.Join("render", "testdata", "fidelity", "*.in.html"),
		filepath.Join("exporter", "testdata", "pages", "real", "*-article*.html.gz"),
		filepath.Join("exporter", "testdata", "pages", "real", "*-share.html.gz"),
	} {
		paths, err := filepath.Glob(pattern)
		if err != nil || len(paths) == 0 {
			b.Fatalf("%s: no files (%v)", pattern, err)
		}
		slices.Sort(paths)
		for _, p := range paths {
			raw, err := os.ReadFile(p)
			if err != nil {
				b.Fatal(err)
			}
			if !strings.HasSuffix(p, ".gz") {
				parts = append(parts, string(raw))
				continue
			}
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				b.Fatal(err)
			}
			page, err := io.ReadAll(zr)
			if err != nil {
				b.Fatal(err)
			}
			pg, err := exporter.ParseArticlePage("https://mp.weixin.qq.com/s/bench", page)
			if err != nil {
				b.Fatalf("%s: %v", p, err)
			}
			parts = append(parts, pg.Body)
		}
	}
	var doc strings.Builder
	for i := 0; doc.Len() < 1<<20; i++ {
		doc.WriteString(parts[i%len(parts)])
		doc.WriteByte('\n')
	}
	return doc.String()
}
