package output

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/mparchive/mparchive/archive"
)

// Most of what a first build does after an export's fetch, once the
// conversions come from the cache (Preconverter), is file system work:
// a folder per article, a link per image, a page. A staged folder does
// that work while the fetch waits on the network: the pre-converter
// places an article's images, and its page where the page lives in that
// folder (Hugo, Zola), into a folder of the output's private area
// (StageDir), named by a digest of its images and of what its page is
// made of (pageInput: the page is a function of that alone); the build,
// when it would create that article's folder anyway and expects exactly
// those images and a page made of the same, moves the staged folder into
// place with one rename, and neither places the images nor renders and
// writes the page.
//
// The slug is not in the digest: it is only known once the build has
// assigned every slug, and where it goes is the build's decision. Links
// to other articles in the page are the pre-converter's guesses; a wrong
// one makes another body, another digest, and the build writes the
// article itself. So a staged folder is used only when it is byte for
// byte what the build would write, and the output does not depend on
// whether staging ran.
//
// A folder is filled under a temporary name and renamed to its digest
// when complete, so a crash leaves no staged folder that is only part of
// one. Its images are reflinks or hard links to the media store, never
// copies (which a power cut could leave short, and which the build checks
// by size where staging would not); an article whose images would need a
// copy, or SVG files (written sanitized, not linked), is not staged.
// Export removes the area when it ends; one left by a killed run is
// removed by the next export before it stages anything, and a build run
// meanwhile may take its complete folders: a digest that matches is a
// folder holding exactly what that build would write.

// stageVersion changes whenever what a digest covers changes.
const stageVersion = "mparchive staged folder 1"

// StageDir is the area of the output folder dir where export stages the
// folders of format.
func StageDir(dir, format string) string {
	return filepath.Join(dir, ".mparchive", "stage-"+format)
}

// stagedPage tells whether the layout's page lives in the article's media
// folder and does not depend on the slug, so that it can be staged with
// the images.
func stagedPage(l postLayout) (name string, ok bool) {
	switch l.(type) {
	case hugoLayout, zolaLayout:
		return "index.md", true
	}
	return "", false
}

// pageInput is what a staged page is made of: Hugo's and Zola's pages are
// a function of the article, its images and its body alone (the slug
// they are given goes unused), and of the program that renders them.
type pageInput struct {
	program string
	art     *archive.Article // without its body, as the catalog has it
	imgs    pageImages
	body    string
}

// key encodes the input whole (the article as the catalog encodes it,
// which decodes back to the same article), or reports that it cannot.
func (in pageInput) key() ([]byte, bool) {
	if in.program == "" {
		return nil, false
	}
	b, ok := encodeValue(nil, reflect.ValueOf(in.art).Elem())
	if !ok {
		return nil, false
	}
	for _, s := range append([]string{in.program, in.imgs.Cover, in.body}, in.imgs.Images...) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b, true
}

// stageName is the name of the staged folder of the article with this
// key holding files and, unless pageName is "", the page made of the
// input whose key is page.
func stageName(format, key string, files []bundleImage, pageName string, page []byte) string {
	h := sha256.New()
	for _, s := range []string{stageVersion, format, key, pageName} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	for _, f := range files {
		for _, s := range []string{f.name, f.entry.SHA256, f.entry.File} {
			h.Write([]byte(s))
			h.Write([]byte{0})
		}
	}
	h.Write(page)
	return hex.EncodeToString(h.Sum(nil)[:20])
}

// stageable tells whether files can be staged: no SVG (see above).
func stageable(files []bundleImage) bool {
	for _, f := range files {
		if strings.HasSuffix(f.name, svgExt) {
			return false
		}
	}
	return true
}

// errMustCopy stops staging where only a copy would place a file.
var errMustCopy = errors.New("output: staging needs reflinks or hard links")

// stageJob is a folder to stage.
type stageJob struct {
	key      string
	files    []bundleImage
	pageName string
	page     []byte // the file
	pageKey  []byte // pageInput.key of what it was made of
}

// stager fills staged folders for a Preconverter, in its worker: the
// export's background work stays on one goroutine, so that it takes at
// most one core from the fetch.
type stager struct {
	a      *archive.Archive
	dir    string // StageDir
	format string
	way    *placeWay
	// off stops the staging: when this file system would need copies.
	off bool
}

// newStager clears the stage area of format in out, left by a run that
// was killed, and returns a stager for it, or nil when it cannot be made.
func newStager(a *archive.Archive, out, format string) *stager {
	dir := StageDir(out, format)
	if err := os.RemoveAll(dir); err != nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil
	}
	return &stager{a: a, dir: dir, format: format, way: wayFor(a.Dir(), out)}
}

// stage fills one folder. Any failure leaves the article to the build.
func (s *stager) stage(j stageJob) {
	if s.off {
		return
	}
	name := stageName(s.format, j.key, j.files, j.pageName, j.pageKey)
	final := filepath.Join(s.dir, name)
	if _, err := os.Lstat(final); err == nil {
		return // staged already: the item came twice
	}
	tmp := final + ".part"
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	for _, f := range j.files {
		err := linkMedia(s.way, s.a.MediaPath(f.entry), filepath.Join(tmp, f.name))
		if errors.Is(err, errMustCopy) {
			s.off = true
		}
		if err != nil {
			return
		}
	}
	if j.pageName != "" {
		if err := writeNew(filepath.Join(tmp, j.pageName), j.page); err != nil {
			return
		}
	}
	ok = os.Rename(tmp, final) == nil
}

// writeNew writes data to path, a file it creates.
func writeNew(path string, data []byte) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// stageArea is the build's side: the staged folders it may take.
type stageArea struct {
	dir    string
	format string
}

// openStage returns the stage area of format in out, or nil when there
// is none (no export staged anything): the build then looks for nothing.
func openStage(out, format string) *stageArea {
	dir := StageDir(out, format)
	if st, err := os.Lstat(dir); err != nil || !st.IsDir() {
		return nil
	}
	return &stageArea{dir: dir, format: format}
}

// take moves the staged folder of the article with this key, if one holds
// exactly files and, where the layout stages pages, the page made of in,
// into folder (the article's media folder, mediaDir in the output), which
// does not exist, and tells whether it did.
func (s *stageArea) take(l postLayout, key, folder, mediaDir, pagePath string, files []bundleImage, in pageInput) bool {
	if s == nil || !stageable(files) {
		return false
	}
	pageName, withPage := stagedPage(l)
	var page []byte
	switch {
	case withPage && pagePath != mediaDir+"/"+pageName:
		return false
	case withPage:
		var ok bool
		if page, ok = in.key(); !ok {
			return false
		}
	case len(files) == 0:
		// The build makes no folder for an article without images
		// whose page lives elsewhere.
		return false
	}
	staged := filepath.Join(s.dir, stageName(s.format, key, files, pageName, page))
	if err := os.MkdirAll(filepath.Dir(folder), 0o755); err != nil {
		return false
	}
	// Fails when nothing was staged for these contents, or when
	// folder appeared meanwhile.
	return os.Rename(staged, folder) == nil
}

// linkMedia makes dest, which does not exist, a reflink or a hard link of
// src, the ways placeFile tries first; errMustCopy when neither works
// here.
func linkMedia(way *placeWay, src, dest string) error {
	clone, link := way.can()
	if clone {
		err := cloneFile(src, dest)
		if err == nil || !errors.Is(err, errCloneUnsupported) {
			return err
		}
		way.failed(true, false)
	}
	if !link {
		return errMustCopy
	}
	err := os.Link(src, dest)
	if err == nil || errors.Is(err, fs.ErrExist) || tooManyLinks(err) {
		return err
	}
	way.failed(false, true)
	return errMustCopy
}
