package wechattest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// freepublishPrefix is the path prefix of WeChat's 发布能力 endpoints.
const freepublishPrefix = "/cgi-bin/freepublish/"

// personalRefusal answers for an Options.Personal account what personal and
// unverified accounts get since July 2025 (docs/wechat-api.md §12, samples a16 and
// a17): 48001 "api unauthorized" from every freepublish endpoint, after the
// token is checked. s.mu held.
//
// openapi/quota/get asked about a freepublish path answers 48001 too. No
// capture of that call from such an account exists (§7 has only a granted
// path, a22), so this is a choice: §12 says WeChat withdrew the permission
// itself, reading included, and §6 says 48001 is how a call without the
// permission is refused. The quota page's other refusal, 76022, concerns a
// token of another kind of account, which this is not. Clients should treat
// the quota of such a path as unknown whatever the code.
func (s *Server) personalRefusal(path string, body []byte) *apiError {
	if !s.opts.Personal {
		return nil
	}
	if strings.HasPrefix(path, freepublishPrefix) {
		return errf(48001, "api unauthorized")
	}
	if path == PathQuotaGet {
		var in struct {
			CGIPath string `json:"cgi_path"`
		}
		if json.Unmarshal(body, &in) == nil && strings.HasPrefix(in.CGIPath, freepublishPrefix) {
			return errf(48001, "api unauthorized")
		}
	}
	return nil
}

// personalRoutes answers the freepublish endpoints the fake does not
// otherwise serve (getarticle, get, submit, delete), so that a personal
// account refuses every one of them as WeChat does rather than with a 404.
func (s *Server) personalRoutes(mux *http.ServeMux) {
	if !s.opts.Personal {
		return
	}
	mux.Handle(freepublishPrefix, s.api(freepublishPrefix, endpoint{post: true, needToken: true,
		serve: func(*Server, request) (any, *apiError) { return nil, errf(48001, "api unauthorized") }}))
}
