package wechattest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
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
	return mux
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

// --- tokens (docs/wechat-api.md §1) ---

const tokenLifetime = 7200 * time.Second

func (s *Server) newToken(stable bool) (string, *token) {
	const alphabet = idAlphabet + "-_"
	b := make([]byte, 150)
	for i := range b {
		b[i] = alphabet[s.tokenRand.IntN(len(alphabet))]
	}
	value := "86_" + string(b)
	t := &token{stable: stable, expires: s.now().Add(tokenLifetime)}
	s.tokens[value] = t
	return value, t
}

// checkCredentials applies the account's credential rules; classic tells
// which error a wrong secret gets (40001 on cgi-bin/token, 40125 on
// stable_token, as WeChat answers).
func (s *Server) checkCredentials(grantType, appID, secret string, classic bool) *apiError {
	switch {
	case grantType != "client_credential":
		return errf(40002, "invalid grant_type")
	case appID == "":
		return errf(41002, "appid missing")
	case secret == "":
		return errf(41004, "appsecret missing")
	case s.opts.AppID != "" && appID != s.opts.AppID:
		return errf(40013, "invalid appid")
	case s.opts.Secret != "" && secret != s.opts.Secret:
		if classic {
			return errf(40001, "invalid credential, access_token is invalid or not latest")
		}
		return errf(40125, "invalid appsecret")
	case s.opts.SecretFrozen:
		// The text is ours: no real 40243 body was found (§1.1).
		return errf(40243, "AppSecret is frozen, unfreeze it at mp.weixin.qq.com")
	case s.opts.RejectIP != "":
		return errf(40164, "invalid ip "+s.opts.RejectIP+" ipv6 ::ffff:"+s.opts.RejectIP+", not in whitelist")
	}
	return nil
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
}

// classicToken issues a new token and retires the previous classic one
// (after Options.TokenOverlap): the behaviour that makes cgi-bin/token log
// out other users of the account (§0.4).
func (s *Server) classicToken(req request) (any, *apiError) {
	q := req.query
	if e := s.checkCredentials(q.Get("grant_type"), q.Get("appid"), q.Get("secret"), true); e != nil {
		return nil, e
	}
	now := s.now()
	if old := s.tokens[s.classicLatest]; old != nil && old.revokedAt.IsZero() {
		old.revokedAt = now.Add(s.opts.TokenOverlap)
	}
	value, _ := s.newToken(false)
	s.classicLatest = value
	return tokenResponse{value, int(tokenLifetime / time.Second)}, nil
}

// stableToken follows getStableAccessToken (§1.2): the same token while it
// has more than 5 minutes left, a new one in the last 5 minutes (the old one
// living on to its expiry), and force_refresh replacing it at once, at most
// 20 times a day and 30 s apart (beyond that the current token comes back).
// It never touches classic tokens.
func (s *Server) stableToken(req request) (any, *apiError) {
	var in struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh any    `json:"force_refresh"`
	}
	if e := decodeBody(req, &in); e != nil {
		return nil, e
	}
	if e := s.checkCredentials(in.GrantType, in.AppID, in.Secret, false); e != nil {
		return nil, e
	}
	now := s.now()
	cur := s.tokens[s.stableLatest]
	valid := cur != nil && cur.revokedAt.IsZero() && now.Before(cur.expires)
	if truthy(in.ForceRefresh) && (!valid || s.stableForced < stableForceDailyLimit && now.Sub(s.stableForceAt) >= 30*time.Second) {
		s.stableForced++
		s.stableForceAt = now
		if valid {
			cur.revokedAt = now
		}
		valid = false
	}
	if valid && cur.expires.Sub(now) > 5*time.Minute {
		return tokenResponse{s.stableLatest, int(cur.expires.Sub(now) / time.Second)}, nil
	}
	value, _ := s.newToken(true)
	s.stableLatest = value
	return tokenResponse{value, int(tokenLifetime / time.Second)}, nil
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

// checkToken classifies an access_token the way the API does (§6).
func (s *Server) checkToken(value string) *apiError {
	if value == "" {
		return errf(41001, "access_token missing")
	}
	t := s.tokens[value]
	if t == nil {
		return errf(40014, "invalid access_token")
	}
	now := s.now()
	if !t.revokedAt.IsZero() && !now.Before(t.revokedAt) {
		return errf(40001, "invalid credential, access_token is invalid or not latest")
	}
	if !now.Before(t.expires) {
		return errf(42001, "access_token expired")
	}
	return nil
}

// ExpireTokens makes every issued token expire now, as happens when a run
// outlives its token: the next API call answers 42001.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, t := range s.tokens {
		if t.expires.After(now) {
			t.expires = now
		}
	}
}

// IssueToken returns a fresh valid stable token without an HTTP call and
// without spending quota, for tests that exercise other endpoints.
func (s *Server) IssueToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	value, _ := s.newToken(true)
	return value
}

// --- paging shared by the three lists ---

type pageRequest struct {
	Type      string `json:"type"`
	Offset    int    `json:"offset"`
	Count     int    `json:"count"`
	NoContent any    `json:"no_content"`
}

// page checks offset/count (count must be 1–20, §2, §4.1) and cuts the page.
// The invalid-count code is our choice: WeChat documents the range but not
// the error, and 40097 "invalid args" is its generic parameter error.
func page[T any](list []T, offset, count int) ([]T, *apiError) {
	if count < 1 || count > 20 || offset < 0 {
		return nil, errf(40097, "invalid args")
	}
	if offset >= len(list) {
		return []T{}, nil
	}
	return list[offset:min(offset+count, len(list))], nil
}

// newsItemJSON is one article in the field order of the real samples
// (testdata/). Content is a pointer so no_content can leave it out while an
// empty body still shows as "". IsDeleted appears on published items only;
// ThumbURL is left out where the source does not send it.
//
// ArticleType is "news" or "newspic" on drafts, whose documented response
// has it (draft/get; a25 shows it on a newspic draft), and "newspic" alone
// on published items: freepublish's documentation lists no article_type,
// and the real published and 2021 draft captures of ordinary articles
// carry none. News materials predate the field. ImageInfo is a newspic
// item's pictures, as permanent image materials (a25).
type newsItemJSON struct {
	ArticleType        string  `json:"article_type,omitempty"`
	Title              string  `json:"title"`
	Author             string  `json:"author"`
	Digest             string  `json:"digest"`
	Content            *string `json:"content,omitempty"`
	ContentSourceURL   string  `json:"content_source_url"`
	ThumbMediaID       string  `json:"thumb_media_id"`
	ShowCoverPic       int     `json:"show_cover_pic"`
	URL                string  `json:"url"`
	ThumbURL           string  `json:"thumb_url"`
	NeedOpenComment    int     `json:"need_open_comment"`
	OnlyFansCanComment int     `json:"only_fans_can_comment"`
	IsDeleted          *bool   `json:"is_deleted,omitempty"`
	ImageInfo          *struct {
		ImageList []imageListEntry `json:"image_list"`
	} `json:"image_info,omitempty"`
}

type imageListEntry struct {
	ImageMediaID string `json:"image_media_id"`
}

func newsItems(m *message, withContent bool) []newsItemJSON {
	out := make([]newsItemJSON, len(m.items))
	for i, it := range m.items {
		j := newsItemJSON{
			Title: it.title, Author: it.author, Digest: it.digest,
			ContentSourceURL: it.contentSourceURL, ThumbMediaID: it.thumbMediaID,
			ShowCoverPic: it.showCoverPic, URL: it.url, ThumbURL: it.thumbURL,
			NeedOpenComment: it.needOpenComment, OnlyFansCanComment: it.onlyFansCanComment,
		}
		if withContent {
			j.Content = &it.content
		}
		if m.source == SourcePublished {
			j.IsDeleted = &it.deleted
		}
		newspic := it.kind == KindPicture
		switch {
		case m.source == SourceDrafts && !newspic:
			j.ArticleType = "news"
		case newspic && m.source != SourceNews:
			j.ArticleType = "newspic"
			j.ImageInfo = &struct {
				ImageList []imageListEntry `json:"image_list"`
			}{}
			for _, p := range it.pictures {
				j.ImageInfo.ImageList = append(j.ImageInfo.ImageList, imageListEntry{p.mediaID})
			}
		}
		out[i] = j
	}
	return out
}

type contentWithTimes struct {
	NewsItem   []newsItemJSON `json:"news_item"`
	CreateTime int64          `json:"create_time"`
	UpdateTime int64          `json:"update_time"`
}

type mediaItem struct {
	MediaID    string           `json:"media_id"`
	Content    contentWithTimes `json:"content"`
	UpdateTime int64            `json:"update_time"`
}

type listResponse[T any] struct {
	Item       []T `json:"item"`
	TotalCount int `json:"total_count"`
	ItemCount  int `json:"item_count"`
}

// --- material (§2, §3) ---

func (s *Server) materialCount(request) (any, *apiError) {
	voices, videos := s.mediaMaterialCounts()
	return struct {
		Voice int `json:"voice_count"`
		Video int `json:"video_count"`
		Image int `json:"image_count"`
		News  int `json:"news_count"`
	}{voices, videos, len(s.acct.thumbs), len(s.acct.news)}, nil
}

type imageItem struct {
	MediaID    string `json:"media_id"`
	Name       string `json:"name"`
	UpdateTime int64  `json:"update_time"`
	URL        string `json:"url"`
}

func (s *Server) batchGetMaterial(req request) (any, *apiError) {
	var in pageRequest
	if e := decodeBody(req, &in); e != nil {
		return nil, e
	}
	switch in.Type {
	case "news":
		msgs, e := page(s.acct.news, in.Offset, in.Count)
		if e != nil {
			return nil, e
		}
		out := listResponse[mediaItem]{Item: make([]mediaItem, len(msgs)), TotalCount: len(s.acct.news), ItemCount: len(msgs)}
		for i, m := range msgs {
			out.Item[i] = mediaItem{m.id, contentWithTimes{newsItems(m, true), m.created, m.updated}, m.updated}
		}
		return out, nil
	case "image":
		thumbs := slices.Clone(s.acct.thumbs)
		slices.SortStableFunc(thumbs, func(a, b *thumb) int { return cmp.Compare(b.updated, a.updated) })
		ts, e := page(thumbs, in.Offset, in.Count)
		if e != nil {
			return nil, e
		}
		out := listResponse[imageItem]{Item: make([]imageItem, len(ts)), TotalCount: len(thumbs), ItemCount: len(ts)}
		for i, t := range ts {
			out.Item[i] = imageItem{t.mediaID, t.name, t.updated, t.url}
		}
		return out, nil
	case "video", "voice":
		return s.listMediaMaterials(in.Type, in.Offset, in.Count)
	}
	return nil, errf(40004, "invalid media type")
}

// getMaterial answers a news material with JSON and an image material with
// its bytes, the split a client has to detect (§3.2).
func (s *Server) getMaterial(req request) (any, *apiError) {
	var in struct {
		MediaID string `json:"media_id"`
	}
	if e := decodeBody(req, &in); e != nil {
		return nil, e
	}
	if m := s.acct.byID[in.MediaID]; m != nil && m.source == SourceNews {
		return struct {
			NewsItem []newsItemJSON `json:"news_item"`
		}{newsItems(m, true)}, nil
	}
	if m := s.getMediaMaterial(in.MediaID); m != nil {
		return m, nil
	}
	if t := s.acct.thumbByID[in.MediaID]; t != nil {
		return &rawResponse{contentType: "image/jpeg", filename: t.name, body: s.images.get(t.imageID, formatJPEG)}, nil
	}
	return nil, errf(40007, "invalid media_id")
}

// --- free publish (§4.1) ---

type publishedItem struct {
	ArticleID string `json:"article_id"`
	Content   struct {
		NewsItem []newsItemJSON `json:"news_item"`
	} `json:"content"`
	UpdateTime int64 `json:"update_time"`
}

func (s *Server) freePublishList(req request) (any, *apiError) {
	var in pageRequest
	if e := decodeBody(req, &in); e != nil {
		return nil, e
	}
	msgs, e := page(s.acct.published, in.Offset, in.Count)
	if e != nil {
		return nil, e
	}
	out := listResponse[publishedItem]{Item: make([]publishedItem, len(msgs)), TotalCount: len(s.acct.published), ItemCount: len(msgs)}
	for i, m := range msgs {
		out.Item[i].ArticleID = m.id
		out.Item[i].Content.NewsItem = newsItems(m, !truthy(in.NoContent))
		out.Item[i].UpdateTime = m.updated
	}
	return out, nil
}

// --- drafts (§4.4) ---

func (s *Server) draftCount(request) (any, *apiError) {
	return struct {
		TotalCount int `json:"total_count"`
	}{len(s.acct.drafts)}, nil
}

func (s *Server) draftList(req request) (any, *apiError) {
	var in pageRequest
	if e := decodeBody(req, &in); e != nil {
		return nil, e
	}
	msgs, e := page(s.acct.drafts, in.Offset, in.Count)
	if e != nil {
		return nil, e
	}
	out := listResponse[mediaItem]{Item: make([]mediaItem, len(msgs)), TotalCount: len(s.acct.drafts), ItemCount: len(msgs)}
	for i, m := range msgs {
		out.Item[i] = mediaItem{m.id, contentWithTimes{newsItems(m, !truthy(in.NoContent)), m.created, m.updated}, m.updated}
	}
	return out, nil
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
