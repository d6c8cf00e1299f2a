// Package progress owns what a command shows the user: notes and warnings,
// a progress bar on a terminal or a line now and then in a log, and the
// summary at the end of a run. The work packages only call back with
// numbers; the words are chosen here.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter"
)

// DefaultInterval is how often progress is printed as a line when the
// output is not a terminal (cron, CI): often enough to show life, rarely
// enough to keep logs short.
const DefaultInterval = 5 * time.Second

// reporter owns everything the user sees while a command runs. The work
// packages only call back with numbers; drawing happens here.
type Reporter struct {
	// Interval is how often a counter prints a line when w is no
	// terminal (DefaultInterval).
	Interval time.Duration
	// Elapsed measures a run for its summary (time.Since); tests fix it,
	// so that the summary's text can be compared whole.
	Elapsed func(start time.Time) time.Duration

	w     io.Writer
	quiet bool
	tty   bool

	mu  sync.Mutex
	bar *progressbar.ProgressBar // the bar on screen, if any
}

// New makes the reporter of one command, which writes to w; quiet is
// --quiet.
func New(w io.Writer, quiet bool) *Reporter {
	r := &Reporter{Interval: DefaultInterval, Elapsed: time.Since, w: w, quiet: quiet}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		r.tty = true
	}
	return r
}

// notef prints a note on its own line, above a bar that is showing.
func (r *Reporter) Notef(format string, args ...any) {
	if r.quiet {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bar != nil {
		r.bar.Clear()
	}
	fmt.Fprintf(r.w, format+"\n", args...)
}

// warnf prints a warning whatever --quiet says: a config file others can
// read is worth a line in the cron mail of a quiet run above all.
func (r *Reporter) Warnf(format string, args ...any) {
	r.Always([]string{fmt.Sprintf(format, args...)})
}

// always prints lines whatever --quiet says: what a user must read once,
// such as why WeChat refuses a source, belongs even in a cron mail.
func (r *Reporter) Always(lines []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bar != nil {
		r.bar.Clear()
	}
	fmt.Fprintln(r.w, strings.Join(lines, "\n"))
}

// printSummary prints the end-of-run lines. --quiet keeps them only when
// something went wrong, so cron mails stay empty on good days.
func (r *Reporter) printSummary(lines []string, problems bool) {
	if r.quiet && !problems {
		return
	}
	fmt.Fprintln(r.w, strings.Join(lines, "\n"))
}

// counter shows done/total of one stage, in unit ("items", "articles"),
// with the rate since it started.
type Counter struct {
	r          *Reporter
	label      string
	unit       string
	bar        *progressbar.ProgressBar
	start      time.Time
	last       time.Time
	doneCount  int
	totalCount int
	mu         sync.Mutex
}

func (r *Reporter) Counter(label, unit string) *Counter {
	now := time.Now()
	return &Counter{r: r, label: label, unit: unit, start: now, last: now}
}

func (c *Counter) Set(done, total int) { c.SetNote(done, total, "") }

// setNote is set with a note after the counts (the images of a fetch), which
// the bar shows in its description and plain lines append.
func (c *Counter) SetNote(done, total int, note string) {
	if c.r.quiet {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.doneCount, c.totalCount = done, total
	if c.r.tty {
		if c.bar == nil {
			c.bar = progressbar.NewOptions(total,
				progressbar.OptionSetWriter(c.r.w),
				progressbar.OptionSetDescription(c.label),
				progressbar.OptionShowCount(),
				progressbar.OptionShowIts(),
				progressbar.OptionSetItsString(c.unit),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionClearOnFinish(),
			)
			c.r.mu.Lock()
			c.r.bar = c.bar
			c.r.mu.Unlock()
		}
		if c.bar.GetMax() != total && total > 0 {
			c.bar.ChangeMax(total)
		}
		if note != "" {
			c.bar.Describe(c.label + " (" + note + ")")
		}
		c.bar.Set(done)
		return
	}
	if now := time.Now(); now.Sub(c.last) >= c.r.Interval {
		c.last = now
		if note != "" {
			note = ", " + note
		}
		fmt.Fprintf(c.r.w, "%s: %d/%d %s%s%s\n", c.label, done, total, c.unit, rate(done, now.Sub(c.start), c.unit), note)
	}
}

// rate is ", 12 items/s" once there is something to measure.
func rate(done int, elapsed time.Duration, unit string) string {
	if done == 0 || elapsed < 100*time.Millisecond {
		return ""
	}
	return fmt.Sprintf(", %.3g %s/s", float64(done)/elapsed.Seconds(), unit)
}

// done ends the stage. Plain output prints nothing more: the summary that
// follows says what each stage did, in the same counts.
func (c *Counter) Done() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bar != nil {
		c.bar.Finish()
		c.r.mu.Lock()
		c.r.bar = nil
		c.r.mu.Unlock()
	}
}

// fetchProgress follows a fetch: one counter per source for listed items,
// and the image downloads in the description.
type FetchProgress struct {
	r       *Reporter
	mu      sync.Mutex
	current *Counter
	source  string
	last    exporter.Progress
}

func (r *Reporter) Fetch() *FetchProgress { return &FetchProgress{r: r} }

func (p *FetchProgress) Update(ev exporter.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.last = ev
	if ev.Source == "" {
		return // image retries before any listing
	}
	if string(ev.Source) != p.source {
		if p.current != nil {
			p.current.Done()
		}
		p.source = string(ev.Source)
		unit := "items"
		if ev.Source == archive.URLs {
			unit = "links"
		}
		p.current = p.r.Counter("fetching "+p.source, unit)
	}
	total := ev.TotalItems
	if total < ev.Items {
		total = ev.Items
	}
	note := ""
	if ev.ImagesPlanned > 0 {
		note = fmt.Sprintf("images %d/%d", ev.ImagesDone, ev.ImagesPlanned)
	}
	p.current.SetNote(ev.Items, total, note)
}

func (p *FetchProgress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.current != nil {
		p.current.Done()
	}
}
