package progress

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter"
	"github.com/mparchive/mparchive/output"
)

func TestSourceLine(t *testing.T) {
	tests := []struct {
		name string
		src  archive.Source
		ss   exporter.SourceSummary
		want string
	}{
		{"all listed", archive.News, exporter.SourceSummary{Items: 8, Total: 8, New: 8, Complete: true},
			"news       8 items listed: 8 new, 0 changed"},
		{"stopped at nothing new", archive.Published, exporter.SourceSummary{Items: 20, Total: 120, New: 1, Complete: true, Early: true},
			"published  20 of 120 items listed, the rest already archived: 1 new, 0 changed"},
		{"stopped part way", archive.Published, exporter.SourceSummary{Items: 20, Total: 120, New: 20},
			"published  20 of 120 items listed, then stopped: 20 new, 0 changed"},
		{"resumed", archive.News, exporter.SourceSummary{Items: 100, Total: 120, Changed: 2, Complete: true},
			"news       100 of 120 items listed, from where the last run stopped: 0 new, 2 changed"},
		{"stopped before the first page", archive.Drafts, exporter.SourceSummary{},
			"drafts     not listed: stopped before its first page"},
		{"removed upstream", archive.News, exporter.SourceSummary{Items: 5, Total: 5, Complete: true, Removed: 2},
			"news       5 items listed: 0 new, 0 changed, 2 no longer listed upstream"},
		{"links", archive.URLs, exporter.SourceSummary{Items: 3, Total: 5, New: 2, Changed: 1, Known: 2, Complete: true},
			"urls       5 links: 3 fetched (2 new, 1 changed), 2 archived already"},
		{"links, none fetched, stopped", archive.URLs, exporter.SourceSummary{Total: 4},
			"urls       4 links: 0 fetched, then stopped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sourceLine(tt.src, &tt.ss); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestInterruptedLine(t *testing.T) {
	tests := []struct {
		name string
		o    Outcome
		want string
	}{
		{"fetch, nothing saved", Outcome{Interrupted: "fetch", FetchOnly: true, Fetch: &exporter.Summary{}},
			"interrupted: nothing new was saved yet. Run the same command again to go on from there."},
		{"export's fetch", Outcome{Interrupted: "fetch", Fetch: &exporter.Summary{
			Sources:          map[archive.Source]*exporter.SourceSummary{archive.News: {New: 1}},
			Added:            []exporter.Change{{Key: "a"}, {Key: "b"}},
			ImagesDownloaded: 1,
		}}, "interrupted: saved 1 new or changed item (2 articles) and 1 image. The output was not built. Run the same command again to go on from there and build it."},
		{"build", Outcome{Interrupted: "build", Format: "site", Build: &output.Result{Articles: 9, Written: 3, Unchanged: 1}},
			"interrupted while building the site output (4 of 9 articles done); the archive is complete. Run the same command again to finish the output."},
		{"build before it began", Outcome{Interrupted: "build", Format: "hugo"},
			"interrupted while building the hugo output (0 of 0 articles done); the archive is complete. Run the same command again to finish the output."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := interruptedLine(tt.o); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestRate(t *testing.T) {
	for _, tt := range []struct {
		done    int
		elapsed time.Duration
		want    string
	}{
		{0, time.Second, ""},
		{5, 50 * time.Millisecond, ""}, // too soon to tell
		{10, 2 * time.Second, ", 5 items/s"},
		{1000, 3 * time.Second, ", 333 items/s"},
	} {
		if got := rate(tt.done, tt.elapsed, "items"); got != tt.want {
			t.Errorf("rate(%d, %v) = %q, want %q", tt.done, tt.elapsed, got, tt.want)
		}
	}
}

// TestPlainLines: on no terminal a counter prints a line per Interval with
// its counts and note, --quiet prints none, and notes and summaries follow
// --quiet as the commands need.
func TestPlainLines(t *testing.T) {
	var b bytes.Buffer
	r := New(&b, false)
	r.Interval = 0
	c := r.Counter("building hugo", "articles")
	c.Set(0, 10)
	c.SetNote(3, 10, "images 1/2")
	c.Done()
	r.Notef("git: %s", "nothing changed, no commit")
	line := `(, [0-9.e+]+ articles/s)?`
	want := regexp.MustCompile(`^building hugo: 0/10 articles\n` +
		`building hugo: 3/10 articles` + line + `, images 1/2\n` +
		`git: nothing changed, no commit\n$`)
	if !want.MatchString(b.String()) {
		t.Errorf("plain output:\n%s", b.String())
	}

	b.Reset()
	q := New(&b, true)
	q.Interval = 0
	q.Counter("building hugo", "articles").Set(1, 2)
	q.Notef("a note")
	q.printSummary([]string{"all went well"}, false)
	if b.Len() != 0 {
		t.Errorf("--quiet printed:\n%s", b.String())
	}
	q.Warnf("config %s is readable by others", "c.yaml")
	q.printSummary([]string{"problems:", "  - one"}, true)
	if got := b.String(); got != "config c.yaml is readable by others\nproblems:\n  - one\n" {
		t.Errorf("--quiet dropped a warning or a summary with problems:\n%s", got)
	}
}

// TestFetchProgress: a counter a source, links for the urls source, and
// the image downloads as the note.
func TestFetchProgress(t *testing.T) {
	var b bytes.Buffer
	r := New(&b, false)
	r.Interval = 0
	p := r.Fetch()
	p.Update(exporter.Progress{}) // image retries before any listing: no line
	p.Update(exporter.Progress{Source: archive.News, Items: 20, TotalItems: 40})
	p.Update(exporter.Progress{Source: archive.News, Items: 40, TotalItems: 30, ImagesDone: 1, ImagesPlanned: 3})
	p.Update(exporter.Progress{Source: archive.URLs, Items: 2, TotalItems: 5})
	p.Done()
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		got = append(got, regexp.MustCompile(`, [0-9.e+]+ \w+/s`).ReplaceAllString(l, ""))
	}
	want := []string{
		"fetching news: 20/40 items",
		"fetching news: 40/40 items, images 1/3",
		"fetching urls: 2/5 links",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestSummaryQuotaSaidOnce checks that a spent quota is explained once, with
// the time to run again, and that no line invites a re-run that would stop
// at the same place before the reset.
func TestSummaryQuotaSaidOnce(t *testing.T) {
	reset := time.Date(2026, 12, 2, 0, 0, 0, 0, archive.ChinaTime)
	quotaErr := &exporter.APIError{Code: 45009, Msg: "reach max api daily quota limit", Endpoint: "/cgi-bin/material/batchget_material", ResetAt: reset}
	const quotaLine = "  - the daily call quota of /cgi-bin/material/batchget_material is used up; it resets at 2026-12-02 00:00 +08:00 (midnight Beijing time): run the same command again after that and it resumes where this run stopped"
	tests := []struct {
		name     string
		sources  map[archive.Source]*exporter.SourceSummary
		want     []string
		wantNone []string
	}{
		{"quota alone",
			map[archive.Source]*exporter.SourceSummary{archive.News: {Items: 20, Total: 72, New: 20, Err: quotaErr}},
			[]string{quotaLine},
			[]string{"errcode 45009", "Run the same command again"}},
		{"quota and another source's error",
			map[archive.Source]*exporter.SourceSummary{
				archive.News:      {Items: 20, Total: 72, New: 20, Err: quotaErr},
				archive.Published: {Err: &exporter.APIError{Code: -1, Msg: "system error", Endpoint: "/cgi-bin/freepublish/batchget"}},
			},
			[]string{quotaLine, "  - published: ", "Run the same command again after the quota resets to retry what failed; what is done is kept."},
			[]string{"errcode 45009"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			r := New(&out, false)
			r.Elapsed = func(time.Time) time.Duration { return time.Second }
			r.Summary(Outcome{Fetch: &exporter.Summary{Sources: tt.sources, Quota: &archive.QuotaStop{Endpoint: quotaErr.Endpoint, ResetAt: reset}}, FetchOnly: true})
			got := out.String()
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("summary lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tt.wantNone {
				if strings.Contains(got, w) {
					t.Errorf("summary says %q:\n%s", w, got)
				}
			}
		})
	}
}
