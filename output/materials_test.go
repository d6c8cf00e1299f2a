package output

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	xhtml "golang.org/x/net/html"

	"github.com/mparchive/mparchive/archive"
)

// fixtureMaterials are permanent materials as batchget_material lists
// them, with the testdata file each one's download stored ("" when the
// download failed). The poster shares its bytes with an article image.
var fixtureMaterials = []struct {
	kind        archive.MaterialKind
	raw         string
	file, mime  string
	title, desc string // videos: get_material's answer
}{
	{archive.ImageMaterial, `{"media_id":"IMG_poster_01","name":"春节海报.png","update_time":1707400000,"url":"https://mmbiz.qpic.cn/mmbiz_png/POSTER/0?wx_fmt=png"}`, "red.png", "image/png", "", ""},
	{archive.ImageMaterial, `{"media_id":"IMG_home_02","name":"家乡 <老屋> & 院子.jpg","update_time":"1705700000","url":"https://mmbiz.qpic.cn/mmbiz_jpg/HOMETOWN/0?wx_fmt=jpeg"}`, "green.jpg", "image/jpeg", "", ""},
	{archive.ImageMaterial, `{"media_id":"IMG_lost_03","name":"没下载到的图.jpg","update_time":1700000000,"url":"https://mmbiz.qpic.cn/mmbiz_jpg/LOST/0?wx_fmt=jpeg"}`, "", "", "", ""},
	{archive.VoiceMaterial, `{"media_id":"VOICE_greeting_01","name":"新年祝福.mp3","update_time":1707300000,"url":""}`, "voice.mp3", "audio/mpeg", "", ""},
	{archive.VoiceMaterial, `{"media_id":"VOICE_memo_02","name":"语音留言.amr","update_time":1690000000,"url":""}`, "voice.amr", "audio/amr", "", ""},
	{archive.VideoMaterial, `{"media_id":"VIDEO_fireworks_01","name":"video_01.mp4","update_time":1707450000,"url":""}`, "clip.mp4", "video/mp4", "除夕烟花", "楼下放的烟花，拍了十秒。"},
	{archive.VideoMaterial, `{"media_id":"VIDEO_lost_02","name":"video_02.mp4","update_time":1680000000,"url":""}`, "", "", "没能下载的视频", ""},
}

// putFixtureMaterials stores fixtureMaterials in a, as FetchMaterials would.
func putFixtureMaterials(t testing.TB, a *archive.Archive) {
	t.Helper()
	for _, m := range fixtureMaterials {
		if _, err := a.PutMaterial(m.kind, []byte(m.raw)); err != nil {
			t.Fatal(err)
		}
		id, _ := archive.MaterialID([]byte(m.raw))
		if m.kind == archive.VideoMaterial {
			detail, _ := json.Marshal(map[string]string{"title": m.title, "description": m.desc, "down_url": "http://mpvideo.qpic.cn/" + id + ".mp4"})
			if _, err := a.PutVideoDetail(id, detail); err != nil {
				t.Fatal(err)
			}
		}
		if m.file == "" {
			continue
		}
		var url struct {
			URL string `json:"url"`
		}
		json.Unmarshal([]byte(m.raw), &url)
		data, err := os.ReadFile(filepath.Join("testdata", "media", m.file))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.PutMedia(archive.MaterialMediaKey(m.kind, id, url.URL), data, filepath.Ext(m.file), m.mime); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
}

// writeSmallSite builds the site of the small fixture with
// listingConverter: quick, for tests about anything but the bodies.
func writeSmallSite(t *testing.T, dir string, opts Options) {
	t.Helper()
	opts.Converter = listingConverter{}
	res, err := NewSite(dir, opts).Write(t.Context(), buildSiteFixture(t, 2))
	if err != nil || len(res.Failed) > 0 {
		t.Fatalf("%+v %v", res, err)
	}
}

func materialsArchive(t testing.TB) *archive.Archive {
	t.Helper()
	a, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	putFixtureMaterials(t, a)
	return a
}

func TestLoadMaterials(t *testing.T) {
	a := materialsArchive(t)
	all, err := loadMaterials(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range all {
		got = append(got, string(m.Kind)+" "+m.MediaID+" "+m.File)
	}
	// Kind order, newest first; files after their content hash.
	want := []string{
		"image IMG_poster_01 " + hashName(t, "red.png"),
		"image IMG_home_02 " + hashName(t, "green.jpg"),
		"image IMG_lost_03 ",
		"voice VOICE_greeting_01 " + hashName(t, "voice.mp3"),
		"voice VOICE_memo_02 " + hashName(t, "voice.amr"),
		"video VIDEO_fireworks_01 " + hashName(t, "clip.mp4"),
		"video VIDEO_lost_02 ",
	}
	if !slices.Equal(got, want) {
		t.Errorf("loadMaterials:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	tests := []struct {
		name   string
		filter *Filter
		want   []string
	}{
		{"since", &Filter{Since: time.Unix(1707300000, 0)}, []string{"IMG_poster_01", "VOICE_greeting_01", "VIDEO_fireworks_01"}},
		{"until", &Filter{Until: time.Unix(1690000001, 0)}, []string{"VOICE_memo_02", "VIDEO_lost_02"}},
		{"title or name", &Filter{TitleMatch: regexp.MustCompile(`烟花|海报`)}, []string{"IMG_poster_01", "VIDEO_fireworks_01"}},
		{"author: materials have none", &Filter{Author: "张三"}, nil},
	}
	for _, tt := range tests {
		ms, err := loadMaterials(a, tt.filter)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range ms {
			ids = append(ids, m.MediaID)
		}
		if !slices.Equal(ids, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, ids, tt.want)
		}
	}
}

// hashName is the name a testdata media file gets in a materials folder.
func hashName(t testing.TB, file string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "media", file))
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(data))[:12] + strings.ToLower(filepath.Ext(file))
}

func TestMaterialPlayable(t *testing.T) {
	tests := []struct {
		kind       archive.MaterialKind
		file, mime string
		want       bool
	}{
		{archive.VoiceMaterial, "a.mp3", "audio/mpeg", true},
		{archive.VoiceMaterial, "a.amr", "audio/amr", false},
		{archive.VoiceMaterial, "a", "audio/amr", false},
		{archive.VoiceMaterial, "a.amr", "", false},
		{archive.VoiceMaterial, "a.m4a", "", true},
		{archive.VoiceMaterial, "", "audio/mpeg", false}, // not stored
		{archive.VideoMaterial, "a.mp4", "video/mp4", true},
		{archive.VideoMaterial, "a.3gp", "video/3gpp", false},
		{archive.VideoMaterial, "a.bin", "application/octet-stream", false},
		{archive.ImageMaterial, "a.png", "image/png", false},
	}
	for _, tt := range tests {
		m := outputMaterial{Kind: tt.kind, File: tt.file, MIME: tt.mime}
		if got := m.playable(); got != tt.want {
			t.Errorf("%s %q %q: playable %v, want %v", tt.kind, tt.file, tt.mime, got, tt.want)
		}
	}
}

// TestCopyMaterials checks that a re-run copies nothing, that a file no
// material names any more is removed, and that a user's file stays.
func TestCopyMaterials(t *testing.T) {
	a := materialsArchive(t)
	ms, err := loadMaterials(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	dir := filepath.Join(root, "materials")
	n, err := copyMaterials(a, root, "materials", ms)
	if err != nil || n != 5 {
		t.Fatalf("first copy: %d files, %v; want 5", n, err)
	}
	for _, m := range ms {
		if m.File == "" {
			continue
		}
		got, _ := os.ReadFile(filepath.Join(dir, m.File))
		want, _ := os.ReadFile(a.MediaPath(m.entry))
		if !bytes.Equal(got, want) {
			t.Errorf("%s: copy differs from the archive's file", m.File)
		}
	}
	stale := filepath.Join(dir, "0123456789ab.jpg")
	mine := filepath.Join(dir, "notes.txt")
	must(t, os.WriteFile(stale, []byte("old"), 0o644))
	must(t, os.WriteFile(mine, []byte("mine"), 0o644))
	if n, err := copyMaterials(a, root, "materials", ms); err != nil || n != 0 {
		t.Errorf("re-run: %d files copied, %v", n, err)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("a file no material names was kept")
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("the user's file was removed: %v", err)
	}
}

// TestSiteMaterialsPage checks the page a reader sees: every material with
// its name, date and media_id, local players and thumbnails, the missing
// ones said to be missing, and no address that would make the page load
// anything from elsewhere.
func TestSiteMaterialsPage(t *testing.T) {
	site := t.TempDir()
	writeSmallSite(t, site, Options{})
	page, err := os.ReadFile(filepath.Join(site, "materials", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := xhtml.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	text := nodeText(doc)
	for _, want := range []string{
		"春节海报.png", "家乡 <老屋> & 院子.jpg", "没下载到的图.jpg", "新年祝福.mp3", "语音留言.amr", "除夕烟花", "video_01.mp4", "楼下放的烟花，拍了十秒。", "没能下载的视频",
		"IMG_poster_01", "VOICE_memo_02", "VIDEO_lost_02", "2024-02-09 11:40", // 1707450000 in Beijing time
		"图片未能备份", "浏览器不能直接播放这种格式（audio/amr）", "文件未能备份",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("materials page lacks %q", want)
		}
	}
	// What the page loads by itself must be beside it.
	for _, attr := range loadedURLs(doc) {
		if isRemoteURL(attr) || strings.Contains(attr, "/") {
			t.Errorf("materials page loads %q, not a file beside it", attr)
		} else if _, err := os.Stat(filepath.Join(site, "materials", attr)); err != nil {
			t.Errorf("materials page loads %q: %v", attr, err)
		}
	}
	for _, tag := range []string{`<audio controls preload="metadata" src="` + hashName(t, "voice.mp3") + `">`, `<video controls preload="metadata" src="` + hashName(t, "clip.mp4") + `">`} {
		if !bytes.Contains(page, []byte(tag)) {
			t.Errorf("materials page lacks %s", tag)
		}
	}
	if bytes.Contains(page, []byte("voice.amr")) || bytes.Count(page, []byte("<audio")) != 1 {
		t.Error("the AMR voice must be offered for download only")
	}
	// Every page's navigation leads to it.
	for _, p := range []string{"index.html", "archive/index.html", "posts/" + postDirs(t, site)[0] + "/index.html"} {
		b, _ := os.ReadFile(filepath.Join(site, p))
		if !bytes.Contains(b, []byte(`materials/index.html"`)) {
			t.Errorf("%s does not link the materials page", p)
		}
	}
}

// TestSiteWithoutMaterials checks that an archive without materials gets
// no trace of them, and that a page left by an earlier run whose materials
// are no longer selected goes.
func TestSiteWithoutMaterials(t *testing.T) {
	bare := t.TempDir()
	if _, err := NewSite(bare, Options{Converter: listingConverter{}}).Write(t.Context(), testArchive(t)); err != nil {
		t.Fatal(err)
	}
	// pages lists what to check: list pages the new selection leaves
	// empty (an author with no article left) are not rewritten.
	noTrace := func(site string, pages func(string) bool) {
		t.Helper()
		if _, err := os.Stat(filepath.Join(site, "materials")); !os.IsNotExist(err) {
			t.Errorf("materials folder in a site without materials: %v", err)
		}
		for p, data := range readTree(t, site) {
			if strings.HasSuffix(p, ".html") && pages(p) && bytes.Contains(data, []byte("materials/")) {
				t.Errorf("%s links the materials page of a site without materials", p)
			}
		}
	}
	noTrace(bare, func(string) bool { return true })

	site := t.TempDir()
	writeSmallSite(t, site, Options{})
	if _, err := os.Stat(filepath.Join(site, "materials", "index.html")); err != nil {
		t.Fatal(err)
	}
	// The same site, now selecting no material.
	writeSmallSite(t, site, Options{Filter: &Filter{Author: "张三"}})
	noTrace(site, func(p string) bool {
		return p == "index.html" || p == "archive/index.html" || p == "authors/index.html" || strings.HasPrefix(p, "posts/")
	})
}

// TestHugoMaterials checks data/materials.json and the files, that a
// user's site gets no page of ours, and that an archive without materials
// gets nothing.
func TestHugoMaterials(t *testing.T) {
	a := materialsArchive(t)
	site := t.TempDir()
	if _, err := NewHugo(site, Options{Converter: listingConverter{}}).Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(site, "data", "materials.json"))
	if err != nil {
		t.Fatal(err)
	}
	var data struct {
		Generator string
		Items     []map[string]any
	}
	if err := json.Unmarshal(raw, &data); err != nil {
		t.Fatal(err)
	}
	if data.Generator != "mparchive" || len(data.Items) != len(fixtureMaterials) {
		t.Fatalf("data/materials.json: generator %q, %d items", data.Generator, len(data.Items))
	}
	first := data.Items[0]
	if first["kind"] != "image" || first["media_id"] != "IMG_poster_01" || first["update_time"] != "2024-02-08T21:46:40+08:00" ||
		first["file"] != "materials/"+hashName(t, "red.png") || first["url"] != "https://mmbiz.qpic.cn/mmbiz_png/POSTER/0?wx_fmt=png" {
		t.Errorf("first item: %v", first)
	}
	if !bytes.Contains(raw, []byte(`"name": "家乡 <老屋> & 院子.jpg"`)) {
		t.Error("names are not kept as uploaded")
	}
	for _, it := range data.Items {
		f, _ := it["file"].(string)
		if f == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(site, "static", filepath.FromSlash(f))); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, p := range []string{"content/materials/_index.md", "layouts/materials/list.html"} {
		if _, err := os.Stat(filepath.Join(site, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	// A re-run changes nothing, and the user's edit of the page stays.
	must(t, os.WriteFile(filepath.Join(site, "content", "materials", "_index.md"), []byte("---\ntitle: 我的素材\n---\n"), 0o644))
	before := readTree(t, site)
	if _, err := NewHugo(site, Options{Converter: listingConverter{}}).Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	after := readTree(t, site)
	for p := range after {
		if !bytes.Equal(before[p], after[p]) {
			t.Errorf("re-run changed %s", p)
		}
	}

	// The user's own site: data and files, no page of ours.
	own := t.TempDir()
	must(t, os.WriteFile(filepath.Join(own, "hugo.toml"), []byte("title = \"mine\"\n"), 0o644))
	if _, err := NewHugo(own, Options{Converter: listingConverter{}}).Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(own, "data", "materials.json")); err != nil {
		t.Error(err)
	}
	for _, p := range []string{"content/materials", "layouts"} {
		if _, err := os.Stat(filepath.Join(own, p)); err == nil {
			t.Errorf("the user's site got %s", p)
		}
	}

	// No materials: nothing of them.
	bare := t.TempDir()
	if _, err := NewHugo(bare, Options{Converter: listingConverter{}}).Write(t.Context(), testArchive(t)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"data", "static", "content/materials", "layouts/materials"} {
		if _, err := os.Stat(filepath.Join(bare, p)); err == nil {
			t.Errorf("an archive without materials got %s", p)
		}
	}
}

func nodeText(n *xhtml.Node) string {
	var b strings.Builder
	for c := range n.Descendants() {
		if c.Type == xhtml.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// loadedURLs lists the addresses a page's media elements load by
// themselves (src of img, audio, video, source), not the links.
func loadedURLs(doc *xhtml.Node) []string {
	var out []string
	for n := range doc.Descendants() {
		if n.Type != xhtml.ElementNode {
			continue
		}
		switch n.Data {
		case "img", "audio", "video", "source", "iframe", "embed":
			for _, a := range n.Attr {
				if a.Key == "src" || a.Key == "poster" || a.Key == "srcset" {
					out = append(out, a.Val)
				}
			}
		}
	}
	return out
}
