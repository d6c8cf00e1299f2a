package exporter

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter/wechattest"
)

func TestAudioType(t *testing.T) {
	mpegFrame := append([]byte{0xFF, 0xFB, 0x14, 0xC4}, make([]byte, 92)...)
	tests := []struct {
		name, ctype string
		data        []byte
		ext, mime   string // "" ext: refused
	}{
		{"MP3 with an ID3 tag", "audio/mpeg", []byte("ID3\x03\x00\x00\x00\x00\x00\x00\xFF\xFB"), ".mp3", "audio/mpeg"},
		{"MP3 frames without a tag, wrong Content-Type", "application/octet-stream", mpegFrame, ".mp3", "audio/mpeg"},
		{"AMR", "", []byte("#!AMR\n\x3c\x00"), ".amr", "audio/amr"},
		{"AMR-WB", "", []byte("#!AMR-WB\n\x00"), ".awb", "audio/amr-wb"},
		{"SILK as WeChat records it", "", []byte("\x02#!SILK_V3\x00"), ".silk", "audio/silk"},
		{"SILK", "", []byte("#!SILK_V3\x00"), ".silk", "audio/silk"},
		{"M4A", "video/mp4", []byte("\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00"), ".m4a", "audio/mp4"},
		{"Ogg", "", []byte("OggS\x00\x02\x00\x00"), ".ogg", "audio/ogg"},
		{"WAV", "", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), ".wav", "audio/wav"},
		{"ADTS AAC", "", []byte{0xFF, 0xF1, 0x50, 0x80, 0x00}, ".aac", "audio/aac"},
		{"unknown bytes named audio/mpeg", "audio/mpeg", []byte{1, 2, 3, 4, 5}, ".mp3", "audio/mpeg"},
		{"unknown audio kind kept", "audio/x-unknown", []byte{1, 2, 3, 4, 5}, ".bin", "audio/x-unknown"},
		{"HTML error page named audio", "audio/mpeg", []byte("<html><body>404</body></html>"), "", ""},
		{"JSON error", "application/json", []byte(`{"ret":-1}`), "", ""},
		{"a PNG image (the hot-link placeholder)", "image/png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\xc8"), "", ""},
		{"unknown bytes, no audio type", "application/octet-stream", []byte{1, 2, 3, 4, 5}, "", ""},
		{"empty", "audio/mpeg", nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ext, mt, err := audioType("", tt.ctype, tt.data)
			if tt.ext == "" {
				if err == nil {
					t.Fatalf("accepted as %s %s", ext, mt)
				}
				return
			}
			if err != nil || ext != tt.ext || mt != tt.mime {
				t.Errorf("got %q %q %v, want %q %q", ext, mt, err, tt.ext, tt.mime)
			}
		})
	}
}

// TestGetVoiceRequest checks the request a voice download makes: the voice
// base, the player's path, the escaped id, a page Referer.
func TestGetVoiceRequest(t *testing.T) {
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		w.Header().Set("Content-Type", "audio/mpeg")
		w.Write([]byte("ID3\x03\x00\x00\x00\x00\x00\x00"))
	}))
	defer srv.Close()
	arch, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	d := testDownloader(srv.Client(), nil, srv.URL+"/", 1, func(ctx context.Context, _ time.Duration) error { return ctx.Err() })
	key := archive.VoiceKey("ab+/==")
	e, err := d.fetchMedia(t.Context(), arch, key)
	if err != nil {
		t.Fatal(err)
	}
	if got.URL.RequestURI() != "/voice/getvoice?mediaid=ab%2B%2F%3D%3D" || got.Referer() != "https://mp.weixin.qq.com/" {
		t.Errorf("requested %s with Referer %q", got.URL.RequestURI(), got.Referer())
	}
	if stored, ok := arch.Media(key); !ok || stored != e || e.Ext() != ".mp3" {
		t.Errorf("stored %+v (%v) under the real address, want the .mp3 %+v", stored, ok, e)
	}
}

// voiceFetch backs up the demo account (which has two voices) against srv
// into arch, fetching voices from the fake's voice host.
func voiceFetch(t *testing.T, srv *wechattest.Server, arch *archive.Archive, logf func(string, ...any)) *Summary {
	t.Helper()
	noSleep := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	c, err := NewClient(WithBaseURL(srv.URL()), WithCredentials("wx1", "s"), WithSleep(noSleep))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Fetch(t.Context(), c, arch, FetchOptions{
		Sources:      []archive.Source{archive.News, archive.Published},
		Attempts:     1,
		Sleep:        noSleep,
		VoiceBaseURL: srv.URL(),
		Logf:         logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func TestFetch_VoicesStoredFailedAndRetried(t *testing.T) {
	srv, err := wechattest.NewServer(wechattest.Options{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ids := srv.VoiceIDs()
	if len(ids) < 2 {
		t.Fatalf("the demo account has %d voices, the test needs two", len(ids))
	}
	arch, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}

	// First run: every voice download answers 503 once, and one attempt is
	// all a download gets.
	srv.InjectFault(wechattest.VoiceStatsPath, wechattest.FaultHTTP503, len(ids))
	sum := voiceFetch(t, srv, arch, nil)
	var failed []string
	for k := range sum.FailedMedia {
		failed = append(failed, k)
	}
	slices.Sort(failed)
	var want []string
	for _, id := range ids {
		want = append(want, archive.VoiceKey(id))
	}
	slices.Sort(want)
	if !slices.Equal(failed, want) {
		t.Fatalf("failed media %q, want the voices %q", failed, want)
	}
	if !sum.Partial() {
		t.Error("a run with failed voices is not partial")
	}
	st, err := arch.LoadState()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range want {
		if _, ok := st.FailedMedia[k]; !ok {
			t.Errorf("%s is not recorded in the state for the next run", k)
		}
		if _, ok := arch.Media(k); ok {
			t.Errorf("%s stored though its download failed", k)
		}
	}

	// Second run: nothing new is listed, yet the failed voices are tried
	// again and stored, byte for byte what the voice host serves.
	var logs strings.Builder
	sum = voiceFetch(t, srv, arch, func(format string, args ...any) { logs.WriteString(format + "\n") })
	if len(sum.FailedMedia) != 0 {
		t.Fatalf("second run failed: %v", sum.FailedMedia)
	}
	if !strings.Contains(logs.String(), "retrying %d media downloads") {
		t.Errorf("the second run did not retry the failed voices; it logged:\n%s", logs.String())
	}
	for _, id := range ids {
		e, ok := arch.Media(archive.VoiceKey(id))
		if !ok {
			t.Errorf("voice %s not stored", id)
			continue
		}
		data, err := os.ReadFile(arch.MediaPath(e))
		if err != nil {
			t.Fatal(err)
		}
		served, _ := srv.Voice(id)
		if !bytes.Equal(data, served) || e.Ext() != ".mp3" || e.Type != "audio/mpeg" {
			t.Errorf("voice %s stored as %s %s, %d bytes; served %d bytes", id, e.Ext(), e.Type, len(data), len(served))
		}
	}
	if st, err := arch.LoadState(); err != nil || len(st.FailedMedia) != 0 {
		t.Errorf("state still lists failed media: %v %v", st.FailedMedia, err)
	}
	if n := srv.Calls(wechattest.VoiceStatsPath); n != 2*len(ids) {
		t.Errorf("%d voice requests, want %d: one failed and one good per voice", n, 2*len(ids))
	}
}
