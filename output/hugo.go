package output

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/mparchive/mparchive/archive"
)

// HugoWriter writes the archive as the content of a Hugo site: one page
// bundle per article,
//
//	DIR/content/posts/<slug>/index.md        front matter + Markdown body
//	DIR/content/posts/<slug>/<hash12><ext>   its images, cover included
//	DIR/.mparchive/slugs.json                article key → slug, kept stable
//
// plus, in a folder without a Hugo config, a hugo.toml and layouts that make
// `hugo --source DIR` build a browsable site. An archive with permanent
// materials adds
//
//	DIR/data/materials.json                  the list, for templates (site.Data.materials)
//	DIR/static/materials/<hash12><ext>       their files, published as /materials/…
//	DIR/content/materials/_index.md          the materials page, with the skeleton only
//	DIR/layouts/materials/list.html          its layout, with the skeleton only
type HugoWriter struct {
	dir  string
	opts Options
}

// NewHugo returns a writer into the Hugo site folder dir.
func NewHugo(dir string, opts Options) *HugoWriter {
	return &HugoWriter{dir: dir, opts: withDefaults(opts)}
}

// PostsDir is the folder, relative to the site, that holds the page bundles.
const PostsDir = "content/posts"

// Write builds or updates the site from the archive; see writePosts for
// what is written when, and what a failure leaves.
func (w *HugoWriter) Write(ctx context.Context, a *archive.Archive) (*Result, error) {
	res := &Result{}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if err := w.writeSkeleton(); err != nil {
		return res, fmt.Errorf("hugo: %w", err)
	}
	if _, err := writePosts(ctx, a, w.dir, w.opts, "hugo", hugoLayout{}, res); err != nil {
		return res, err
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if err := w.writeMaterials(a); err != nil {
		return res, fmt.Errorf("hugo: %w", err)
	}
	return res, nil
}

// hugoLayout puts each article into a page bundle: index.md beside its
// images, which it links by bare file name.
type hugoLayout struct{}

func (hugoLayout) paths(_ *archive.Article, slug string) (string, string) {
	return PostsDir + "/" + slug + "/index.md", PostsDir + "/" + slug
}

func (hugoLayout) imageLink(_ *archive.Article, _, name string) string { return name }

func (hugoLayout) page(art *archive.Article, _ string, imgs pageImages, body string) ([]byte, error) {
	art = hugoText(art)
	fm := NewFrontMatter(art)
	fm.setPictures(hugoPictures, validUTF8(art.Title), imgs)
	fm.PostMeta = fm.PostMeta.forHugo()
	head, err := marshalYAMLFrontMatter(fm)
	if err != nil {
		return nil, err
	}
	return joinPage(head, escapeHugoShortcodes(body)), nil
}

// hugoMaterialsSkeleton is the folder of Hugo's theme whose tree (the
// materials page's content file and layout) is copied into a site with
// materials; writeSkeleton leaves it out, so sites without any get none.
const hugoMaterialsSkeleton = "materials"

// hugoMaterialsData is where the materials list goes; Hugo reads it as
// site.Data.materials.
const hugoMaterialsData = "data/materials.json"

// hugoMaterial is one entry of data/materials.json. Its keys are the
// contract with layouts, ours and the user's: add to them, never rename.
type hugoMaterial struct {
	Kind        string `json:"kind"`
	MediaID     string `json:"media_id"`
	Name        string `json:"name"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	UpdateTime  string `json:"update_time,omitempty"` // RFC 3339, Beijing time
	// File is the copy's path below the site's root ("materials/<hash><ext>",
	// for relURL); absent when the archive lacks the file.
	File     string `json:"file,omitempty"`
	Type     string `json:"type,omitempty"` // MIME type
	Size     int64  `json:"size,omitempty"`
	Playable bool   `json:"playable,omitempty"` // voice or video a browser plays as it is
	URL      string `json:"url,omitempty"`      // an image's WeChat address
}

type hugoMaterialsFile struct {
	Generator string         `json:"generator"`
	Items     []hugoMaterial `json:"items"`
}

// writeMaterials writes data/materials.json and the files under
// static/materials, and, in a site whose skeleton is ours, the materials
// page's content file and layout where they are missing. An archive
// without materials gets none of it; files an earlier run wrote for
// materials no longer selected are removed, never a user's.
func (w *HugoWriter) writeMaterials(a *archive.Archive) error {
	ms, err := loadMaterials(a, w.opts.Filter)
	if err != nil {
		return err
	}
	staticDir := filepath.Join(w.dir, "static", MaterialsDir)
	if len(ms) == 0 {
		if err := removeOurs(w.dir, hugoMaterialsData, isOurMaterialsData); err != nil {
			return err
		}
		return removeOurFilesExcept(w.dir, outRel(w.dir, staticDir), nil)
	}
	if _, err := copyMaterials(a, w.dir, outRel(w.dir, staticDir), ms); err != nil {
		return err
	}
	data := hugoMaterialsFile{Generator: "mparchive", Items: make([]hugoMaterial, 0, len(ms))}
	for _, m := range ms {
		hm := hugoMaterial{
			Kind: string(m.Kind), MediaID: m.MediaID, Name: m.Name, Title: m.Title, Description: m.Description,
			Type: m.MIME, Playable: m.playable(),
		}
		if !m.Updated.IsZero() {
			hm.UpdateTime = m.Updated.In(archive.ChinaTime).Format(time.RFC3339)
		}
		if m.File != "" {
			hm.File = MaterialsDir + "/" + m.File
			hm.Size = m.Size
		}
		if m.Kind == archive.ImageMaterial && isRemoteURL(m.URL) {
			hm.URL = m.URL
		}
		data.Items = append(data.Items, hm)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Names keep their < > & as uploaded; Hugo reads either form.
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(data); err != nil {
		return err
	}
	if _, err := writeOut(w.dir, hugoMaterialsData, buf.Bytes()); err != nil {
		return err
	}
	if !generatedByUs(filepath.Join(w.dir, "hugo.toml")) {
		// The user's own site: the data and files are there for their
		// layouts; a page of ours could clash with their theme.
		return nil
	}
	skel, err := w.skeleton()
	if err != nil {
		return err
	}
	return writeMissing(w.dir, skel.materials, shippedVersion)
}

// isOurMaterialsData tells a data/materials.json that mparchive wrote.
func isOurMaterialsData(content []byte) bool {
	var head struct {
		Generator string `json:"generator"`
	}
	return json.Unmarshal(content, &head) == nil && head.Generator == "mparchive"
}
