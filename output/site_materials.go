package output

import (
	"time"

	"github.com/mparchive/mparchive/archive"
)

// The materials page's values; see pageView.
type (
	materialGroupView struct {
		Kind  string // image, voice, video
		Name  string // the section's heading
		Items []materialView
	}
	materialView struct {
		Kind        string
		MediaID     string
		Name        string // what the list shows: a video's title, else the file name
		FileName    string // the name it was uploaded as
		Description string
		Date        *time.Time
		// File links the local copy, relative to the page; "" when the
		// archive lacks it.
		File     string
		MIME     string
		Size     string
		Playable bool // an <audio> or <video> can play File
		// Original links where WeChat serves it (images, and videos whose
		// file is missing): a link only, never loaded by the page.
		Original string
	}
)

// materialsPage is the page's path below the site's root.
const materialsPage = MaterialsDir + "/index.html"

// writeMaterials writes the materials page and copies the files beside it.
// A site without materials gets neither; a page and files left by an
// earlier run whose materials are no longer selected are removed.
func (s *siteBuild) writeMaterials() error {
	if len(s.materials) == 0 {
		// The page goes with the list pages of an earlier run
		// (pruneListPages), if this writer wrote it.
		return removeOurFilesExcept(s.w.dir, MaterialsDir, nil)
	}
	if _, err := copyMaterials(s.arch, s.w.dir, MaterialsDir, s.materials); err != nil {
		return err
	}
	v := s.newPage("materials", "materials", "../", MaterialsDir+"/")
	v.Title, v.Heading = "素材", "素材"
	v.Description = s.w.opts.SiteTitle + "的永久素材：图片、音频和视频"
	for _, m := range s.materials {
		n := len(v.Materials)
		if n == 0 || v.Materials[n-1].Kind != string(m.Kind) {
			v.Materials = append(v.Materials, materialGroupView{Kind: string(m.Kind), Name: materialKindName(m.Kind)})
			n++
		}
		mv := materialView{
			Kind: string(m.Kind), MediaID: m.MediaID, Name: m.displayName(), FileName: m.Name,
			Description: m.Description, MIME: m.MIME, Playable: m.playable(),
		}
		if !m.Updated.IsZero() {
			d := m.Updated
			mv.Date = &d
		}
		if m.File != "" {
			mv.File = linkPath(m.File)
			mv.Size = humanSize(m.Size)
		}
		if isRemoteURL(m.URL) && (m.Kind == archive.ImageMaterial || m.File == "") {
			mv.Original = m.URL
		}
		v.Materials[n-1].Items = append(v.Materials[n-1].Items, mv)
	}
	return s.writePage("materials", materialsPage, v)
}

// newestMaterial is the latest update time of the site's materials.
func (s *siteBuild) newestMaterial() time.Time {
	var t time.Time
	for _, m := range s.materials {
		if m.Updated.After(t) {
			t = m.Updated
		}
	}
	return t
}
