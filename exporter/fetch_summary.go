package exporter

import (
	"github.com/mparchive/mparchive/archive"
)

// SourceSummary tells what a run did with one source.
type SourceSummary struct {
	Pages    int
	Items    int // messages listed
	Articles int // articles in them
	// Total is how many items the source holds upstream, as its last page
	// said (total_count); for the urls source, how many links it went
	// through. With Items it is what a progress bar showed last.
	Total int
	// Known counts the links of the urls source whose article the archive
	// held already, so that they were not fetched again.
	Known    int
	New      int // items stored for the first time
	Changed  int // items whose stored JSON changed
	Removed  int // items no longer listed upstream, noticed in this run
	Complete bool
	// Early is true when paging stopped at a page with nothing new.
	Early bool
	Err   error // why the source stopped before the end, if it did
	// Refused is set when WeChat refuses the account this source (48001
	// on its list endpoint), found by this run or, with Skipped, by an
	// earlier one. It is no failure of the run and not in Err: no re-run
	// changes it, only the account's type or verification does.
	Refused *archive.Refusal
	// Skipped is true when the source was not listed because it is
	// refused and was not asked for by name (FetchOptions.Explicit).
	Skipped bool
}

// Change names an article that a run added, changed or found removed.
type Change struct {
	Key   string // archive.Article.Key()
	Title string
}

// Summary tells what a fetch run did.
type Summary struct {
	Sources map[archive.Source]*SourceSummary
	// ImagesDownloaded counts media stored in this run; ImagesReused counts
	// those the archive already had.
	ImagesDownloaded int
	ImagesReused     int
	// FailedMedia maps each media key that could not be stored for a
	// reason that may pass (a network error, a 5xx) to why; the next run
	// retries them.
	FailedMedia map[string]string
	// UnavailableMedia maps each media key found in this run to fail in a
	// way no re-run fixes (a 404, not an image, over its size limit) to
	// why. They are recorded in the state (State.Unavailable): later runs
	// do not retry them (but --full does) and do not count them as
	// failures.
	UnavailableMedia map[string]string
	// KnownUnavailable counts the media and pages this run left alone
	// because an earlier run found them unavailable.
	KnownUnavailable int
	// Quota is set when a daily quota stopped the run.
	Quota *archive.QuotaStop
	// Added, Changed and Removed list the articles concerned, in the order
	// the run met them, for commit messages and reports: the first
	// MaxChanges of each, so that the summary of a run through a large
	// account stays small. Counts tells how many there were.
	Added, Changed, Removed []Change
	// added, changed and removed count the articles of the lists above,
	// those left out included.
	added, changed, removed int
	// FailedPages lists the article URLs that gave no article for a
	// reason that may pass (a network error, 暂时无法查看), with why.
	FailedPages []*PageError
	// UnavailablePages lists the article URLs found in this run to give
	// no article for good (deleted, removed, banned, not an article
	// page); like UnavailableMedia they are recorded and not retried.
	UnavailablePages []*PageError
	// Materials tells what happened to each kind of material, if asked.
	Materials *MaterialSummary
}

// MaxChanges bounds Summary.Added, Changed and Removed: more titles than
// this tell a reader of a commit message or report nothing more.
const MaxChanges = 200

// Counts returns how many articles the run added, changed and found
// removed upstream: the lengths of Added, Changed and Removed, plus the
// articles MaxChanges left out of them.
func (s *Summary) Counts() (added, changed, removed int) {
	return max(s.added, len(s.Added)), max(s.changed, len(s.Changed)), max(s.removed, len(s.Removed))
}

// noteChange records one article in list, counted in n, while the list is
// shorter than MaxChanges.
func noteChange(list *[]Change, n *int, c Change) {
	*n = max(*n, len(*list)) + 1
	if len(*list) < MaxChanges {
		*list = append(*list, c)
	}
}

// Partial reports whether something was left undone that a re-run can
// finish: a failed image, a source stopped early. What failed for good
// (UnavailableMedia, UnavailablePages) is not: no re-run changes it.
func (s *Summary) Partial() bool {
	if len(s.FailedMedia) > 0 || s.Quota != nil || len(s.FailedPages) > 0 {
		return true
	}
	if s.Materials != nil {
		for _, ks := range s.Materials.Kinds {
			if !ks.Complete {
				return true
			}
		}
	}
	for _, ss := range s.Sources {
		if !ss.Complete && ss.Refused == nil {
			return true
		}
	}
	return false
}

// Reached reports whether the run got anything in: a list page, an
// article page, a file. A run that ends because the network went away
// after that is partial; one that got nothing could reach nothing.
func (s *Summary) Reached() bool {
	if s == nil {
		return false
	}
	if s.ImagesDownloaded > 0 {
		return true
	}
	for _, ss := range s.Sources {
		if ss.Pages > 0 || ss.Items > 0 {
			return true
		}
	}
	if s.Materials != nil {
		for _, ks := range s.Materials.Kinds {
			if ks.Items > 0 {
				return true
			}
		}
	}
	return false
}
