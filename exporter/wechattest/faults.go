package wechattest

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SetFaultRate changes the probability of a fault for later requests.
func (s *Server) SetFaultRate(rate float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faultRate = min(max(rate, 0), 1)
}

// InjectFault makes the next n requests to path fail with f, before and
// regardless of FaultRate. path is an API path such as PathFreePublishList,
// or "images" for the image host. It is how a test provokes one exact
// failure at one exact call.
func (s *Server) InjectFault(path string, f Fault, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.injected[path] = append(s.injected[path], f)
	}
}

// drawFault decides whether this request fails. The decision hashes the
// seed, the request (method, path, query without token, body) and how many
// times that same request came before, so it does not depend on the order
// in which concurrent requests arrive: a failing client run reproduces with
// the same seed. Called with s.mu held.
func (s *Server) drawFault(statsPath, key string, image bool) Fault {
	if q := s.injected[statsPath]; len(q) > 0 {
		s.injected[statsPath] = q[1:]
		return q[0]
	}
	if s.faultRate <= 0 || (image && s.opts.NoImageFaults) {
		return 0
	}
	n := s.seen[key]
	s.seen[key]++
	h := fnv.New64a()
	var buf [16]byte
	binary.LittleEndian.PutUint64(buf[:8], uint64(s.opts.Seed))
	binary.LittleEndian.PutUint64(buf[8:], n)
	h.Write(buf[:])
	h.Write([]byte(key))
	sum := h.Sum64()
	if float64(sum>>11)/(1<<53) >= s.faultRate {
		return 0
	}
	kinds := s.opts.Faults
	if image {
		kinds = slices.DeleteFunc(slices.Clone(kinds), Fault.jsonLevel)
		if len(kinds) == 0 {
			return 0
		}
	}
	return kinds[(sum*2654435761>>7)%uint64(len(kinds))]
}

// countFault is drawFault that also counts a fault in the path's stats.
// Called with s.mu held.
func (s *Server) countFault(statsPath, key string, image bool) Fault {
	f := s.drawFault(statsPath, key, image)
	if f != 0 {
		s.stat(statsPath).Faults++
	}
	return f
}

// answerFault answers with fault f, if there is one, and reports whether
// it did; full and contentType are the real answer's. A slow body is no
// failure: the real answer goes on through the returned writer, slowly.
func (s *Server) answerFault(w http.ResponseWriter, r *http.Request, statsPath string, f Fault, full []byte, contentType string) (http.ResponseWriter, bool) {
	switch f {
	case 0:
		return w, false
	case FaultSlowBody:
		return s.slowly(w, r), false
	}
	s.logf("wechattest: %s %s -> fault %s", r.Method, redactQuery(r.URL), f)
	s.writeFault(w, r, statsPath, f, full, contentType)
	return w, true
}

// slowly turns a FaultSlowBody into a writer for the real answer: the
// handler answers as usual, and the body's first bytes go out at once,
// the rest after Options.SlowBody. A client whose deadline is shorter
// gives up; one whose deadline is longer gets the whole answer, late.
func (s *Server) slowly(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	return &slowWriter{ResponseWriter: w, s: s, r: r}
}

type slowWriter struct {
	http.ResponseWriter
	s       *Server
	r       *http.Request
	stalled bool
}

func (sw *slowWriter) Write(p []byte) (int, error) {
	if sw.stalled {
		return sw.ResponseWriter.Write(p)
	}
	head := min(len(p), 16)
	n, err := sw.ResponseWriter.Write(p[:head])
	if err != nil {
		return n, err
	}
	if fl, ok := sw.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
	sw.stalled = true
	if err := sw.s.sleep(sw.r, sw.s.opts.SlowBody); err != nil {
		return n, err
	}
	m, err := sw.ResponseWriter.Write(p[head:])
	return n + m, err
}

// faultFiller is the body that truncated API responses start to send: the
// beginning of a plausible list page.
var faultFiller = []byte(`{"item":[{"media_id":"fault-filler","content":{"news_item":[{"title":"` +
	"这一页在传输中被截断了 this page was cut in transit" + `","author":"","digest":"","content":"<p>` +
	strings.Repeat("正文 body text ", 64) + `<\/p>"}]},"update_time":0}],"total_count":1,"item_count":1}`)

// writeFault answers with fault f. full is the body a truncated answer
// starts sending (the real image for the image host). FaultSlowBody is no
// answer of its own: the handlers serve the real one slowly (slowly).
func (s *Server) writeFault(w http.ResponseWriter, r *http.Request, path string, f Fault, full []byte, contentType string) {
	switch f {
	case FaultSystemError:
		s.writeError(w, path, errf(-1, "system error"), jsonContentType)
	case FaultMinuteQuota:
		s.writeError(w, path, errf(45011, "api minute-quota reach limit must slower retry next minute"), jsonContentType)
	case FaultHTTP500, FaultHTTP502, FaultHTTP503:
		code := map[Fault]int{FaultHTTP500: 500, FaultHTTP502: 502, FaultHTTP503: 503}[f]
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(code)
		fmt.Fprintf(w, "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
			code, http.StatusText(code), code, http.StatusText(code))
	case FaultTruncated:
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(full)))
		_, _ = w.Write(full[:len(full)/2])
		// Returning with fewer bytes than declared makes net/http close the
		// connection: the client sees an unexpected EOF.
	case FaultCutJSON:
		w.Header().Set("Content-Type", contentType)
		cut := full[:len(full)/2]
		w.Header().Set("Content-Length", strconv.Itoa(len(cut)))
		_, _ = w.Write(cut)
	case FaultReset:
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic(http.ErrAbortHandler)
		}
		conn, _, err := hj.Hijack()
		if err != nil {
			return
		}
		if tcp, ok := conn.(*net.TCPConn); ok {
			// Linger 0 turns Close into a RST instead of a FIN, which is
			// what a dropped connection at a middlebox looks like.
			_ = tcp.SetLinger(0)
		}
		_ = conn.SetDeadline(time.Now())
		_ = conn.Close()
	}
}
