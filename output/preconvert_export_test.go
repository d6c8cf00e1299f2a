package output

import (
	"context"

	"github.com/mparchive/mparchive/archive"
)

// What the tests ask a Preconverter that the export does not: what it did,
// and converting one item now, without the worker.

// PreconvertStats counts what a Preconverter did.
type PreconvertStats struct {
	Converted int // articles converted into the cache
	Hits      int // articles the cache already held as the build would use them
	Dropped   int // items left to the build: the worker was behind or stopped
}

// Stats returns the counts so far.
func (p *Preconverter) Stats() PreconvertStats {
	if p == nil {
		return PreconvertStats{}
	}
	return PreconvertStats{Converted: int(p.converted.Load()), Hits: int(p.hits.Load()), Dropped: int(p.dropped.Load())}
}

// Preconvert converts the articles of one item into the cache now, those
// it does not already hold as the build would use them, unless it links
// to an article not seen yet or unsure (see see): that item is left to
// the build. Failures are left for the build to meet and report. It must
// not run beside Start's worker.
func (p *Preconverter) Preconvert(ctx context.Context, src archive.Source, id string) {
	if p == nil {
		return
	}
	p.preconvert(ctx, itemJob{src, id}, false)
}
