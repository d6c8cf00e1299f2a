package wechattest

import "time"

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
