package wechattest

import (
	"compress/gzip"
	"net/http"
	"strconv"

	"github.com/mparchive/mparchive/internal/lazyregexp"
)

// Hostile makes the server attack its client instead of serving it: each
// field is one way a broken or malicious server (or whatever answers in
// its place) can try to exhaust a client's memory or time. The huge
// answers are made as they are sent, so they cost the server nothing to
// hold; a client that stops reading stops them.
type Hostile struct {
	// ThumbBytes answers every get_material with a JPEG of this many
	// bytes, and leaves thumb_url out of the lists, so that every cover
	// is fetched by its thumb_media_id.
	ThumbBytes int64
	// TokenBombBytes answers the token endpoints with a gzip-encoded
	// (Content-Encoding) body that inflates to this many bytes of JSON; a
	// few hundred kilobytes on the wire inflate to gigabytes.
	TokenBombBytes int64
	// ListBytes answers the list endpoints (freepublish, draft and
	// material batchget) with a JSON page of this many bytes.
	ListBytes int64
	// ImageBytes answers every image with a PNG of this many bytes.
	ImageBytes int64
	// VideoBytes answers every video download (a video material's
	// down_url) with an MP4 of this many bytes.
	VideoBytes int64
	// DeclareLength sends the sizes above as Content-Length; without it
	// the answers are chunked, and only the client's reading bound stops
	// them.
	DeclareLength bool
	// StallToken makes the token endpoints send nothing at all until the
	// client hangs up (or the server closes).
	StallToken bool
	// RedirectToken answers the token endpoints with a 307 to this URL,
	// which would make a client that follows it send the AppSecret there.
	RedirectToken string
}

// hostileAPI answers an API call the hostile way, if one is set for path,
// and reports whether it did.
func (s *Server) hostileAPI(w http.ResponseWriter, r *http.Request, path string) bool {
	h := s.opts.Hostile
	switch path {
	case PathToken, PathStableToken:
		switch {
		case h.RedirectToken != "":
			http.Redirect(w, r, h.RedirectToken, http.StatusTemporaryRedirect)
			return true
		case h.StallToken:
			_ = s.sleep(r, 1<<62)
			return true
		case h.TokenBombBytes > 0:
			s.writeBomb(w, h.TokenBombBytes)
			return true
		}
	case PathFreePublishList, PathDraftList, PathBatchGetMaterial:
		if h.ListBytes > 0 {
			head := `{"total_count":1,"item_count":1,"item":[{"article_id":"huge","media_id":"huge","update_time":1,"content":{"news_item":[{"title":"`
			tail := `"}]}}]}`
			s.writeHuge(w, jsonContentType, head, 'a', tail, h.ListBytes)
			return true
		}
	case PathGetMaterial:
		if h.ThumbBytes > 0 {
			s.writeHuge(w, "image/jpeg", "\xFF\xD8\xFF\xE0\x00\x10JFIF\x00", 0, "", h.ThumbBytes)
			return true
		}
	}
	return false
}

// hostileImage answers an image request the hostile way, if set.
func (s *Server) hostileImage(w http.ResponseWriter) bool {
	if n := s.opts.Hostile.ImageBytes; n > 0 {
		s.writeHuge(w, "image/png", "\x89PNG\r\n\x1a\n", 0, "", n)
		return true
	}
	return false
}

// hostileVideo answers a video download the hostile way, if set.
func (s *Server) hostileVideo(w http.ResponseWriter) bool {
	if n := s.opts.Hostile.VideoBytes; n > 0 {
		s.writeHuge(w, "video/mp4", "\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", 0, "", n)
		return true
	}
	return false
}

// thumbURLs matches the thumb_url fields of an encoded list.
var thumbURLs = lazyregexp.New(`"thumb_url":"[^"]*"`)

// hostileList edits an encoded list answer: with ThumbBytes every cover
// is left to its thumb_media_id.
func (s *Server) hostileList(out []byte) []byte {
	if s.opts.Hostile.ThumbBytes > 0 {
		return thumbURLs.ReplaceAll(out, []byte(`"thumb_url":""`))
	}
	return out
}

// writeHuge sends head, then fill up to n bytes in all, then tail, without
// holding more than a buffer of it.
func (s *Server) writeHuge(w http.ResponseWriter, contentType, head string, fill byte, tail string, n int64) {
	w.Header().Set("Content-Type", contentType)
	if s.opts.Hostile.DeclareLength {
		w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	}
	if _, err := w.Write([]byte(head)); err != nil {
		return
	}
	buf := make([]byte, 64<<10)
	for i := range buf {
		buf[i] = fill
	}
	left := n - int64(len(head)) - int64(len(tail))
	for left > 0 {
		chunk := buf[:min(int64(len(buf)), left)]
		if _, err := w.Write(chunk); err != nil {
			return
		}
		left -= int64(len(chunk))
	}
	_, _ = w.Write([]byte(tail))
}

// writeBomb sends a token answer gzip-encoded, inflating to n bytes.
func (s *Server) writeBomb(w http.ResponseWriter, n int64) {
	w.Header().Set("Content-Type", jsonContentType)
	w.Header().Set("Content-Encoding", "gzip")
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return
	}
	head, tail := `{"access_token":"`, `","expires_in":7200}`
	if _, err := zw.Write([]byte(head)); err != nil {
		return
	}
	buf := make([]byte, 64<<10)
	for i := range buf {
		buf[i] = 'A'
	}
	for left := n - int64(len(head)+len(tail)); left > 0; {
		chunk := buf[:min(int64(len(buf)), left)]
		if _, err := zw.Write(chunk); err != nil {
			return
		}
		left -= int64(len(chunk))
	}
	_, _ = zw.Write([]byte(tail))
	_ = zw.Close()
}
