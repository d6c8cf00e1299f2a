package wechattest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Voice and video permanent materials (docs/wechat-api.md §2, §3). Image
// materials are the account's thumbs (every cover is one). batchget_material
// lists voice and video items as {media_id, name, update_time, url};
// get_material answers a voice material with its file and a video material
// with JSON {title, description, down_url}, down_url pointing at a video
// host this server also plays.

// VideoStatsPath is the Calls/Stats/InjectFault name of the video host.
const VideoStatsPath = "videos"

// videoHostPath is where down_url points, after WeChat's video CDN.
const videoHostPath = "/vweixinp.tc.qq.com/"

// mediaMaterial is one voice or video material.
type mediaMaterial struct {
	kind        string // "voice" or "video"
	mediaID     string
	name        string
	updated     int64
	title, desc string // video only
	file        string // video only: the file name on the video host
}

type mediaMaterials struct {
	voices, videos []*mediaMaterial // newest first
	byID           map[string]*mediaMaterial
	byFile         map[string]*mediaMaterial
}

// generateMediaMaterials writes opts.MediaMaterials voice and as many video
// materials (3 each by default, none for an empty account) from their own
// random stream, so the rest of the account does not depend on them.
func generateMediaMaterials(acct *account, opts Options) mediaMaterials {
	mm := mediaMaterials{byID: map[string]*mediaMaterial{}, byFile: map[string]*mediaMaterial{}}
	n := opts.MediaMaterials
	if n == 0 {
		n = 3
		if !opts.Demo && opts.Articles == 0 {
			n = 0
		}
	}
	if n < 0 {
		return mm
	}
	r := rand.New(rand.NewPCG(uint64(opts.Seed), 0x6d6564696d617473))
	g := &generator{r: r, acct: acct}
	at := newsEraStart
	for i := range 2 * n {
		at = at.Add(time.Duration(200+r.IntN(2000)) * time.Hour)
		m := &mediaMaterial{mediaID: g.mediaID(), updated: at.Unix()}
		if i%2 == 0 {
			m.kind = "voice"
			ext := ".amr"
			if i%4 == 2 {
				ext = ".mp3"
			}
			m.name = fmt.Sprintf("%s%s", strings.NewReplacer(" ", "_", "#", "", ":", "").Replace(pick(r, voiceNames)), ext)
			mm.voices = append(mm.voices, m)
		} else {
			m.kind = "video"
			m.title = pick(r, titleTopics)
			m.desc = pick(r, digests)
			m.name = fmt.Sprintf("video_%02d.mp4", len(mm.videos)+1)
			m.file = "1007_" + g.hex(32) + ".f10.mp4"
			mm.videos = append(mm.videos, m)
			mm.byFile[m.file] = m
		}
		mm.byID[m.mediaID] = m
	}
	newestFirst := func(a, b *mediaMaterial) int { return int(b.updated - a.updated) }
	slices.SortStableFunc(mm.voices, newestFirst)
	slices.SortStableFunc(mm.videos, newestFirst)
	return mm
}

// MediaMaterial is a voice or video material as tests see it.
type MediaMaterial struct {
	Kind, MediaID, Name string
	UpdateTime          time.Time
	// Data is the voice file, or the video file behind down_url.
	Data        []byte
	ContentType string
	// Title and Description are the video's.
	Title, Description string
}

// MediaMaterials returns the voice or video materials (kind "voice" or
// "video") in list order.
func (s *Server) MediaMaterials(kind string) []MediaMaterial {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.media.voices
	if kind == "video" {
		list = s.media.videos
	}
	out := make([]MediaMaterial, 0, len(list))
	for _, m := range list {
		data, ctype := m.bytes()
		out = append(out, MediaMaterial{
			Kind: m.kind, MediaID: m.mediaID, Name: m.name, UpdateTime: time.Unix(m.updated, 0).In(chinaZone),
			Data: data, ContentType: ctype, Title: m.title, Description: m.desc,
		})
	}
	return out
}

// bytes makes the material's file from its id: a small but well-formed AMR
// or MP3 voice, or an MP4 whose first box is a real ftyp.
func (m *mediaMaterial) bytes() ([]byte, string) {
	stream := func(n int) []byte {
		var out []byte
		for i := 0; len(out) < n; i++ {
			sum := sha256.Sum256(fmt.Appendf(nil, "%s#%d", m.mediaID, i))
			out = append(out, sum[:]...)
		}
		return out[:n]
	}
	var b bytes.Buffer
	switch {
	case m.kind == "video":
		b.Write([]byte{0, 0, 0, 0x18})
		b.WriteString("ftypmp42")
		b.Write([]byte{0, 0, 0, 0})
		b.WriteString("mp42isom")
		payload := stream(6000)
		var size [4]byte
		binary.BigEndian.PutUint32(size[:], uint32(8+len(payload)))
		b.Write(size[:])
		b.WriteString("mdat")
		b.Write(payload)
		return b.Bytes(), "video/mp4"
	case strings.HasSuffix(m.name, ".mp3"):
		b.WriteString("ID3\x03\x00\x00\x00\x00\x00\x00")
		payload := stream(40 * 417)
		for i := 0; i < len(payload); i += 417 {
			// MPEG-1 layer III, 128 kbit/s, 44.1 kHz frame headers.
			b.Write([]byte{0xFF, 0xFB, 0x90, 0x64})
			b.Write(payload[i+4 : i+417])
		}
		return b.Bytes(), "audio/mpeg"
	default:
		b.WriteString("#!AMR\n")
		payload := stream(50 * 32)
		for i := 0; i < len(payload); i += 32 {
			b.WriteByte(0x3C) // mode 7 (12.2 kbit/s), quality bit set
			b.Write(payload[i+1 : i+32])
		}
		return b.Bytes(), "audio/amr"
	}
}

func (s *Server) mediaMaterialCounts() (voices, videos int) {
	return len(s.media.voices), len(s.media.videos)
}

// listMediaMaterials answers batchget_material for type voice or video;
// s.mu held.
func (s *Server) listMediaMaterials(kind string, offset, count int) (any, *apiError) {
	list := s.media.voices
	if kind == "video" {
		list = s.media.videos
	}
	return listPage(list, offset, count, func(m *mediaMaterial) imageItem {
		// Voice and video items carry an empty url: their files come
		// only through get_material (§2).
		return imageItem{m.mediaID, m.name, m.updated, ""}
	})
}

// getMediaMaterial answers get_material for a voice or video media_id;
// nil when it is neither. s.mu held.
func (s *Server) getMediaMaterial(mediaID string) any {
	m := s.media.byID[mediaID]
	if m == nil {
		return nil
	}
	if m.kind == "voice" {
		data, ctype := m.bytes()
		return &rawResponse{contentType: ctype, filename: m.name, body: data}
	}
	base := s.base
	if base == "" {
		// encodeJSON swaps this host for the one the client used.
		base = "https://" + mmbizHost
	}
	sum := sha256.Sum256([]byte("vkey|" + m.mediaID))
	return struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		DownURL     string `json:"down_url"`
	}{m.title, m.desc, base + videoHostPath + m.file + "?vkey=" + strings.ToUpper(hex.EncodeToString(sum[:16]))}
}

func (s *Server) materialRoutes(mux *http.ServeMux) {
	mux.HandleFunc(videoHostPath, s.serveVideo)
}

// serveVideo is the video CDN behind down_url.
func (s *Server) serveVideo(w http.ResponseWriter, r *http.Request) {
	file := strings.TrimPrefix(r.URL.Path, videoHostPath)
	s.mu.Lock()
	s.stat(VideoStatsPath).Calls++
	m := s.media.byFile[file]
	fault := s.countFault(VideoStatsPath, r.Method+" "+r.URL.String(), true)
	if fault == 0 && m == nil {
		s.stat(VideoStatsPath).Errors++
	}
	s.mu.Unlock()
	if s.sleep(r, s.opts.Latency) != nil {
		return
	}
	if m == nil || r.URL.Query().Get("vkey") == "" {
		http.NotFound(w, r)
		return
	}
	if s.hostileVideo(w) {
		return
	}
	data, ctype := m.bytes()
	w, faulted := s.answerFault(w, r, VideoStatsPath, fault, data, ctype)
	if faulted {
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}
