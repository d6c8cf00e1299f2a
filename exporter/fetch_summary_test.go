package exporter

import (
	"fmt"
	"testing"

	"github.com/mparchive/mparchive/archive"
)

// TestSummaryListsBounded checks that a run meeting many articles keeps
// only the first MaxChanges of each list, in order, and counts them all.
func TestSummaryListsBounded(t *testing.T) {
	for _, tc := range []struct {
		name  string
		items []int // articles per item noted as added
	}{
		{"none", nil},
		{"few", []int{1, 3, 2}},
		{"exactly the bound", []int{MaxChanges}},
		{"one over", []int{MaxChanges, 1}},
		{"an item across the bound", []int{MaxChanges - 2, 8, 1}},
		{"many", []int{MaxChanges * 3, 5, 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fetcher{sum: &Summary{}}
			want := 0
			for i, n := range tc.items {
				arts := make([]archive.Article, n)
				for j := range arts {
					arts[j] = archive.Article{Source: archive.News, ItemID: fmt.Sprint(i), Index: j, Title: fmt.Sprintf("t%d-%d", want+j, j)}
				}
				f.note(&f.sum.Added, &f.sum.added, arts)
				want += n
			}
			noteChange(&f.sum.Removed, &f.sum.removed, Change{Key: "news/gone"})
			added, changed, removed := f.sum.Counts()
			if added != want || changed != 0 || removed != 1 {
				t.Errorf("counts %d, %d, %d; want %d, 0, 1", added, changed, removed, want)
			}
			if len(f.sum.Added) != min(want, MaxChanges) {
				t.Fatalf("%d listed; want %d", len(f.sum.Added), min(want, MaxChanges))
			}
			for k, c := range f.sum.Added {
				if c.Title[:len(fmt.Sprintf("t%d-", k))] != fmt.Sprintf("t%d-", k) {
					t.Fatalf("entry %d is %q: not in the order met", k, c.Title)
				}
			}
		})
	}
}
