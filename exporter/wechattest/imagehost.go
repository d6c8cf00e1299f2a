package wechattest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// serveImage is the fake mmbiz CDN: /<prefix>/<id>/<size>?wx_fmt=…
// The bytes depend on the id alone (the size segment and wx_fmt do not
// resize or convert, and tp=webp is ignored); the Content-Type is the real
// encoding, which is the only way to tell for wx_fmt=other, a missing wx_fmt
// or the legacy mmbiz/ prefix.
func (s *Server) serveImage(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) != 3 || !strings.Contains(parts[0], "mmbiz") || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		http.NotFound(w, r)
		return
	}
	id := parts[1]
	s.mu.Lock()
	s.stat(imageStatsPath).Calls++
	s.mu.Unlock()
	if s.sleep(r, s.opts.Latency) != nil {
		return
	}
	if s.hostileImage(w) {
		return
	}

	// Hot-link protection comes before faults and lookups: it is a policy of
	// the CDN edge, answered the same for any path.
	if foreignReferer(r.Referer()) {
		s.logf("wechattest: GET %s with foreign Referer -> placeholder", r.URL.Path)
		writeImage(w, "image/png", placeholderPNG)
		return
	}

	s.mu.Lock()
	format, known := s.acct.images[id]
	_, missing := s.acct.missing[id]
	fault := s.countFault(imageStatsPath, r.Method+" "+r.URL.String(), true)
	if fault == 0 && (!known || missing) {
		s.stat(imageStatsPath).Errors++
	}
	s.mu.Unlock()

	body := placeholderPNG // what a faulty answer for an unknown image cuts short
	if known && !missing {
		body = s.images.get(id, format)
	}
	w, faulted := s.answerFault(w, r, imageStatsPath, fault, body, format.contentType())
	if faulted {
		return
	}
	if !known || missing {
		s.logf("wechattest: GET %s -> 404", r.URL.Path)
		http.NotFound(w, r)
		return
	}
	writeImage(w, format.contentType(), body)
}

func writeImage(w http.ResponseWriter, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("Cache-Control", "max-age=604800")
	_, _ = w.Write(body)
}

// foreignReferer reports whether the CDN would treat the request as a
// hot-link: a Referer that is present and not an mp.weixin.qq.com page.
func foreignReferer(ref string) bool {
	if ref == "" {
		return false
	}
	for _, ok := range []string{"https://mp.weixin.qq.com/", "http://mp.weixin.qq.com/"} {
		if strings.HasPrefix(ref, ok) || ref+"/" == ok {
			return false
		}
	}
	return true
}

// MissingImageURLs lists the image URLs (on this server) that answer 404,
// as set up by Options.MissingImages or BreakImage, sorted.
func (s *Server) MissingImageURLs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.acct.missing))
	for _, u := range s.acct.missing {
		out = append(out, s.rewriteHost(u))
	}
	slices.Sort(out)
	return out
}

// BreakImage makes the image behind url answer 404 from now on.
func (s *Server) BreakImage(url string) bool {
	url = strings.Replace(url, s.URL(), "https://"+mmbizHost, 1)
	m := imageURLPattern.FindStringSubmatch(url)
	if m == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.acct.missing[m[2]] = url
	return true
}

// WarmImages encodes every image of the account now, so that serving them
// later costs no encoding: benchmarks that time a client against the fake
// call it first, as a real CDN's work is not done on the client's machine.
func (s *Server) WarmImages() {
	s.mu.Lock()
	images := make(map[string]imageFormat, len(s.acct.images))
	for id, f := range s.acct.images {
		images[id] = f
	}
	s.mu.Unlock()
	for id, f := range images {
		s.images.get(id, f)
	}
}
