// Package themes holds the templates and styles that outputs copy or execute,
// embedded in the binary so that a build needs no files beside it.
package themes

import (
	"embed"
	"io/fs"
	"strings"
)

// The all: prefix keeps files whose names start with a dot or underscore,
// such as Hugo's _default folder.
//
//go:embed all:hugo
var hugoFiles embed.FS

// HugoConfigTemplate is the path, inside Hugo(), of the text/template that
// renders a new site's hugo.toml. It is executed with a struct whose Title
// field is already a quoted TOML string.
const HugoConfigTemplate = "hugo.toml.tmpl"

// HugoLayouts is the folder, inside Hugo(), whose tree is copied into a site
// that has no configuration of its own.
const HugoLayouts = "layouts"

// Hugo returns the Hugo skeleton: the config template and the layouts tree.
func Hugo() fs.FS {
	sub, err := fs.Sub(hugoFiles, "hugo")
	if err != nil {
		// fs.Sub fails only on an invalid path, which is a constant here.
		panic(err)
	}
	return sub
}

// HugoShippedList is the path, inside Hugo(), of the list of every version
// of the skeleton's files that a release wrote into sites.
const HugoShippedList = "shipped.txt"

// HugoShipped maps each file of the skeleton, by its path in a site
// ("layouts/_default/single.html", "layouts/materials/list.html"), to the
// SHA-256 sums (hex) of every version mparchive has shipped of it. A file
// of a site that holds one of them was written by mparchive and never
// edited.
func HugoShipped() map[string]map[string]bool {
	data, err := fs.ReadFile(hugoFiles, "hugo/"+HugoShippedList)
	if err != nil {
		panic(err) // embedded: present in every build
	}
	shipped := map[string]map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		sum, path, ok := strings.Cut(strings.TrimSpace(line), "  ")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		if shipped[path] == nil {
			shipped[path] = map[string]bool{}
		}
		shipped[path][sum] = true
	}
	return shipped
}
