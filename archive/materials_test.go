package archive

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMaterials_PutAndWalk(t *testing.T) {
	a, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	put := func(kind MaterialKind, raw string) {
		t.Helper()
		if _, err := a.PutMaterial(kind, []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	put(VideoMaterial, `{"media_id":"v1","name":"a.mp4","update_time":1552477704,"url":""}`)
	put(ImageMaterial, `{"media_id":"i2","name":"b<&>.jpg","update_time":"1552477704","url":"https://mmbiz.qpic.cn/mmbiz_jpg/x/0?wx_fmt=jpeg"}`)
	put(ImageMaterial, `{"media_id":"i1","name":"a.jpg","update_time":1,"url":""}`)
	put(VoiceMaterial, `{"media_id":"../evil","name":"v.amr","update_time":1,"url":""}`)
	if _, err := a.PutVideoDetail("v1", []byte(`{"title":"T","description":"D","down_url":"https://x/y.mp4"}`)); err != nil {
		t.Fatal(err)
	}
	if changed, _ := a.PutMaterial(ImageMaterial, []byte(`{"media_id":"i1","name":"a.jpg","update_time":1,"url":""}`)); changed {
		t.Error("the same item stored again reports a change")
	}
	var got []string
	if err := a.WalkMaterials(func(m *Material) error {
		got = append(got, string(m.Kind)+":"+m.MediaID+":"+m.Name+":"+m.Title+":"+m.Description+":"+m.MediaKey())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"image:i1:a.jpg:::wechat-material:i1",
		"image:i2:b<&>.jpg:::https://mmbiz.qpic.cn/mmbiz_jpg/x/0?wx_fmt=jpeg",
		"voice:../evil:v.amr:::wechat-material:../evil",
		"video:v1:a.mp4:T:D:wechat-video:v1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("walked\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Stored as sent: key order and HTML characters untouched; a hostile
	// id is hashed into a safe file name inside the folder.
	b, _ := os.ReadFile(filepath.Join(a.Dir(), "items", "materials", "image", "i2.json"))
	if !strings.Contains(string(b), `"name": "b<&>.jpg",`) || !strings.HasPrefix(string(b), "{\n  \"media_id\"") {
		t.Errorf("stored item:\n%s", b)
	}
	entries, _ := os.ReadDir(filepath.Join(a.Dir(), "items", "materials", "voice"))
	if len(entries) != 1 || !strings.HasPrefix(entries[0].Name(), "x-") {
		t.Errorf("hostile id stored as %v", entries)
	}
	// Materials are not articles.
	if refs, _ := a.Items(); len(refs) != 0 {
		t.Errorf("Items lists materials: %v", refs)
	}
}

func TestMaterials_BadInput(t *testing.T) {
	a, _ := Open(t.TempDir())
	for _, tc := range []struct {
		kind MaterialKind
		raw  string
	}{{"news", `{"media_id":"x"}`}, {ImageMaterial, `{"name":"no id"}`}, {ImageMaterial, `{"media_id":`}} {
		if _, err := a.PutMaterial(tc.kind, []byte(tc.raw)); err == nil {
			t.Errorf("%s %s stored", tc.kind, tc.raw)
		}
	}
	os.MkdirAll(filepath.Join(a.Dir(), "items", "materials", "image"), 0o755)
	os.WriteFile(filepath.Join(a.Dir(), "items", "materials", "image", "bad.json"), []byte("{"), 0o644)
	if err := a.WalkMaterials(func(*Material) error { return nil }); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Errorf("damaged item: %v", err)
	}
	if _, err := ParseMaterialKind("news"); err == nil {
		t.Error("news is not a material kind here")
	}
}
