package exporter

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter/wechattest"
)

func startFake(t *testing.T, opts wechattest.Options) (*wechattest.Server, *Client) {
	t.Helper()
	srv, err := wechattest.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	noSleep := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	c, err := NewClient(WithBaseURL(srv.URL()), WithCredentials("wx1", "s"), WithSleep(noSleep))
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// A source WeChat refuses the account is no failure of the run, is
// remembered with the day it was first refused, and is skipped by later
// runs unless named; a listing that succeeds again forgets the refusal.
func TestFetch_RefusedSourceIsRememberedAndSkipped(t *testing.T) {
	personal, pc := startFake(t, wechattest.Options{Articles: 30, Drafts: 3, Seed: 41, Personal: true})
	dir := t.TempDir()
	arch, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 3, 1, 10, 0, 0, 0, archive.ChinaTime)
	var logged []string
	run := func(c *Client, explicit bool) *Summary {
		t.Helper()
		logged = nil
		sum, err := Fetch(t.Context(), c, arch, FetchOptions{
			Sources:  []archive.Source{archive.News, archive.Published},
			Explicit: explicit,
			// The generated account's articles hold voices, which the
			// fake serves in WeChat's place.
			VoiceBaseURL: personal.URL(),
			Now:          func() time.Time { return day },
			Sleep:        func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
			Logf: func(format string, args ...any) {
				logged = append(logged, format)
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	readState := func() string {
		b, err := os.ReadFile(filepath.Join(dir, "state.json"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	wantRefusal := archive.Refusal{Endpoint: "/cgi-bin/freepublish/batchget", Code: 48001, Since: "2026-03-01"}

	sum := run(pc, false)
	ss := sum.Sources[archive.Published]
	if ss.Refused == nil || *ss.Refused != wantRefusal || ss.Skipped || ss.Err != nil {
		t.Fatalf("first run: published = %+v, want refused in this run, no error", ss)
	}
	if !sum.Sources[archive.News].Complete || sum.Partial() {
		t.Errorf("first run: news complete %v, partial %v; a refusal must not make the run partial",
			sum.Sources[archive.News].Complete, sum.Partial())
	}
	st, _ := arch.LoadState()
	if st.Refused[archive.Published] != wantRefusal {
		t.Errorf("state remembers %+v, want %+v", st.Refused, wantRefusal)
	}
	if _, ok := st.Sources[archive.Published]; ok {
		t.Errorf("state keeps a cursor for the refused source: %+v", st.Sources[archive.Published])
	}
	after1 := readState()
	calls := personal.Calls(wechattest.PathFreePublishList)

	// A later default run neither calls freepublish nor asks its quota,
	// and leaves the state as it was.
	day = day.AddDate(0, 0, 1)
	sum = run(pc, false)
	if ss := sum.Sources[archive.Published]; ss.Refused == nil || *ss.Refused != wantRefusal || !ss.Skipped || sum.Partial() {
		t.Errorf("second run: published = %+v, partial %v, want skipped", ss, sum.Partial())
	}
	if n := personal.Calls(wechattest.PathFreePublishList); n != calls {
		t.Errorf("the skipped source was called %d times", n-calls)
	}
	if got := readState(); got != after1 {
		t.Errorf("a run that skipped the refused source changed state.json:\n%s\nwas:\n%s", got, after1)
	}
	for _, l := range logged {
		if strings.Contains(l, "published") || strings.Contains(l, "48001") {
			t.Errorf("second run logged %q", l)
		}
	}

	// Named, it is tried again; the day of the first refusal stays.
	sum = run(pc, true)
	if ss := sum.Sources[archive.Published]; ss.Refused == nil || *ss.Refused != wantRefusal || ss.Skipped {
		t.Errorf("explicit run: published = %+v, want refused again", ss)
	}
	if n := personal.Calls(wechattest.PathFreePublishList); n != calls+1 {
		t.Errorf("explicit run called freepublish %d times, want 1", n-calls)
	}

	// The account got verified: the same account without the refusal.
	_, vc := startFake(t, wechattest.Options{Articles: 30, Drafts: 3, Seed: 41})
	sum = run(vc, true)
	if ss := sum.Sources[archive.Published]; ss.Refused != nil || !ss.Complete || ss.Items == 0 {
		t.Errorf("verified run: published = %+v, want listed", ss)
	}
	if st, _ := arch.LoadState(); len(st.Refused) != 0 {
		t.Errorf("the refusal is still remembered after a successful listing: %+v", st.Refused)
	}
}

// Only the urls source runs without a client, and with it no API call.
func TestFetch_NilClientOnlyForPages(t *testing.T) {
	srv, _ := startFake(t, wechattest.Options{Articles: 6, Seed: 43, MassSent: 2})
	arch, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	noSleep := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	for _, opts := range []FetchOptions{
		{},
		{Sources: []archive.Source{archive.News, archive.URLs}},
		{Sources: []archive.Source{archive.URLs}, Materials: []archive.MaterialKind{archive.ImageMaterial}},
	} {
		if _, err := Fetch(t.Context(), nil, arch, opts); err == nil || !strings.Contains(err.Error(), "only the urls source") {
			t.Errorf("Fetch(nil client, %v %v) = %v, want refused", opts.Sources, opts.Materials, err)
		}
	}
	var urls []string
	for _, a := range srv.MassSentArticles() {
		urls = append(urls, a.URL)
	}
	// A material that failed in an earlier run with credentials waits for
	// the next such run instead of failing again.
	st, _ := arch.LoadState()
	st.FailedMedia[archive.MaterialKey("thumb-1")] = "earlier failure"
	if err := arch.SaveState(st); err != nil {
		t.Fatal(err)
	}
	sum, err := Fetch(t.Context(), nil, arch, FetchOptions{
		Sources: []archive.Source{archive.URLs}, URLs: urls, PageBaseURL: srv.URL(),
		Sleep: noSleep, PageSleep: noSleep, Full: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if ss := sum.Sources[archive.URLs]; !ss.Complete || ss.New != len(urls) || sum.Partial() {
		t.Errorf("urls = %+v, partial %v, failed %v", ss, sum.Partial(), sum.FailedMedia)
	}
	for path, st := range srv.Stats() {
		if strings.HasPrefix(path, "/cgi-bin/") && st.Calls > 0 {
			t.Errorf("%d calls to %s without a client", st.Calls, path)
		}
	}
	if st, _ := arch.LoadState(); st.FailedMedia[archive.MaterialKey("thumb-1")] != "earlier failure" {
		t.Errorf("the earlier material failure was not kept for a run with credentials: %v", st.FailedMedia)
	}
}

// Check reports what a normal and a personal account may list, with the
// fake's own counts and quotas.
func TestClient_Check(t *testing.T) {
	for _, personal := range []bool{false, true} {
		srv, c := startFake(t, wechattest.Options{Articles: 30, Drafts: 3, Seed: 45, MediaMaterials: 2, Personal: personal})
		rep, err := c.Check(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		lists := map[string]int{
			"news":      len(srv.Articles(wechattest.SourceNews)),
			"published": len(srv.Articles(wechattest.SourcePublished)),
			"drafts":    len(srv.Articles(wechattest.SourceDrafts)),
		}
		var got []string
		for _, row := range rep.Rows {
			got = append(got, row.Source)
			refused := personal && row.Source == "published"
			var apiErr *APIError
			switch {
			case refused && (!errors.As(row.Err, &apiErr) || apiErr.Code != 48001 || !errors.As(row.QuotaErr, &apiErr) || apiErr.Code != 48001):
				t.Errorf("personal=%v %s: err %v, quota err %v, want 48001 for both", personal, row.Source, row.Err, row.QuotaErr)
			case refused:
			case row.Err != nil || row.Quota == nil:
				t.Errorf("personal=%v %s: err %v, quota %v %v", personal, row.Source, row.Err, row.Quota, row.QuotaErr)
			default:
				limit, used := srv.Quota(row.QuotaPath)
				if *row.Quota != (Quota{DailyLimit: limit, Used: used, Remain: limit - used}) {
					t.Errorf("personal=%v %s: quota %+v, fake says %d of %d used", personal, row.Source, *row.Quota, used, limit)
				}
			}
			// Messages hold several articles: total_count is at most
			// the number of articles, and not 0 when there are any.
			if n, ok := lists[row.Source]; ok && !refused && (row.Items > n || (n > 0) != (row.Items > 0)) {
				t.Errorf("personal=%v %s: %d items for %d articles", personal, row.Source, row.Items, n)
			}
		}
		if strings.Join(got, ",") != "news,published,drafts,image,voice,video" {
			t.Errorf("rows %v", got)
		}
		if voice := rep.Rows[4]; voice.Items != len(srv.MediaMaterials("voice")) {
			t.Errorf("voice: %d items, the fake has %d", voice.Items, len(srv.MediaMaterials("voice")))
		}
	}
}
