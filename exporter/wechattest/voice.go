package wechattest

import (
	"bytes"
	"encoding/binary"
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"

	"github.com/mparchive/mparchive/internal/lazyregexp"
)

// Voice messages. Articles carry voice as <mpvoice voice_encode_fileid=…>
// (docs/wechat-api.md §8.2), and WeChat's public player loads the file from
// https://res.wx.qq.com/voice/getvoice?mediaid=<file id>. The fake serves
// that path too, for every file id its content names, with a small MP3
// derived from the id. Content holds only the id, not an address, so no
// host can be swapped into it as for images: a client reaches this host by
// using URL() in place of https://res.wx.qq.com, or through Client().

// PathVoice is the voice player's download path.
const PathVoice = "/voice/getvoice"

// VoiceStatsPath is the Calls/Stats/InjectFault name of the voice host.
const VoiceStatsPath = "voice"

// voiceIDPattern finds the file ids of voice elements in content.
var voiceIDPattern = lazyregexp.New(`voice_encode_fileid="([^"&<>]+)"`)

// registerVoices makes every voice the content names servable; a.voices
// is the set of known file ids.
func (a *account) registerVoices(content string) {
	for _, m := range voiceIDPattern.FindAllStringSubmatch(content, -1) {
		a.voices[m[1]] = true
	}
}

// registerMedia makes every image and voice the content references
// servable.
func (a *account) registerMedia(content string) {
	a.registerImages(content)
	a.registerVoices(content)
}

// VoiceIDs lists the file ids of the voices the account's content names,
// sorted.
func (s *Server) VoiceIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.acct.voices))
	for id := range s.acct.voices {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// Voice returns the bytes the voice host serves for a file id, and whether
// the account has such a voice.
func (s *Server) Voice(fileID string) ([]byte, bool) {
	s.mu.Lock()
	known := s.acct.voices[fileID]
	s.mu.Unlock()
	if !known {
		return nil, false
	}
	return voiceMP3(fileID), true
}

// serveVoice answers GET /voice/getvoice?mediaid=…: audio/mpeg for a known
// id, 404 for any other. Faults (Options.FaultRate, InjectFault with
// VoiceStatsPath) are the image host's HTTP-level kinds.
func (s *Server) serveVoice(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.NotFound(w, r)
		return
	}
	id := r.URL.Query().Get("mediaid")
	s.mu.Lock()
	s.stat(VoiceStatsPath).Calls++
	known := s.acct.voices[id]
	fault := s.countFault(VoiceStatsPath, r.Method+" "+r.URL.String(), true)
	if fault == 0 && !known {
		s.stat(VoiceStatsPath).Errors++
	}
	s.mu.Unlock()
	if s.sleep(r, s.opts.Latency) != nil {
		return
	}
	var body []byte
	if known {
		body = voiceMP3(id)
	}
	w, faulted := s.answerFault(w, r, VoiceStatsPath, fault, body, "audio/mpeg")
	if faulted {
		return
	}
	if !known {
		s.logf("wechattest: GET %s?mediaid=%s -> 404", r.URL.Path, id)
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "audio/mpeg")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// voiceMP3 makes the file of a voice: an ID3v2.3 tag whose title is the
// file id (so two voices never share a content hash), then one to two
// seconds of silent MPEG-1 Layer III frames: 32 kbit/s, 48 kHz, mono, no
// CRC, which makes every frame exactly 96 bytes. An all-zero side info and
// main data is a valid frame that decodes to silence, so browsers and
// decoders accept the file as real audio.
func voiceMP3(fileID string) []byte {
	var b bytes.Buffer
	title := append([]byte{0}, fileID...) // 0: ISO-8859-1; ids are base64
	frame := make([]byte, 0, 10+len(title))
	frame = append(frame, "TIT2"...)
	frame = binary.BigEndian.AppendUint32(frame, uint32(len(title)))
	frame = append(frame, 0, 0)
	frame = append(frame, title...)
	b.WriteString("ID3\x03\x00\x00")
	b.Write(syncsafe(len(frame)))
	b.Write(frame)

	h := fnv.New32a()
	h.Write([]byte(fileID))
	frames := 38 + int(h.Sum32()%38) // 24 ms each
	const frameBytes = 144 * 32000 / 48000
	for range frames {
		b.Write([]byte{0xFF, 0xFB, 0x14, 0xC4})
		b.Write(make([]byte, frameBytes-4))
	}
	return b.Bytes()
}

// syncsafe encodes an ID3v2 tag size: 7 bits a byte.
func syncsafe(n int) []byte {
	return []byte{byte(n >> 21 & 0x7F), byte(n >> 14 & 0x7F), byte(n >> 7 & 0x7F), byte(n & 0x7F)}
}
