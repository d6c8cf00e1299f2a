// Package themes holds the templates and styles that outputs copy or execute,
// embedded in the binary so that a build needs no files beside it.
package themes

import (
	"io/fs"
	"strings"
)

// HugoShippedList is the path, inside Format("hugo"), of the list of every version
// of the skeleton's files that a release wrote into sites.
const HugoShippedList = "shipped.txt"

// HugoShipped maps each file of the skeleton, by its path in a site
// ("layouts/_default/single.html", "layouts/materials/list.html"), to the
// SHA-256 sums (hex) of every version mparchive has shipped of it. A file
// of a site that holds one of them was written by mparchive and never
// edited.
func HugoShipped() map[string]map[string]bool {
	data, err := fs.ReadFile(formatFiles, "hugo/"+HugoShippedList)
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
