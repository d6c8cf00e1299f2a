package wechattest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestMediaMaterials(t *testing.T) {
	s := start(t, Options{Articles: 10, Seed: 9, MediaMaterials: 22})
	tok := s.IssueToken()
	_, count := call(t, s, "GET", PathMaterialCount, tok, nil)
	if count["voice_count"] != 22.0 || count["video_count"] != 22.0 {
		t.Errorf("material count %v", count)
	}
	for _, kind := range []string{"voice", "video"} {
		want := s.MediaMaterials(kind)
		var ids []string
		for offset := 0; ; {
			_, out := call(t, s, "POST", PathBatchGetMaterial, tok, map[string]any{"type": kind, "offset": offset, "count": 20})
			if out["total_count"] != 22.0 {
				t.Fatalf("%s: %v", kind, out)
			}
			items, _ := out["item"].([]any)
			for _, it := range items {
				m := it.(map[string]any)
				if m["name"] == "" || m["update_time"] == 0.0 {
					t.Errorf("%s item %v", kind, m)
				}
				ids = append(ids, m["media_id"].(string))
			}
			offset += len(items)
			if len(items) == 0 || offset >= 22 {
				break
			}
		}
		if len(ids) != len(want) || ids[0] != want[0].MediaID || ids[21] != want[21].MediaID {
			t.Fatalf("%s: listed %d, want %d in list order", kind, len(ids), len(want))
		}
	}

	voice := s.MediaMaterials("voice")[0]
	resp, raw := do(t, s, "POST", PathGetMaterial, tok, map[string]any{"media_id": voice.MediaID})
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "audio/") || string(raw) != string(voice.Data) {
		t.Errorf("voice: %s, %d bytes", ct, len(raw))
	}
	if ct := http.DetectContentType(voice.Data); voice.ContentType == "audio/mpeg" && ct != "audio/mpeg" {
		t.Errorf("mp3 voice sniffs as %s", ct)
	}

	video := s.MediaMaterials("video")[0]
	_, out := call(t, s, "POST", PathGetMaterial, tok, map[string]any{"media_id": video.MediaID})
	down, _ := out["down_url"].(string)
	if out["title"] != video.Title || out["description"] != video.Description || !strings.HasPrefix(down, s.URL()+"/") {
		t.Fatalf("video: %v", out)
	}
	r, err := http.Get(down)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || string(data) != string(video.Data) || http.DetectContentType(data) != "video/mp4" {
		t.Errorf("down_url: %d %s %d bytes", r.StatusCode, r.Header.Get("Content-Type"), len(data))
	}
	if r, _ := http.Get(strings.Split(down, "?")[0]); r.StatusCode != 404 {
		t.Errorf("down_url without vkey: %d", r.StatusCode)
	}

	// The JSON the fake sends for a video is the documented shape.
	var shape map[string]json.RawMessage
	_, raw = do(t, s, "POST", PathGetMaterial, tok, map[string]any{"media_id": video.MediaID})
	if err := json.Unmarshal(raw, &shape); err != nil || len(shape) != 3 {
		t.Errorf("video JSON %s", raw)
	}

	empty := start(t, Options{Seed: 1})
	_, count = call(t, empty, "GET", PathMaterialCount, empty.IssueToken(), nil)
	if count["voice_count"] != 0.0 {
		t.Errorf("an empty account has materials: %v", count)
	}
}
