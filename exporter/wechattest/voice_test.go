package wechattest

import (
	"bytes"
	"encoding/binary"
	"io"
	"net/http"
	"net/url"
	"slices"
	"testing"
)

func TestVoiceHost(t *testing.T) {
	s, err := NewServer(Options{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The demo's two podcast articles carry these ids in their mpvoice.
	demo := []string{"MzkwMDIxNzQ1Nl8yMjQ3NDgzNjU4", "MzkwMDIxNzQ1Nl8yMjQ3NDgzNzAx"}
	if got := s.VoiceIDs(); !slices.Equal(got, demo) {
		t.Fatalf("VoiceIDs = %q, want %q", got, demo)
	}
	// A voice published later is served too.
	if _, err := s.Publish(Article{Title: "新语音", Content: `<mpvoice name="新" voice_encode_fileid="NEW+ID=="></mpvoice>`}); err != nil {
		t.Fatal(err)
	}
	get := func(id string) (int, string, []byte) {
		t.Helper()
		resp, err := http.Get(s.URL() + PathVoice + "?mediaid=" + url.QueryEscape(id))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), body
	}
	for _, id := range append(demo, "NEW+ID==") {
		code, ctype, body := get(id)
		want, ok := s.Voice(id)
		if code != 200 || ctype != "audio/mpeg" || !ok || !bytes.Equal(body, want) {
			t.Errorf("%s: %d %s, %d bytes (Voice: %d bytes, %v)", id, code, ctype, len(body), len(want), ok)
		}
	}
	if code, _, _ := get("unknown"); code != http.StatusNotFound {
		t.Errorf("unknown id: HTTP %d, want 404", code)
	}
	s.InjectFault(VoiceStatsPath, FaultHTTP502, 1)
	if code, _, _ := get(demo[0]); code != http.StatusBadGateway {
		t.Errorf("injected fault: HTTP %d, want 502", code)
	}
	if st := s.Stats()[VoiceStatsPath]; st.Calls != 5 || st.Errors != 1 || st.Faults != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestVoiceMP3 parses the generated file as a decoder would: an ID3v2.3
// tag of the declared size, then nothing but whole MPEG-1 Layer III frames.
func TestVoiceMP3(t *testing.T) {
	a, b := voiceMP3("MzkwMDIxNzQ1Nl8yMjQ3NDgzNjU4"), voiceMP3("MzkwMDIxNzQ1Nl8yMjQ3NDgzNzAx")
	if bytes.Equal(a, b) {
		t.Fatal("two voices share their bytes")
	}
	for _, f := range [][]byte{a, b} {
		if !bytes.HasPrefix(f, []byte("ID3\x03\x00\x00")) {
			t.Fatalf("no ID3v2.3 header: % x", f[:10])
		}
		size := int(f[6])<<21 | int(f[7])<<14 | int(f[8])<<7 | int(f[9])
		if string(f[10:14]) != "TIT2" || int(binary.BigEndian.Uint32(f[14:18])) != size-10 {
			t.Fatalf("tag of %d bytes holds % x", size, f[10:18])
		}
		frames := f[10+size:]
		if len(frames) == 0 || len(frames)%96 != 0 {
			t.Fatalf("%d bytes of frames, not a whole number of 96-byte frames", len(frames))
		}
		for i := 0; i < len(frames); i += 96 {
			// Sync, MPEG-1, Layer III, no CRC; 32 kbit/s, 48 kHz; mono.
			if !bytes.Equal(frames[i:i+4], []byte{0xFF, 0xFB, 0x14, 0xC4}) {
				t.Fatalf("frame at %d: % x", i, frames[i:i+4])
			}
		}
	}
}
