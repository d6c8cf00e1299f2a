package themes

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// The site output's themes. common holds the templates and scripts every
// theme shares; each other folder is a theme whose files replace common's
// of the same path (layouts/*.html, assets/*).
//
//go:embed all:site
var siteFiles embed.FS

// DefaultSiteTheme is the theme used when none is named.
const DefaultSiteTheme = "reading"

const siteCommon = "common"

// SiteCommon returns the files that every site theme starts from.
func SiteCommon() fs.FS {
	sub, err := fs.Sub(siteFiles, "site/"+siteCommon)
	if err != nil {
		panic(err) // constant path
	}
	return sub
}

// SiteThemes lists the names of the embedded site themes, sorted.
func SiteThemes() []string {
	entries, err := fs.ReadDir(siteFiles, "site")
	if err != nil {
		panic(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != siteCommon {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names
}

// SiteTheme returns the files of the named site theme, which override
// SiteCommon's; "" names DefaultSiteTheme.
func SiteTheme(name string) (fs.FS, error) {
	if name == "" {
		name = DefaultSiteTheme
	}
	if !slices.Contains(SiteThemes(), name) {
		return nil, fmt.Errorf("unknown theme %q (embedded themes: %s)", name, strings.Join(SiteThemes(), ", "))
	}
	return fs.Sub(siteFiles, "site/"+name)
}
