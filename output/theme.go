package output

import (
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"text/template"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"

	"github.com/mparchive/mparchive/themes"
)

// themeFile is one file of a format's theme, with where it came from for
// error messages.
type themeFile struct {
	data   []byte
	origin string // "theme file layouts/base.html", or the file in --theme-dir
	layer  int    // of the layers themeFiles read, later over earlier
}

// themeFiles reads a theme by path: the files of each embedded layer over
// those of the layers before it, then the files of dir (--theme-dir, when
// not "") over all of them. Every format reads its theme through here, so
// --theme-dir means the same in each: a folder laid out like the format's
// folder in themes/, whose files replace or add to the embedded ones.
// Names starting with a dot (.git, .DS_Store) are left out: a theme folder
// kept under version control must not bring its repository along.
func themeFiles(dir string, layers ...fs.FS) (map[string]themeFile, error) {
	if dir != "" {
		st, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("--theme-dir: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("--theme-dir %s is not a folder", dir)
		}
		layers = append(layers, os.DirFS(dir))
	}
	files := map[string]themeFile{}
	for i, layer := range layers {
		err := fs.WalkDir(layer, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != "." && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			data, err := fs.ReadFile(layer, p)
			if err != nil {
				return err
			}
			origin := "theme file " + p
			if dir != "" && i == len(layers)-1 {
				origin = dir + string(os.PathSeparator) + p
			}
			files[p] = themeFile{data: data, origin: origin, layer: i}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("theme: %w", err)
		}
	}
	return files, nil
}

// themeFuncs quote values for the config files that themes write, with
// the encoders that write the front matter.
var themeFuncs = template.FuncMap{"yaml": yamlString, "toml": tomlString}

// parsedTheme is a theme whose templates parsed: a format checks its
// theme before it writes anything, and executes it when it has the data.
type parsedTheme struct {
	paths []string // sorted
	files map[string]themeFile
	tmpls map[string]*template.Template // by path, for the files ending in themes.TemplateSuffix
}

// parseTheme reads and parses the theme of format (themes.Layers), with
// --theme-dir's files over it.
func parseTheme(format, dir string) (*parsedTheme, error) {
	files, err := themeFiles(dir, themes.Layers(format)...)
	if err != nil {
		return nil, err
	}
	t := &parsedTheme{files: files, tmpls: map[string]*template.Template{}}
	// Of a file and a template that write the same file (index.md beside
	// index.md.tmpl), the later layer's wins, and in one layer the
	// template.
	byOutput := map[string]string{}
	for p, f := range files {
		out := strings.TrimSuffix(p, themes.TemplateSuffix)
		prev, ok := byOutput[out]
		if !ok || files[prev].layer < f.layer || (files[prev].layer == f.layer && p > prev) {
			byOutput[out] = p
		}
	}
	for _, p := range byOutput {
		t.paths = append(t.paths, p)
	}
	slices.Sort(t.paths)
	for _, p := range t.paths {
		f := files[p]
		if !strings.HasSuffix(p, themes.TemplateSuffix) {
			continue
		}
		tmpl, err := template.New(p).Option("missingkey=error").Funcs(themeFuncs).Parse(string(f.data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.origin, err)
		}
		t.tmpls[p] = tmpl
	}
	return t, nil
}

// execute returns the files the theme stands for, sorted by path: each
// template executed with data under its name without the suffix, any
// other file as it is.
func (t *parsedTheme) execute(data any) ([]skeletonFile, error) {
	out := make([]skeletonFile, 0, len(t.paths))
	for _, p := range t.paths {
		tmpl, ok := t.tmpls[p]
		if !ok {
			out = append(out, skeletonFile{path: p, content: string(t.files[p].data)})
			continue
		}
		var b strings.Builder
		if err := tmpl.Execute(&b, data); err != nil {
			return nil, fmt.Errorf("%s: %w", t.files[p].origin, err)
		}
		out = append(out, skeletonFile{path: strings.TrimSuffix(p, themes.TemplateSuffix), content: b.String()})
	}
	return out, nil
}

// yamlString quotes s as a YAML double-quoted scalar, for config files
// written from templates, with the encoder that writes the front matter.
func yamlString(s string) (string, error) {
	b, err := yaml.Marshal(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.DoubleQuotedStyle, Value: validUTF8(s)})
	return strings.TrimSuffix(string(b), "\n"), err
}

// tomlString quotes s as a TOML basic string, for config files written from
// templates, with the encoder that writes the front matter.
func tomlString(s string) (string, error) {
	var b strings.Builder
	err := toml.NewEncoder(&b).Encode(struct {
		V string `toml:"v"`
	}{validUTF8(s)})
	return strings.TrimSuffix(strings.TrimPrefix(b.String(), "v = "), "\n"), err
}
