package output

import (
	"bufio"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// skeletonFile is one file of a generator's site skeleton.
type skeletonFile struct {
	path    string // slash-separated, relative to the output folder
	content string
}

// writeMissing writes the files that do not exist yet, in order, and
// leaves every existing one alone whatever its content: they are the
// user's once written.
func writeMissing(dir string, files []skeletonFile) error {
	for _, f := range files {
		dest := filepath.Join(dir, filepath.FromSlash(f.path))
		if _, err := os.Lstat(dest); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if _, err := writeOut(dir, f.path, []byte(f.content)); err != nil {
			return err
		}
	}
	return nil
}

// siteConfig tells whether dir holds one of a generator's config files,
// and whether the first found is one mparchive wrote (its first line
// starts with marker) and the user left marked.
func siteConfig(dir string, names []string, marker string) (found, ours bool, err error) {
	for _, name := range names {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return true, firstLineHasPrefix(p, marker), nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return false, false, err
		}
	}
	return false, false, nil
}

func firstLineHasPrefix(path, prefix string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	return strings.HasPrefix(line, prefix)
}

// writeSiteSkeleton gives a folder without a config of its own the config
// and templates that make the generator build it; a folder whose config
// mparchive wrote gets back any template that was deleted; a folder with
// the user's config gets nothing, since our templates would override the
// user's theme.
func writeSiteSkeleton(dir string, configNames []string, marker string, config skeletonFile, templates []skeletonFile) error {
	found, ours, err := siteConfig(dir, configNames, marker)
	if err != nil || (found && !ours) {
		return err
	}
	if !found {
		if err := writeMissing(dir, []skeletonFile{config}); err != nil {
			return err
		}
	}
	return writeMissing(dir, templates)
}

// yamlString quotes s as a YAML double-quoted scalar, for config files
// written from templates; a JSON string is one, and escapes every control
// character.
func yamlString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
