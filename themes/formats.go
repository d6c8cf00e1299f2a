package themes

import (
	"embed"
	"io/fs"
)

// The theme folders of the formats other than the site (site.go): the
// skeleton mparchive seeds a new Hugo, Jekyll, Zola or Hexo site with, and
// the markdown output's listing. The all: prefix keeps files whose names
// start with a dot or underscore, such as Hugo's _default folder. A file whose name ends in TemplateSuffix is a
// text/template, executed into the file of its name without the suffix;
// any other file is copied as it is.
//
//go:embed all:hugo all:jekyll all:zola all:hexo all:markdown
var formatFiles embed.FS

// TemplateSuffix ends the names of the files that are executed rather
// than copied.
const TemplateSuffix = ".tmpl"

// Format returns the theme folder of the named output format: "hugo",
// "jekyll", "zola", "hexo" or "markdown"; the site's are SiteCommon() and
// SiteTheme().
func Format(name string) fs.FS {
	if _, err := fs.Stat(formatFiles, name); err != nil {
		panic("themes: no theme folder for format " + name)
	}
	sub, err := fs.Sub(formatFiles, name)
	if err != nil {
		panic(err) // a valid path: fs.Stat found it
	}
	return sub
}

// The stylesheet of the Jekyll and Zola skeletons is kept once, in shared/:
// both generators publish a site's static/ folder (Jekyll at /static/, Zola
// at the root), so the one file serves both from the same path.
//
//go:embed shared
var sharedFiles embed.FS

// sharedBy are the formats whose skeletons hold the files of shared/.
var sharedBy = map[string]bool{"jekyll": true, "zola": true}

// Layers returns what a format's skeleton is read from, later over
// earlier: the shared files it uses, then its own folder (Format).
func Layers(name string) []fs.FS {
	own := Format(name)
	if !sharedBy[name] {
		return []fs.FS{own}
	}
	shared, err := fs.Sub(sharedFiles, "shared")
	if err != nil {
		panic(err) // a valid path: it is embedded
	}
	return []fs.FS{shared, own}
}
