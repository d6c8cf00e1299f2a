package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mparchive/mparchive/output"
)

// A folder holds one output: two formats written into it would mix their
// files (Hugo's content/ beside Jekyll's _posts/, two index pages) and
// prune each other's pages. Each complete build leaves
// .mparchive/build-<format>.json (buildcache.go), which tells what the
// folder holds.

// builtFormats lists the formats whose build the folder out records.
func builtFormats(out string) []string {
	var found []string
	for _, f := range output.Formats() {
		if _, err := os.Stat(buildRecordPath(out, f)); err == nil {
			found = append(found, f)
		}
	}
	return found
}

// checkOneFormat refuses to write format into out when out holds another
// format's output, and says how to write it into a folder of its own from
// the same archive, which needs no new fetch.
func checkOneFormat(out, format, archiveDir string) error {
	others := slices.DeleteFunc(builtFormats(out), func(f string) bool { return f == format })
	if len(others) == 0 {
		return nil
	}
	dest := strings.TrimRight(out, `/\`) + "-" + format
	return refusal{"%s already holds the %s output; a %s output in the same folder would mix their files.\n" +
		"Write it into a folder of its own, from the same archive:\n" +
		"  mparchive build --archive " + shellQuote(archiveDir) + " --format " + format + " -o " + shellQuote(dest),
		[]any{out, strings.Join(others, " and "), format}}
}

// checkServable refuses to serve a folder that is not a built site, and
// says what to run instead.
func checkServable(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err == nil {
		return nil
	}
	built := builtFormats(dir)
	// The site format from the folder's own archive, when it has one.
	site := strings.TrimRight(dir, `/\`) + "-site"
	fromArchive := ""
	if _, err := os.Stat(filepath.Join(dir, archiveSubdir, "items")); err == nil {
		fromArchive = "  mparchive build --archive " + shellQuote(filepath.Join(dir, archiveSubdir)) + " --format site -o " + shellQuote(site) + "\n" +
			"  mparchive serve " + shellQuote(site)
	}
	switch {
	case slices.Contains(built, "hugo") || hugoSource(dir):
		msg := "%s is the source of a Hugo site, not a built one. Build it and serve what Hugo writes:\n" +
			"  hugo --source " + shellQuote(dir) + " && mparchive serve " + shellQuote(filepath.Join(dir, "public"))
		if fromArchive != "" {
			msg += "\nor write mparchive's own site from its archive:\n" + fromArchive
		}
		return refusal{msg, []any{dir}}
	case len(built) > 0 && fromArchive != "":
		return refusal{"%s holds the %s output, which its generator builds into a site; mparchive serves the site format:\n" + fromArchive,
			[]any{dir, strings.Join(built, " and ")}}
	}
	return refusal{"%s has no index.html, so it is no built site. Write one with:\n" +
		"  mparchive export --format site -o " + shellQuote(dir), []any{dir}}
}

// hugoSource tells a Hugo site's source folder by its config.
func hugoSource(dir string) bool {
	for _, name := range []string{"hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json", "config.toml", "config.yaml", "config.yml", "config.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}
