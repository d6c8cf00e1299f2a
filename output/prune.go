package output

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"github.com/mparchive/mparchive/archive"
)

// ourFileName matches the names the writers give the images and material
// files they copy: a content hash (12 hex digits, or all 64 on a clash) and
// a plain extension. Pruning only ever deletes files named like this, page
// files of known slugs, and folders it emptied, so a file a user put into
// the output survives.
var ourFileName = regexp.MustCompile(`^([0-9a-f]{12}|[0-9a-f]{64})(\.[a-z0-9]{1,8})?$`)

// prunePosts makes the output match the selection: the page and images of
// every article of the archive that this run did not select (dropped as
// removed upstream, or outside the filter) but that has a slug in this
// folder are deleted, and so are images a written page no longer shows (an
// edited article). Only pages this writer would have written are touched.
func prunePosts(ctx context.Context, a *archive.Archive, dir string, l postLayout, slugs map[string]string, selected, failed map[string]bool, keep map[string]map[string]bool) error {
	return a.Walk(func(art *archive.Article) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		key := art.Key()
		slug, ok := slugs[key]
		if !ok || !ValidSlug(slug) {
			return nil
		}
		page, media := l.paths(art, slug)
		if failed[key] {
			return nil
		}
		if selected[key] {
			return removeOurFilesExcept(dir, media, keep[key])
		}
		if err := removeOut(dir, page); err != nil {
			return err
		}
		return removeOurFilesExcept(dir, media, nil)
	})
}

// removeOurFilesExcept deletes our image and material files in root/rel
// (rel slash-separated) that are not in keep, then the folder itself if
// that left it empty. A folder reached through a link is left alone.
func removeOurFilesExcept(root, rel string, keep map[string]bool) error {
	dir, err := checkOutPath(root, rel)
	if errors.Is(err, errSymlink) {
		return nil
	}
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	left := 0
	for _, e := range entries {
		if e.Type().IsRegular() && ourFileName.MatchString(e.Name()) && !keep[e.Name()] {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			continue
		}
		left++
	}
	if left == 0 {
		// Fails harmlessly when another writer's file appeared meanwhile.
		os.Remove(dir)
	}
	return nil
}
