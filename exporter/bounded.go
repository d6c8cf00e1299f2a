package exporter

import (
	"io"
)

// Every response is bounded twice: a Content-Length over the limit is
// refused before a byte is read, and the body is cut at the limit while it
// is read, since a server need not declare a length (or may lie about it,
// or gzip ten gigabytes into a few hundred kilobytes: the limits count the
// bytes after decompression). Files are streamed to disk as they arrive,
// so only JSON and article pages are ever held in memory, within these
// bounds.
const (
	// maxTokenBytes bounds a token answer, about 200 bytes from WeChat.
	maxTokenBytes = 64 << 10
	// maxSmallJSONBytes bounds the answers that carry no articles: counts,
	// quotas, the JSON of get_material (a video's down_url, an error).
	maxSmallJSONBytes = 1 << 20
	// maxListBytes bounds one list page. Real pages of 20 messages with
	// long articles are a few megabytes; this leaves ten times that.
	maxListBytes = 48 << 20
	// maxImageBytes bounds an image (WeChat caps uploads at 10 MB), a
	// thumb or image material fetched by media_id, and a voice.
	maxImageBytes = 64 << 20
	// maxVoiceBytes bounds a voice message; 30 minutes at the quality
	// WeChat keeps are about 15 MB.
	maxVoiceBytes = 64 << 20
	// maxVideoBytes bounds a video material's file, streamed to disk.
	// Videos uploaded through the API are capped at 10 MB; the MP console
	// allows far larger ones, up to this.
	maxVideoBytes = 1 << 30
	// maxPageBytes bounds an article page: 0.1–3 MB with their inline
	// scripts; more is not an article page.
	maxPageBytes = 32 << 20
)

// limitFor is the bound of an API answer.
func limitFor(req *request) int64 {
	switch {
	case isTokenEndpoint(req.endpoint):
		return maxTokenBytes
	case req.endpoint == pathBatchGetMaterial || req.endpoint == pathFreePublishBatchGet || req.endpoint == pathDraftBatchGet:
		return maxListBytes
	}
	return maxSmallJSONBytes
}

// trackReader remembers what reading its source did: how many bytes came
// and the first error that was not io.EOF, so that after a consumer (a
// file being written) returns, a network failure is told from a local one.
type trackReader struct {
	r   io.Reader
	n   int64
	err error
}

func (t *trackReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.n += int64(n)
	if err != nil && err != io.EOF && t.err == nil {
		t.err = err
	}
	return n, err
}

// readCapped reads r to its end, at most limit bytes; tooLarge reports a
// body that went on past the limit (what was read is then dropped). A
// declared length within the limit is read into one buffer of that size;
// an undeclared one in pieces joined once at the end, so that a body that
// turns out too large never held more than the limit, and one that fits
// is never copied by a growing buffer's doublings.
func readCapped(r io.Reader, contentLength, limit int64) (data []byte, tooLarge bool, err error) {
	if contentLength >= 0 && contentLength <= limit {
		data = make([]byte, contentLength)
		if _, err := io.ReadFull(r, data); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, false, err
		}
		// A body longer than declared is a broken server; the transport
		// reports it, and the byte after the end must not be there.
		var one [1]byte
		if n, _ := r.Read(one[:]); n > 0 {
			return nil, true, nil
		}
		return data, false, nil
	}
	const piece = 256 << 10
	var pieces [][]byte
	var total int64
	for {
		p := make([]byte, piece)
		n, err := fill(r, p)
		total += int64(n)
		if total > limit {
			return nil, true, nil
		}
		if n > 0 {
			pieces = append(pieces, p[:n])
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false, err
		}
	}
	data = make([]byte, 0, total)
	for _, p := range pieces {
		data = append(data, p...)
	}
	return data, false, nil
}

// fill reads into p until it is full or r ends; err is io.EOF only at the
// clean end of r (unlike io.ReadFull, which turns a transport's own
// io.ErrUnexpectedEOF and a short last piece into the same error).
func fill(r io.Reader, p []byte) (n int, err error) {
	for n < len(p) {
		m, err := r.Read(p[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
