package output

import (
	"context"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter"
	"github.com/mparchive/mparchive/exporter/wechattest"
)

// demoArchive backs up the demo account (exporter/wechattest/demo), as
// `mparchive export --demo` does, into a fresh archive: every kind of card
// and picture the converter handles, from the real fetch path.
func demoArchive(t testing.TB) *archive.Archive {
	t.Helper()
	srv, err := wechattest.NewServer(wechattest.Options{Demo: true, Host: "demo.mparchive.invalid"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hc := srv.Client()
	c, err := exporter.NewClient(exporter.WithBaseURL(srv.URL()), exporter.WithHTTPClient(hc),
		exporter.WithCredentials("wxdemo0000000000", "demo-secret"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	instant := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	sum, err := exporter.Fetch(context.Background(), c, a, exporter.FetchOptions{
		Sources:         []archive.Source{archive.News, archive.Published, archive.URLs},
		URLs:            srv.PageLinks(),
		PageBaseURL:     srv.URL(),
		VoiceBaseURL:    srv.URL(),
		ImageHTTPClient: hc,
		PageHTTPClient:  hc,
		PageInterval:    -1,
		Sleep:           instant,
		PageSleep:       instant,
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Partial() {
		t.Fatalf("the demo backed up partly: %d failed files, %d failed pages", len(sum.FailedMedia), len(sum.FailedPages))
	}
	return a
}
