package progress

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter"
	"github.com/mparchive/mparchive/output"
)

// Outcome is what a command tells the user at its end.
type Outcome struct {
	Fetch *exporter.Summary // nil for build
	Build *output.Result    // nil for fetch, and when Ctrl-C came before the build
	// GoneImages counts the images the output links remotely because the
	// archive knows them to be unavailable (taken out of Build.Missing).
	GoneImages int
	Start      time.Time
	// ArchiveDir is where the archive is: the summary reads the articles
	// of failed images and the date of the last change there.
	ArchiveDir string
	Format     string // the output's format; "" for fetch
	// Interrupted names the stage Ctrl-C stopped, "fetch" or "build"; ""
	// when the run was not interrupted.
	Interrupted string
	FetchOnly   bool // the fetch command: no output is built
}

// Summary writes what a run did: one line when it found nothing new,
// else a line per source and stage, in the counts the progress showed,
// then the problems and, after Ctrl-C, what is saved and how to go on.
func (r *Reporter) Summary(o Outcome) {
	if o.Interrupted == "" {
		if line, ok := nothingNewLine(o); ok {
			r.printSummary([]string{line}, false)
			return
		}
	}
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	var problems, gone []string
	if fs := o.Fetch; fs != nil {
		for _, src := range archive.Sources {
			ss, ok := fs.Sources[src]
			if !ok {
				continue
			}
			if r := ss.Refused; r != nil {
				if ss.Skipped {
					add("%-10s skipped: WeChat refuses it to this account (errcode %d, since %s); --source %s tries again", src, r.Code, r.Since, src)
				} else {
					add("%-10s refused by WeChat (errcode %d from %s): see below", src, r.Code, r.Endpoint)
				}
				continue
			}
			add("%s", sourceLine(src, ss))
			if ss.Err != nil && !errors.Is(ss.Err, context.Canceled) && !stoppedBy(fs.Quota, ss.Err) {
				problems = append(problems, fmt.Sprintf("%s: %v", src, ss.Err))
			}
		}
		add("images     %d downloaded, %d already archived, %d failed", fs.ImagesDownloaded, fs.ImagesReused, len(fs.FailedMedia))
		problems = append(problems, failedMediaLines(o.ArchiveDir, fs.FailedMedia)...)
		for _, pe := range fs.FailedPages {
			problems = append(problems, "page "+pe.Error())
		}
		gone = unavailableLines(fs)
		if fs.KnownUnavailable > 0 {
			add("           %d files or pages skipped: earlier runs found them unavailable for good (state.json; --full tries them again)", fs.KnownUnavailable)
		}
		if ms := fs.Materials; ms != nil {
			for _, kind := range archive.MaterialKinds {
				ks, ok := ms.Kinds[kind]
				if !ok {
					continue
				}
				line := fmt.Sprintf("%-10s %d materials (%d new), %d files downloaded, %d already archived", kind, ks.Items, ks.New, ks.Downloaded, ks.Reused)
				if ks.Unavailable > 0 {
					line += fmt.Sprintf(", %d unavailable for good", ks.Unavailable)
				}
				add("%s", line)
				if ks.Err != nil && !errors.Is(ks.Err, context.Canceled) {
					problems = append(problems, fmt.Sprintf("%s materials: %v", kind, ks.Err))
				}
			}
		}
		if q := fs.Quota; q != nil {
			problems = append(problems, fmt.Sprintf("the daily call quota of %s is used up; it resets at %s (midnight Beijing time): run the same command again after that and it resumes where this run stopped",
				q.Endpoint, q.ResetAt.In(archive.ChinaTime).Format("2006-01-02 15:04 -07:00")))
		}
	}
	if bs := o.Build; bs != nil {
		if o.Interrupted == "build" {
			add("output     %d of %d articles done: %d written, %d unchanged, %d images copied, %d failed",
				bs.Written+bs.Unchanged+len(bs.Failed), bs.Articles, bs.Written, bs.Unchanged, bs.ImagesCopied, len(bs.Failed))
		} else {
			add("output     %d articles: %d written, %d unchanged, %d images copied, %d failed", bs.Articles, bs.Written, bs.Unchanged, bs.ImagesCopied, len(bs.Failed))
		}
		for _, f := range bs.Failed {
			problems = append(problems, "article "+f.Error())
		}
		missing := 0
		for _, m := range bs.Missing {
			missing += len(m.Images)
		}
		if missing > 0 {
			verb := "still link"
			if missing == 1 {
				verb = "still links"
			}
			add("           %s in %s %s to WeChat (their download failed)", plural(missing, "image", "images"), plural(len(bs.Missing), "article", "articles"), verb)
		}
		if o.GoneImages > 0 {
			add("           %s link to their remote address: they are unavailable for good", plural(o.GoneImages, "image", "images"))
		}
	}
	if len(gone) > 0 {
		add("unavailable for good (recorded in the archive's state.json, not retried, not counted as failures):")
		for _, g := range gone {
			add("  - %s", g)
		}
	}
	add("elapsed    %s", r.Elapsed(o.Start).Round(10*time.Millisecond))
	if len(problems) > 0 {
		add("problems:")
		for _, p := range problems {
			add("  - %s", p)
		}
		switch {
		case o.Interrupted != "":
		case o.Fetch != nil && o.Fetch.Quota != nil && len(problems) == 1:
			// The quota's own line says when to run again; before the
			// reset a re-run would stop at the same place.
		case o.Fetch != nil && o.Fetch.Quota != nil:
			add("Run the same command again after the quota resets to retry what failed; what is done is kept.")
		default:
			add("Run the same command again to retry what failed; what is done is kept.")
		}
	}
	if o.Interrupted != "" {
		add("%s", interruptedLine(o))
	}
	r.printSummary(lines, len(problems) > 0 || o.Interrupted != "")
}

// sourceLine tells what listing a source did, in the counts its progress
// bar showed: items listed of those the source holds, and how many of
// them were new or changed.
func sourceLine(src archive.Source, ss *exporter.SourceSummary) string {
	if src == archive.URLs {
		line := fmt.Sprintf("%-10s %d links: %d fetched", src, ss.Total, ss.Items)
		if ss.Items > 0 {
			line += fmt.Sprintf(" (%d new, %d changed)", ss.New, ss.Changed)
		}
		if ss.Known > 0 {
			line += fmt.Sprintf(", %d archived already", ss.Known)
		}
		if !ss.Complete {
			line += ", then stopped"
		}
		return line
	}
	var listed string
	switch {
	case ss.Items == 0 && !ss.Complete:
		return fmt.Sprintf("%-10s not listed: stopped before its first page", src)
	case ss.Items < ss.Total && ss.Early:
		listed = fmt.Sprintf("%d of %d items listed, the rest already archived", ss.Items, ss.Total)
	case ss.Items < ss.Total && !ss.Complete:
		listed = fmt.Sprintf("%d of %d items listed, then stopped", ss.Items, ss.Total)
	case ss.Items < ss.Total:
		listed = fmt.Sprintf("%d of %d items listed, from where the last run stopped", ss.Items, ss.Total)
	default:
		listed = fmt.Sprintf("%d items listed", ss.Items)
	}
	line := fmt.Sprintf("%-10s %s: %d new, %d changed", src, listed, ss.New, ss.Changed)
	if ss.Removed > 0 {
		line += fmt.Sprintf(", %d no longer listed upstream", ss.Removed)
	}
	return line
}

// nothingNewLine is the summary of a run that changed nothing and met no
// problem: one line, with the day of the last change the archive holds.
func nothingNewLine(o Outcome) (string, bool) {
	fs := o.Fetch
	if fs == nil || fs.ImagesDownloaded > 0 || len(fs.FailedMedia) > 0 || len(fs.UnavailableMedia) > 0 || fs.Quota != nil ||
		len(fs.FailedPages) > 0 || len(fs.UnavailablePages) > 0 {
		return "", false
	}
	for _, ss := range fs.Sources {
		if ss.New+ss.Changed+ss.Removed > 0 || ss.Err != nil || !ss.Complete || (ss.Refused != nil && !ss.Skipped) {
			return "", false
		}
	}
	if ms := fs.Materials; ms != nil {
		for _, ks := range ms.Kinds {
			if ks.New > 0 || ks.Downloaded > 0 || ks.Unavailable > 0 || ks.Err != nil || !ks.Complete {
				return "", false
			}
		}
	}
	if bs := o.Build; bs != nil && (bs.Written > 0 || len(bs.Failed) > 0 || len(bs.Missing) > 0) {
		return "", false
	}
	items, last := archivedItems(o.ArchiveDir)
	if items == 0 {
		return "nothing new: the account has no articles to back up", true
	}
	line := "nothing new: the last change was on " + last
	if o.Build != nil && !o.FetchOnly {
		return fmt.Sprintf("%s; %d articles archived, the %s output is up to date", line, o.Build.Articles, o.Format), true
	}
	return fmt.Sprintf("%s; %d items archived", line, items), true
}

// archivedItems counts the archive's items and gives the day (Beijing
// time) of the newest change among them: the update_time the state
// records for listed items, and the date of each page-only post (the urls
// source, which the state does not time), read from its item.
func archivedItems(archiveDir string) (int, string) {
	arch, err := archive.Open(archiveDir)
	if err != nil {
		return 0, ""
	}
	refs, err := arch.Items()
	if err != nil {
		return 0, ""
	}
	st, err := arch.LoadState()
	if err != nil {
		return 0, ""
	}
	var newest time.Time
	for _, t := range st.Items {
		if u := time.Unix(t, 0); u.After(newest) {
			newest = u
		}
	}
	for _, ref := range refs {
		if ref.Source != archive.URLs {
			continue
		}
		raw, err := arch.ReadItem(ref)
		if err != nil {
			continue
		}
		arts, _ := archive.DecodeItem(ref.Source, raw)
		for _, a := range arts {
			if d := a.Date(); d.After(newest) {
				newest = d
			}
			if a.UpdateTime.After(newest) {
				newest = a.UpdateTime
			}
		}
	}
	if newest.IsZero() {
		return len(refs), "an unknown day"
	}
	return len(refs), archive.Day(newest)
}

// interruptedLine says, after Ctrl-C, what the run saved and how to go on.
func interruptedLine(o Outcome) string {
	if o.Interrupted == "build" {
		bs := o.Build
		done := 0
		if bs != nil {
			done = bs.Written + bs.Unchanged + len(bs.Failed)
		}
		total := 0
		if bs != nil {
			total = bs.Articles
		}
		return fmt.Sprintf("interrupted while building the %s output (%d of %d articles done); the archive is complete. Run the same command again to finish the output.",
			o.Format, done, total)
	}
	items, articles, images := 0, 0, 0
	if fs := o.Fetch; fs != nil {
		for _, ss := range fs.Sources {
			items += ss.New + ss.Changed
		}
		added, changed, _ := fs.Counts()
		articles = added + changed
		images = fs.ImagesDownloaded
	}
	saved := "nothing new was saved yet"
	if items > 0 || images > 0 {
		saved = fmt.Sprintf("saved %s (%s) and %s", plural(items, "new or changed item", "new or changed items"),
			plural(articles, "article", "articles"), plural(images, "image", "images"))
	}
	next := "Run the same command again to go on from there."
	if !o.FetchOnly {
		next = "The output was not built. Run the same command again to go on from there and build it."
	}
	return "interrupted: " + saved + ". " + next
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// failedMediaLines lists the downloads that failed, each with the article
// it belongs to, so that a reader knows where the picture is missing.
func failedMediaLines(archiveDir string, failed map[string]string) []string {
	if len(failed) == 0 {
		return nil
	}
	keys := make([]string, 0, len(failed))
	for k := range failed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	where := articlesOfMedia(archiveDir, keys)
	var lines []string
	for i, k := range keys {
		if i == 20 {
			lines = append(lines, fmt.Sprintf("… and %d more failed images (listed in the archive's state.json)", len(keys)-20))
			break
		}
		in := ""
		if titles := where[k]; len(titles) > 0 {
			in = " in “" + titles[0] + "”"
			if len(titles) > 1 {
				in += fmt.Sprintf(" and %s", plural(len(titles)-1, "other article", "other articles"))
			}
		}
		lines = append(lines, fmt.Sprintf("%s %s%s: %s", exporter.MediaWhat(k), k, in, failed[k]))
	}
	return lines
}

// articlesOfMedia maps each of keys to the titles of the articles that
// show it, in the archive's order.
func articlesOfMedia(archiveDir string, keys []string) map[string][]string {
	want := make(map[string]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	out := map[string][]string{}
	arch, err := archive.Open(archiveDir)
	if err != nil {
		return out
	}
	_ = arch.Walk(func(a *archive.Article) error {
		title := strings.Join(strings.Fields(a.Title), " ")
		if title == "" {
			title = "（无标题）"
		}
		seen := map[string]bool{}
		for _, m := range archive.ArticleMedia(a) {
			if want[m.Key] && !seen[m.Key] {
				seen[m.Key] = true
				out[m.Key] = append(out[m.Key], title)
			}
		}
		return nil
	})
	return out
}

// unavailableLines lists, for the summary, what this run found unavailable
// for good, sorted: once, by the run that found it.
func unavailableLines(fs *exporter.Summary) []string {
	var out []string
	for k, why := range fs.UnavailableMedia {
		out = append(out, fmt.Sprintf("%s %s: %s", exporter.MediaWhat(k), k, why))
	}
	sort.Strings(out)
	for _, pe := range fs.UnavailablePages {
		out = append(out, "page "+pe.Error())
	}
	if len(out) > 40 {
		out = append(out[:40], fmt.Sprintf("… and %d more (listed in the archive's state.json)", len(out)-40))
	}
	return out
}

// stoppedBy reports whether err is the spent quota the run's quota line
// already explains, so that the summary says it once.
func stoppedBy(q *archive.QuotaStop, err error) bool {
	var apiErr *exporter.APIError
	return q != nil && exporter.IsQuotaExhausted(err) && errors.As(err, &apiErr) && apiErr.Endpoint == q.Endpoint
}
