package exporter

import (
	"context"
)

// fetchMaterials backs up the permanent materials asked for. A file that
// failed for a reason that may pass is reported, and the next run tries it
// again; one that failed for good is recorded like an unavailable image.
func (f *fetcher) fetchMaterials(ctx context.Context) error {
	ms, err := FetchMaterials(ctx, f.client, f.arch, f.opts.Materials, MaterialOptions{
		HTTPClient: f.opts.ImageHTTPClient,
		Attempts:   f.opts.Attempts,
		Sleep:      f.opts.Sleep,
		Logf:       f.opts.Logf,
		Skip: func(key string) bool {
			f.mu.Lock()
			defer f.mu.Unlock()
			_, gone := f.state.Unavailable[key]
			return gone && !f.opts.Full
		},
	})
	f.sum.Materials = ms
	if ms != nil {
		f.mu.Lock()
		for k, v := range ms.FailedMedia {
			f.sum.FailedMedia[k] = v
		}
		for k, v := range ms.UnavailableMedia {
			if f.markUnavailable(k, MediaWhat(k), v) {
				f.sum.UnavailableMedia[k] = v
			} else {
				f.sum.KnownUnavailable++
			}
		}
		f.mu.Unlock()
	}
	if err != nil && (ctx.Err() != nil || isFatal(err)) {
		return err
	}
	if err != nil {
		f.opts.Logf("materials: %v", err)
	}
	return nil
}
