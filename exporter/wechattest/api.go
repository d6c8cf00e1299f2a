package wechattest

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// request is what an endpoint sees: the parsed query and the raw body.
type request struct {
	query url.Values
	body  []byte
}

// rawResponse is a non-JSON answer (get_material of an image).
type rawResponse struct {
	contentType string
	filename    string
	body        []byte
}

// endpoint answers one API path. It runs with s.mu held and returns either
// a JSON value, a *rawResponse, or a WeChat error.
type endpoint struct {
	post      bool // require POST (43002 otherwise)
	needToken bool
	// errorType is the Content-Type of error answers: get_material sends
	// text/plain (§3.2), everything else JSON.
	errorType string
	serve     func(s *Server, req request) (any, *apiError)
}

func (s *Server) routes() http.Handler {
	endpoints := map[string]endpoint{
		PathToken:            {serve: (*Server).classicToken},
		PathStableToken:      {post: true, serve: (*Server).stableToken},
		PathMaterialCount:    {needToken: true, serve: (*Server).materialCount},
		PathBatchGetMaterial: {post: true, needToken: true, serve: (*Server).batchGetMaterial},
		PathGetMaterial:      {post: true, needToken: true, errorType: "text/plain", serve: (*Server).getMaterial},
		PathFreePublishList:  {post: true, needToken: true, serve: (*Server).freePublishList},
		PathDraftCount:       {needToken: true, serve: (*Server).draftCount},
		PathDraftList:        {post: true, needToken: true, serve: (*Server).draftList},
		PathQuotaGet:         {post: true, needToken: true, serve: (*Server).quotaGet},
	}
	mux := http.NewServeMux()
	for path, ep := range endpoints {
		mux.Handle(path, s.api(path, ep))
	}
	s.pageRoutes(mux)
	s.materialRoutes(mux)
	s.personalRoutes(mux)
	mux.HandleFunc(PathVoice, s.serveVoice)
	mux.HandleFunc("/", s.serveImage)
	// Answers are dated by the server's clock, which tests move by days,
	// as WeChat's are by its own: clients take the quota's reset day from
	// the Date header.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", s.Now().UTC().Format(http.TimeFormat))
		mux.ServeHTTP(w, r)
	})
}

// api wraps an endpoint with what every WeChat call goes through, in this
// order: latency, fault draw, method, token, daily quota. A faulted call
// stops before any state changes, so it neither spends quota nor issues or
// revokes a token; only a slow body is the real answer, which the server
// did make.
func (s *Server) api(path string, ep endpoint) http.Handler {
	if ep.errorType == "" {
		ep.errorType = jsonContentType
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		if err != nil {
			return
		}
		s.mu.Lock()
		s.stat(path).Calls++
		s.mu.Unlock()
		if s.sleep(r, s.opts.Latency) != nil {
			return
		}
		if s.hostileAPI(w, r, path) {
			return
		}

		q := r.URL.Query()
		q.Del("access_token")
		key := r.Method + " " + path + "?" + q.Encode() + "\n" + string(body)
		s.mu.Lock()
		fault := s.countFault(path, key, false)
		s.mu.Unlock()
		w, faulted := s.answerFault(w, r, path, fault, faultFiller, jsonContentType)
		if faulted {
			return
		}

		s.mu.Lock()
		resp, apiErr := s.call(path, ep, r, body)
		s.mu.Unlock()
		if apiErr != nil {
			s.logf("wechattest: %s %s -> errcode %d", r.Method, redactQuery(r.URL), apiErr.code)
			s.writeError(w, path, apiErr, ep.errorType)
			return
		}
		if raw, ok := resp.(*rawResponse); ok {
			s.logf("wechattest: %s %s -> %s, %d bytes", r.Method, redactQuery(r.URL), raw.contentType, len(raw.body))
			w.Header().Set("Content-Type", raw.contentType)
			w.Header().Set("Content-Disposition", `attachment; filename="`+raw.filename+`"`)
			w.Header().Set("Content-Length", strconv.Itoa(len(raw.body)))
			_, _ = w.Write(raw.body)
			return
		}
		out := s.hostileList(s.encodeJSON(resp, r.Host))
		s.logf("wechattest: %s %s -> ok, %d bytes", r.Method, redactQuery(r.URL), len(out))
		w.Header().Set("Content-Type", jsonContentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		_, _ = w.Write(out)
	})
}

// call runs the checks every API call shares, then the endpoint. s.mu held.
func (s *Server) call(path string, ep endpoint, r *http.Request, body []byte) (any, *apiError) {
	if ep.post && r.Method != http.MethodPost {
		return nil, errf(43002, "require POST method")
	}
	if ep.needToken {
		if e := s.checkToken(r.URL.Query().Get("access_token")); e != nil {
			return nil, e
		}
	}
	if e := s.personalRefusal(path, body); e != nil {
		return nil, e
	}
	if ep.post && len(bytes.TrimSpace(body)) == 0 {
		return nil, errf(44002, "empty post data")
	}
	if !s.spendQuota(path) {
		return nil, errf(45009, "reach max api daily quota limit")
	}
	return ep.serve(s, request{query: r.URL.Query(), body: body})
}

// decodeBody reads a JSON request body; WeChat answers 47001 to bad JSON.
func decodeBody(req request, v any) *apiError {
	if err := json.Unmarshal(req.body, v); err != nil {
		return errf(47001, "data format error")
	}
	return nil
}

// truthy reads a flag sent as a JSON number (documented), bool (what some
// SDKs send) or string.
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case float64:
		return x != 0
	case string:
		return x == "1" || x == "true"
	}
	return false
}

// --- quota (§7) ---

func (s *Server) quotaGet(req request) (any, *apiError) {
	var in struct {
		CGIPath string `json:"cgi_path"`
	}
	if e := decodeBody(req, &in); e != nil {
		return nil, e
	}
	limit, known := s.quotas[in.CGIPath]
	if !strings.HasPrefix(in.CGIPath, "/") || !known {
		return nil, errf(76003, "invalid cgi_path")
	}
	if limit <= 0 {
		limit = math.MaxInt32
	}
	used := s.used[in.CGIPath]
	type quota struct {
		DailyLimit int `json:"daily_limit"`
		Used       int `json:"used"`
		Remain     int `json:"remain"`
	}
	return struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
		Quota   quota  `json:"quota"`
	}{0, "ok", quota{limit, used, max(limit-used, 0)}}, nil
}
