package archive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Permanent image, voice and video materials are stored beside the
// articles, each list item as batchget_material sent it:
//
//	items/materials/<kind>/<media_id>.json         the list item
//	items/materials/video/<media_id>.detail.json   get_material's answer for a video
//
// Their files go to the media store under MaterialMediaKey. Archive.Items
// and Walk do not see them: they are not articles.
const materialsDir = "materials"

// MaterialKind is a permanent material type, as batchget_material names it.
type MaterialKind string

// The material kinds a backup can fetch. Their values are what users give
// to --source and the folder names, so they must never change.
const (
	ImageMaterial MaterialKind = "image"
	VoiceMaterial MaterialKind = "voice"
	VideoMaterial MaterialKind = "video"
)

// MaterialKinds lists the kinds in the order runs and walks visit them.
var MaterialKinds = []MaterialKind{ImageMaterial, VoiceMaterial, VideoMaterial}

// ParseMaterialKind checks a material kind given by a user.
func ParseMaterialKind(s string) (MaterialKind, error) {
	for _, k := range MaterialKinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown material kind %q (want image, voice or video)", s)
}

// Material is one permanent material as the archive holds it.
type Material struct {
	Kind       MaterialKind
	MediaID    string
	Name       string // the file name it was uploaded as
	URL        string // image materials: the CDN URL
	UpdateTime time.Time
	// Title and Description are a video's, from get_material, and DownURL
	// where WeChat serves its file, for outputs to link when the file
	// could not be backed up.
	Title, Description, DownURL string
}

// MediaKey is the media-store key of the material's file: an image's URL
// (shared with articles that show it), else a key naming its media_id.
func (m *Material) MediaKey() string {
	return MaterialMediaKey(m.Kind, m.MediaID, m.URL)
}

// MaterialMediaKey is Material.MediaKey for a material not yet decoded.
func MaterialMediaKey(kind MaterialKind, mediaID, url string) string {
	switch {
	case kind == ImageMaterial && url != "":
		return url
	case kind == VideoMaterial:
		return "wechat-video:" + mediaID
	}
	return MaterialKey(mediaID)
}

type rawMaterial struct {
	MediaID    string  `json:"media_id"`
	Name       string  `json:"name"`
	URL        string  `json:"url"`
	UpdateTime FlexInt `json:"update_time"`
}

type rawVideoDetail struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	DownURL     string `json:"down_url"`
}

func (a *Archive) materialPath(kind MaterialKind, name string) string {
	return filepath.Join(a.dir, itemsDir, materialsDir, string(kind), name)
}

// MaterialID reads the media_id of a raw material list item.
func MaterialID(raw []byte) (string, error) {
	var m rawMaterial
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", fmt.Errorf("material item: %w", err)
	}
	if m.MediaID == "" {
		return "", errors.New("material item without a media_id")
	}
	return m.MediaID, nil
}

// PutMaterial stores one batchget_material item of kind as received,
// pretty-printed. It reports whether the file changed.
func (a *Archive) PutMaterial(kind MaterialKind, raw []byte) (changed bool, err error) {
	if _, err := ParseMaterialKind(string(kind)); err != nil {
		return false, err
	}
	id, err := MaterialID(raw)
	if err != nil {
		return false, err
	}
	return a.putMaterialFile(kind, itemFileName(id), raw)
}

// PutVideoDetail stores get_material's JSON answer for video mediaID.
func (a *Archive) PutVideoDetail(mediaID string, raw []byte) (changed bool, err error) {
	if mediaID == "" {
		return false, errors.New("video detail without a media_id")
	}
	return a.putMaterialFile(VideoMaterial, strings.TrimSuffix(itemFileName(mediaID), ".json")+".detail.json", raw)
}

func (a *Archive) putMaterialFile(kind MaterialKind, name string, raw []byte) (bool, error) {
	// Indent, unlike a Marshal round trip, keeps the keys in the order sent
	// and leaves <, > and & as they were.
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return false, fmt.Errorf("%s material %s: %w", kind, name, err)
	}
	buf.WriteByte('\n')
	return WriteFileAtomic(a.materialPath(kind, name), buf.Bytes())
}

// HasMaterial reports whether the archive holds material kind/mediaID.
func (a *Archive) HasMaterial(kind MaterialKind, mediaID string) bool {
	_, err := os.Stat(a.materialPath(kind, itemFileName(mediaID)))
	return err == nil
}

// WalkMaterials calls fn for every stored material: by kind in
// MaterialKinds order, then by file name, a stable order for outputs.
func (a *Archive) WalkMaterials(fn func(*Material) error) error {
	for _, kind := range MaterialKinds {
		dir := filepath.Join(a.dir, itemsDir, materialsDir, string(kind))
		entries, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		var names []string
		for _, e := range entries {
			n := e.Name()
			if e.IsDir() || strings.HasPrefix(n, ".") || !strings.HasSuffix(n, ".json") || strings.HasSuffix(n, ".detail.json") {
				continue
			}
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			b, err := os.ReadFile(filepath.Join(dir, n))
			if err != nil {
				return err
			}
			var raw rawMaterial
			if err := json.Unmarshal(b, &raw); err != nil || raw.MediaID == "" {
				return fmt.Errorf("%s: damaged material item", filepath.Join(itemsDir, materialsDir, string(kind), n))
			}
			m := &Material{Kind: kind, MediaID: raw.MediaID, Name: raw.Name, URL: raw.URL, UpdateTime: unixTime(int64(raw.UpdateTime))}
			if kind == VideoMaterial {
				if d, err := os.ReadFile(filepath.Join(dir, strings.TrimSuffix(n, ".json")+".detail.json")); err == nil {
					var detail rawVideoDetail
					if json.Unmarshal(d, &detail) == nil {
						m.Title, m.Description, m.DownURL = detail.Title, detail.Description, detail.DownURL
					}
				}
			}
			if err := fn(m); err != nil {
				return err
			}
		}
	}
	return nil
}
