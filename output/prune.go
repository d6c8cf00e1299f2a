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
		mediaDir := filepath.Join(dir, filepath.FromSlash(media))
		if failed[key] {
			return nil
		}
		if selected[key] {
			return removeOurFilesExcept(mediaDir, keep[key])
		}
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(page))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return removeOurFilesExcept(mediaDir, nil)
	})
}

// removeOurFilesExcept deletes our image and material files in dir that are
// not in keep, then dir itself if that left it empty.
func removeOurFilesExcept(dir string, keep map[string]bool) error {
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
