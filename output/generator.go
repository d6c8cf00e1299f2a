package output

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/mparchive/mparchive/archive"
)

// generator is a site generator whose site mparchive seeds and fills with
// posts but does not build: Jekyll, Zola and Hexo.
type generator struct {
	// name is the --format name and the name of the theme folder
	// (themes.Format) that holds the skeleton.
	name string
	// configNames are the files the generator reads its configuration
	// from; the skeleton holds the first.
	configNames []string
	// config is what the skeleton's templates are executed with.
	config func(Options) any
	layout func(Options) postLayout
}

// generatorWriter writes the archive as the posts of a generator's site,
// plus, in a folder without a config of the generator's, the skeleton
// (config, layouts, home page) that makes the generator build a browsable
// site.
type generatorWriter struct {
	dir  string
	opts Options
	gen  *generator
}

// generators are the formats that generatorWriter writes; each format's
// file has its layout (the posts) and config (the skeleton's data).
var generators = []*generator{
	{name: "jekyll", configNames: []string{"_config.yml", "_config.yaml", "_config.toml"}, config: jekyllConfig, layout: newJekyllLayout},
	{name: "zola", configNames: []string{"config.toml", "zola.toml"}, config: zolaConfig, layout: func(Options) postLayout { return zolaLayout{} }},
	{name: "hexo", configNames: []string{"_config.yml", "_config.yaml", "_config.json"}, config: hexoConfig, layout: func(Options) postLayout { return hexoLayout{} }},
}

func init() {
	for _, g := range generators {
		register(g.name, func(dir string, opts Options) Writer {
			return &generatorWriter{dir: dir, opts: withDefaults(opts), gen: g}
		})
	}
}

// Write builds or updates the site from the archive; see writePosts for
// what is written when, and what a failure leaves.
func (w *generatorWriter) Write(ctx context.Context, a *archive.Archive) (*Result, error) {
	res := &Result{}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if err := w.writeSkeleton(); err != nil {
		return res, fmt.Errorf("%s: %w", w.gen.name, err)
	}
	_, err := writePosts(ctx, a, w.dir, w.opts, w.gen.name, w.gen.layout(w.opts), res)
	return res, err
}

// writeSkeleton gives a folder without a config of its own the config and
// templates that make the generator build it; a folder whose config
// mparchive wrote gets back any template that was deleted; a folder with
// the user's config gets nothing, since our templates would override the
// user's theme. A file of the skeleton that exists is never written over.
func (w *generatorWriter) writeSkeleton() error {
	found, ours, err := siteConfig(w.dir, w.gen.configNames)
	if err != nil || (found && !ours) {
		return err
	}
	theme, err := parseTheme(w.gen.name, w.opts.ThemeDir)
	if err != nil {
		return err
	}
	files, err := theme.execute(w.gen.config(w.opts))
	if err != nil {
		return err
	}
	// The config goes first: a run cut short after it still counts as
	// ours, and the next one adds the rest.
	var config []skeletonFile
	rest := files[:0:0]
	for _, f := range files {
		if f.path == w.gen.configNames[0] {
			if !found {
				config = append(config, f)
			}
			continue
		}
		rest = append(rest, f)
	}
	return writeMissing(w.dir, append(config, rest...), nil)
}

// skeletonFile is one file of a generator's site skeleton.
type skeletonFile struct {
	path    string // slash-separated, relative to the output folder
	content string
}

// writeMissing writes the files that do not exist in dir yet, in order.
// An existing one is the user's once written, and stays whatever its
// content, unless ours says its content is a version that mparchive wrote
// (nil: never); a link stays in any case.
func writeMissing(dir string, files []skeletonFile, ours func(path string, content []byte) bool) error {
	for _, f := range files {
		dest := filepath.Join(dir, filepath.FromSlash(f.path))
		if st, err := os.Lstat(dest); err == nil {
			if ours == nil || !st.Mode().IsRegular() {
				continue
			}
			old, err := os.ReadFile(dest)
			if err != nil {
				return err
			}
			if !ours(f.path, old) {
				continue
			}
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
// and whether the first found is one mparchive wrote and the user left
// marked (generatedByUs).
func siteConfig(dir string, names []string) (found, ours bool, err error) {
	for _, name := range names {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return true, generatedByUs(p), nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return false, false, err
		}
	}
	return false, false, nil
}
