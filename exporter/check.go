package exporter

import (
	"context"
	"errors"

	"github.com/mparchive/mparchive/archive"
)

// CheckRow is what Check found out about one source.
type CheckRow struct {
	// Source is a list source (news, published, drafts) or a material
	// kind (image, voice, video).
	Source string
	// Endpoint is the endpoint asked: the list with count 1 for a source,
	// get_materialcount for the materials.
	Endpoint string
	// QuotaPath is the endpoint whose daily quota a backup of the source
	// spends: the list endpoint (batchget_material for the materials).
	QuotaPath string
	// Items is total_count (messages for the lists, files for the
	// materials); meaningful only when Err is nil.
	Items int
	// Err is why the account cannot list the source; nil when it can.
	Err error
	// Quota is QuotaPath's budget today, or QuotaErr why it is unknown.
	Quota    *Quota
	QuotaErr error
}

// CheckReport is what Check found, one row a source in a fixed order.
type CheckReport struct {
	Rows []CheckRow
}

// checkSources are the list sources Check asks, in the order it reports.
var checkSources = []archive.Source{archive.News, archive.Published, archive.Drafts}

// Check finds out what the account may back up: it gets a token, asks each
// list endpoint for one item, get_materialcount for the materials, and
// openapi/quota/get for each endpoint a backup would spend. A refusal of
// one source is a finding, in its row; an error is returned only when no
// call can succeed (no token, a refused token) or ctx ends.
func (c *Client) Check(ctx context.Context) (*CheckReport, error) {
	if _, err := c.tokens.get(ctx); err != nil {
		return nil, err
	}
	// stop tells the errors that end the check rather than fill a row.
	stop := func(err error) bool {
		return err != nil && (IsTokenInvalid(err) || errors.Is(err, context.Canceled) || ctx.Err() != nil)
	}
	rep := &CheckReport{}
	for _, src := range checkSources {
		row := CheckRow{Source: string(src), Endpoint: ListEndpoint(src), QuotaPath: ListEndpoint(src)}
		page, err := c.ListPage(ctx, src, 0, 1)
		if stop(err) {
			return nil, err
		}
		row.Err = err
		if err == nil {
			row.Items = page.TotalCount
		}
		rep.Rows = append(rep.Rows, row)
	}
	counts, err := c.MaterialCount(ctx)
	if stop(err) {
		return nil, err
	}
	for _, kind := range archive.MaterialKinds {
		row := CheckRow{Source: string(kind), Endpoint: pathMaterialCount, QuotaPath: pathBatchGetMaterial, Err: err}
		switch kind {
		case archive.ImageMaterial:
			row.Items = counts.ImageCount
		case archive.VoiceMaterial:
			row.Items = counts.VoiceCount
		case archive.VideoMaterial:
			row.Items = counts.VideoCount
		}
		rep.Rows = append(rep.Rows, row)
	}
	quotas := map[string]*Quota{}
	quotaErrs := map[string]error{}
	for i := range rep.Rows {
		row := &rep.Rows[i]
		path := row.QuotaPath
		if _, asked := quotas[path]; !asked {
			q, err := c.Quota(ctx, path)
			if stop(err) {
				return nil, err
			}
			if err == nil {
				quotas[path] = &q
			} else {
				quotas[path], quotaErrs[path] = nil, err
			}
		}
		row.Quota, row.QuotaErr = quotas[path], quotaErrs[path]
	}
	return rep, nil
}
