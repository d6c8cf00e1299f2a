package output

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mparchive/mparchive/archive"
)

// MaterialsDir is the folder, below the site's root, that holds the
// permanent materials' files: DIR/materials in the site output,
// DIR/static/materials (published as /materials) in a Hugo site.
const MaterialsDir = "materials"

// outputMaterial is one permanent image, voice or video material as the
// outputs show it.
type outputMaterial struct {
	Kind               archive.MaterialKind
	MediaID            string
	Name               string // the file name it was uploaded as
	Title, Description string // a video's
	URL                string // where WeChat serves the file: an image's CDN address, a video's down_url
	Updated            time.Time
	// File is the name of its copy in the materials folder, after the
	// content hash; "" when the archive lacks the file (a download that
	// failed, to be retried by the next fetch).
	File  string
	MIME  string
	Size  int64
	entry archive.MediaEntry
}

// displayName is what a list shows as the material's name: a video's
// title, else the name it was uploaded as, else its media_id.
func (m *outputMaterial) displayName() string {
	for _, s := range []string{m.Title, m.Name} {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return m.MediaID
}

// playable tells whether browsers can play the voice or video file as it
// is. WeChat stores most voice messages as AMR, which no browser decodes;
// those are offered for download only.
func (m *outputMaterial) playable() bool {
	if m.File == "" {
		return false
	}
	t := strings.ToLower(m.MIME)
	ext := strings.ToLower(filepath.Ext(m.File))
	switch {
	case strings.Contains(t, "amr") || strings.Contains(t, "3gpp") || ext == ".amr" || ext == ".3gp":
		return false
	case m.Kind == archive.VoiceMaterial:
		return strings.HasPrefix(t, "audio/") || slices.Contains([]string{".mp3", ".m4a", ".aac", ".wav", ".ogg", ".oga", ".opus", ".flac"}, ext)
	case m.Kind == archive.VideoMaterial:
		return strings.HasPrefix(t, "video/") || slices.Contains([]string{".mp4", ".m4v", ".webm", ".ogv", ".mov"}, ext)
	}
	return false
}

// materialKindRank orders kinds as archive.MaterialKinds does.
func materialKindRank(k archive.MaterialKind) int {
	if i := slices.Index(archive.MaterialKinds, k); i >= 0 {
		return i
	}
	return len(archive.MaterialKinds)
}

// materialMatch applies an article filter to a material, so that a partial
// export means the same for both: the date range to its update time, the
// title pattern to its title or name. Materials have no author, so an
// author filter leaves them all out.
func materialMatch(f *Filter, m *archive.Material) bool {
	if f == nil {
		return true
	}
	switch {
	case !f.Since.IsZero() && m.UpdateTime.Before(f.Since):
		return false
	case !f.Until.IsZero() && !m.UpdateTime.Before(f.Until):
		return false
	case f.Author != "":
		return false
	case f.TitleMatch != nil && !f.TitleMatch.MatchString(m.Title) && !f.TitleMatch.MatchString(m.Name):
		return false
	}
	return true
}

// loadMaterials reads the archive's materials that the filter selects, in
// the order every output lists them: images, voice, video, each newest
// first, the media_id breaking ties. Each stored file gets its name in the
// materials folder after its content hash, the full hash when two files
// share the first 12 digits.
func loadMaterials(a *archive.Archive, f *Filter) ([]outputMaterial, error) {
	var out []outputMaterial
	err := a.WalkMaterials(func(m *archive.Material) error {
		if !materialMatch(f, m) {
			return nil
		}
		om := outputMaterial{
			Kind: m.Kind, MediaID: m.MediaID, Name: strings.ToValidUTF8(m.Name, "\uFFFD"),
			Title: strings.ToValidUTF8(m.Title, "\uFFFD"), Description: strings.ToValidUTF8(m.Description, "\uFFFD"),
			URL: m.URL, Updated: m.UpdateTime,
		}
		if m.Kind == archive.VideoMaterial {
			om.URL = m.DownURL
		}
		if e, ok := a.Media(m.MediaKey()); ok {
			if st, err := os.Stat(a.MediaPath(e)); err == nil && st.Mode().IsRegular() {
				om.entry, om.MIME, om.Size = e, e.Type, st.Size()
			}
		}
		out = append(out, om)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("materials: %w", err)
	}
	slices.SortFunc(out, func(x, y outputMaterial) int {
		return cmp.Or(
			cmp.Compare(materialKindRank(x.Kind), materialKindRank(y.Kind)),
			y.Updated.Compare(x.Updated),
			strings.Compare(x.MediaID, y.MediaID),
		)
	})
	// Names are handed out in list order, so a clash always resolves the
	// same way.
	byHash := map[string]string{}
	taken := map[string]bool{}
	for i := range out {
		m := &out[i]
		if m.entry.SHA256 == "" {
			continue
		}
		if name, ok := byHash[m.entry.SHA256]; ok {
			m.File = name
			continue
		}
		ext := materialExt(m.entry)
		name := shortHash(m.entry.SHA256) + ext
		if taken[name] {
			name = m.entry.SHA256 + ext
		}
		taken[name] = true
		byHash[m.entry.SHA256] = name
		m.File = name
	}
	return out, nil
}

// copyMaterials makes dir hold exactly the files of ms: each copied unless
// a file of that name and size is there already (the name is the content
// hash), and our files that no material names any more removed. It returns
// how many files it wrote.
func copyMaterials(a *archive.Archive, root, dir string, ms []outputMaterial) (int, error) {
	keep := map[string]bool{}
	copied := 0
	for i := range ms {
		m := &ms[i]
		if m.File == "" || keep[m.File] {
			continue
		}
		keep[m.File] = true
		wrote, err := copyFileAtomic(wayFor(a.Dir(), root), a.MediaPath(m.entry), root, dir+"/"+m.File, m.Size)
		if err != nil {
			return copied, fmt.Errorf("material %s %s: %w", m.Kind, m.MediaID, err)
		}
		if wrote {
			copied++
		}
	}
	return copied, removeOurFilesExcept(root, dir, keep)
}

// copyFileAtomic places src at root/rel (placeFile: a reflink, a hard
// link or a copy) through a temporary name and a rename, since a video
// material may be large and a reader must never see half of it. A regular
// file there of the given size is taken to be the same file: its name is
// the content hash. An SVG is published sanitized (publishedBytes);
// nothing is written through a link (checkOutPath).
func copyFileAtomic(way *placeWay, src, root, rel string, size int64) (wrote bool, err error) {
	dest, err := checkOutPath(root, rel)
	if err != nil {
		return false, err
	}
	if strings.HasSuffix(rel, svgExt) {
		data, err := os.ReadFile(src)
		if err != nil {
			return false, err
		}
		return archive.WriteFileAtomic(dest, publishedBytes(rel, data))
	}
	if st, err := os.Lstat(dest); err == nil && st.Mode().IsRegular() && st.Size() == size {
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return false, err
	}
	// A free name for the temporary file; placeFile creates it.
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp-*")
	if err != nil {
		return false, err
	}
	tmp.Close()
	if err := os.Remove(tmp.Name()); err != nil {
		return false, err
	}
	if err := placeFile(way, src, tmp.Name()); err != nil {
		os.Remove(tmp.Name())
		return false, err
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		os.Remove(tmp.Name())
		return false, err
	}
	return true, nil
}

// materialKindName is the heading of a kind's section.
func materialKindName(k archive.MaterialKind) string {
	switch k {
	case archive.ImageMaterial:
		return "图片"
	case archive.VoiceMaterial:
		return "音频"
	case archive.VideoMaterial:
		return "视频"
	}
	return string(k)
}

// humanSize writes a file size the way a list shows it.
func humanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
