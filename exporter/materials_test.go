package exporter

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter/wechattest"
)

func TestFetchMaterials_EndToEnd(t *testing.T) {
	srv, err := wechattest.NewServer(wechattest.Options{Articles: 8, Seed: 31, MediaMaterials: 23})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	noSleep := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	c, err := NewClient(WithBaseURL(srv.URL()), WithCredentials("wx1", "s"), WithSleep(noSleep))
	if err != nil {
		t.Fatal(err)
	}
	arch, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// One video download fails once and is retried.
	srv.InjectFault(wechattest.VideoStatsPath, wechattest.FaultHTTP502, 1)
	kinds := archive.MaterialKinds
	opts := MaterialOptions{Sleep: noSleep}
	sum, err := FetchMaterials(t.Context(), c, arch, kinds, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.FailedMedia) != 0 {
		t.Fatalf("failed: %v", sum.FailedMedia)
	}
	voices, videos := srv.MediaMaterials("voice"), srv.MediaMaterials("video")
	images := 0
	for kind, want := range map[archive.MaterialKind]int{archive.VoiceMaterial: 23, archive.VideoMaterial: 23} {
		if ks := sum.Kinds[kind]; ks.Items != want || ks.New != want || ks.Downloaded != want || !ks.Complete {
			t.Errorf("%s: %+v", kind, ks)
		}
	}
	if ks := sum.Kinds[archive.ImageMaterial]; ks.Items == 0 || ks.Downloaded+ks.Reused != ks.Items || !ks.Complete {
		t.Errorf("image: %+v", ks)
	}

	// What the archive holds is the fake's materials, files byte for byte.
	files := map[string][]byte{}
	fake := map[string]wechattest.MediaMaterial{}
	for _, m := range append(voices, videos...) {
		files[m.MediaID] = m.Data
		fake[m.MediaID] = m
	}
	got := map[archive.MaterialKind]int{}
	err = arch.WalkMaterials(func(m *archive.Material) error {
		got[m.Kind]++
		e, ok := arch.Media(m.MediaKey())
		if !ok {
			t.Errorf("%s %s: no file", m.Kind, m.MediaID)
			return nil
		}
		data, err := os.ReadFile(arch.MediaPath(e))
		if err != nil {
			return err
		}
		switch m.Kind {
		case archive.ImageMaterial:
			images++
			if m.URL == "" || e.Type != "image/jpeg" {
				t.Errorf("image %+v stored as %+v", m, e)
			}
		case archive.VoiceMaterial:
			if !bytes.Equal(data, files[m.MediaID]) || (e.Ext() != ".amr" && e.Ext() != ".mp3") {
				t.Errorf("voice %s stored as %+v", m.Name, e)
			}
		case archive.VideoMaterial:
			if !bytes.Equal(data, files[m.MediaID]) || e.Ext() != ".mp4" || m.Title != fake[m.MediaID].Title ||
				m.Description != fake[m.MediaID].Description || m.Name != fake[m.MediaID].Name {
				t.Errorf("video %+v stored as %+v", m, e)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got[archive.VoiceMaterial] != 23 || got[archive.VideoMaterial] != 23 || images != sum.Kinds[archive.ImageMaterial].Items {
		t.Errorf("walked %v", got)
	}

	// A second run downloads nothing again.
	calls := srv.Calls(wechattest.PathGetMaterial)
	sum, err = FetchMaterials(t.Context(), c, arch, kinds, opts)
	if err != nil {
		t.Fatal(err)
	}
	for kind, ks := range sum.Kinds {
		if ks.New != 0 || ks.Downloaded != 0 || ks.Reused != ks.Items {
			t.Errorf("second run, %s: %+v", kind, ks)
		}
	}
	if n := srv.Calls(wechattest.PathGetMaterial) - calls; n != 0 {
		t.Errorf("second run called get_material %d times", n)
	}
}

func TestFetchMaterials_QuotaEndsKindOnly(t *testing.T) {
	srv, err := wechattest.NewServer(wechattest.Options{Articles: 4, Seed: 32, Quotas: map[string]int{wechattest.PathGetMaterial: 2}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, _ := NewClient(WithBaseURL(srv.URL()), WithCredentials("wx1", "s"))
	arch, _ := archive.Open(t.TempDir())
	sum, err := FetchMaterials(t.Context(), c, arch, []archive.MaterialKind{archive.VoiceMaterial, archive.ImageMaterial}, MaterialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v := sum.Kinds[archive.VoiceMaterial]; v.Complete || !IsQuotaExhausted(v.Err) || v.Downloaded != 2 {
		t.Errorf("voice: %+v", v)
	}
	if img := sum.Kinds[archive.ImageMaterial]; !img.Complete || img.Items == 0 {
		t.Errorf("images after the voice quota ran out: %+v", img)
	}
}

func TestMediaType(t *testing.T) {
	tests := []struct {
		name, ctype string
		data        []byte
		ext, mt     string
	}{
		{"a.amr", "audio/amr", []byte("#!AMR\n\x3c"), ".amr", "audio/amr"},
		{"a.mp3", "application/octet-stream", []byte("ID3\x03\x00\x00\x00\x00\x00\x00"), ".mp3", "audio/mpeg"},
		{"clip", "video/mp4", []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), ".mp4", "video/mp4"},
		{"x.wma", "", []byte{1, 2, 3}, ".wma", "audio/x-ms-wma"},
		{"../../etc/passwd", "text/plain", []byte{1, 2, 3}, ".bin", "application/octet-stream"},
	}
	for _, tt := range tests {
		ext, mt := mediaType(tt.name, tt.ctype, tt.data, "audio/")
		if tt.ext == ".mp4" {
			ext, mt = mediaType(tt.name, tt.ctype, tt.data, "video/")
		}
		if ext != tt.ext || (mt != tt.mt && tt.ext != ".wma") {
			t.Errorf("%s: %s %s, want %s %s", tt.name, ext, mt, tt.ext, tt.mt)
		}
	}
}

// TestFetchMaterials_VideoStreamsToDisk: a video goes to the archive as it
// arrives; what the run allocates stays far below the video's size.
func TestFetchMaterials_VideoStreamsToDisk(t *testing.T) {
	const size = 48 << 20
	srv, err := wechattest.NewServer(wechattest.Options{Articles: 1, Drafts: -1, Seed: 7, MediaMaterials: 1,
		Hostile: wechattest.Hostile{VideoBytes: size}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := NewClient(WithBaseURL(srv.URL()), WithCredentials("wx1", "s"))
	if err != nil {
		t.Fatal(err)
	}
	arch, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	sum, err := FetchMaterials(t.Context(), c, arch, []archive.MaterialKind{archive.VideoMaterial}, MaterialOptions{})
	runtime.ReadMemStats(&after)
	if err != nil || sum.Kinds[archive.VideoMaterial].Downloaded != 1 {
		t.Fatalf("%+v %v", sum.Kinds[archive.VideoMaterial], err)
	}
	e, ok := arch.Media(archive.MaterialMediaKey(archive.VideoMaterial, srv.MediaMaterials("video")[0].MediaID, ""))
	if !ok || e.Size != size || e.Type != "video/mp4" {
		t.Errorf("stored %+v", e)
	}
	// Held in memory, the video alone would be size; streamed, a few
	// buffers (the fake's included, which makes it from one).
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/4 {
		t.Errorf("allocated %d MiB for a %d MiB video", alloc>>20, size>>20)
	}
}
