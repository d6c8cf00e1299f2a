// Package themes holds the templates and styles that outputs copy or execute,
// embedded in the binary so that a build needs no files beside it.
package themes

import (
	"embed"
	"io/fs"
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
