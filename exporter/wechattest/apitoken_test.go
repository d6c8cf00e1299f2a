package wechattest

import (
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"regexp"
	"testing"
	"time"
)

var ridPattern = regexp.MustCompile(` rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$`)

func TestTokenErrors(t *testing.T) {
	cases := []struct {
		name    string
		opts    Options
		stable  bool
		query   string
		code    int
		message string // regexp the errmsg must match
	}{
		{"wrong appid", Options{AppID: "wxright"}, false, "grant_type=client_credential&appid=wxwrong&secret=s", 40013, `^invalid appid`},
		{"wrong secret classic", Options{Secret: "right"}, false, "grant_type=client_credential&appid=wx&secret=wrong", 40001, `^invalid credential`},
		{"wrong secret stable", Options{Secret: "right"}, true, "", 40125, `^invalid appsecret`},
		{"ip whitelist", Options{RejectIP: "203.0.113.7"}, false, "grant_type=client_credential&appid=wx&secret=s", 40164,
			`^invalid ip 203\.0\.113\.7 ipv6 ::ffff:203\.0\.113\.7, not in whitelist rid: `},
		{"ip whitelist stable", Options{RejectIP: "203.0.113.7"}, true, "", 40164, `^invalid ip 203\.0\.113\.7 `},
		{"secret frozen", Options{SecretFrozen: true}, false, "grant_type=client_credential&appid=wx&secret=s", 40243, `frozen`},
		{"bad grant_type", Options{}, false, "grant_type=password&appid=wx&secret=s", 40002, `^invalid grant_type`},
		{"no appid", Options{}, false, "grant_type=client_credential&secret=s", 41002, `^appid missing`},
		{"no secret", Options{}, false, "grant_type=client_credential&appid=wx", 41004, `^appsecret missing`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, tc.opts)
			var out map[string]any
			if tc.stable {
				_, out = call(t, s, "POST", PathStableToken, "", map[string]any{"grant_type": "client_credential", "appid": "wx", "secret": "wrong", "force_refresh": false})
			} else {
				_, out = call(t, s, "GET", PathToken+"?"+tc.query, "", nil)
			}
			if errcode(out) != tc.code {
				t.Fatalf("errcode = %v, want %d (%v)", out["errcode"], tc.code, out)
			}
			msg, _ := out["errmsg"].(string)
			if !regexp.MustCompile(tc.message).MatchString(msg) || !ridPattern.MatchString(msg) {
				t.Errorf("errmsg %q does not match %q plus a rid", msg, tc.message)
			}
		})
	}
}

func TestTokenLifecycle(t *testing.T) {
	s := start(t, Options{Articles: 3})
	s.SetNow(time.Date(2025, 3, 1, 10, 0, 0, 0, chinaZone))
	count := func(tok string) int {
		_, out := call(t, s, "GET", PathDraftCount, tok, nil)
		return errcode(out)
	}

	first := classicToken(t, s)
	if len(first) < 100 {
		t.Errorf("token is %d chars, want a realistic 100+", len(first))
	}
	if got := count(first); got != 0 {
		t.Fatalf("fresh token: errcode %d", got)
	}
	second := classicToken(t, s)
	if got := count(first); got != 40001 {
		t.Errorf("classic token replaced by a newer one: errcode %d, want 40001", got)
	}
	if got := count(second); got != 0 {
		t.Errorf("newest classic token: errcode %d", got)
	}

	st1 := stableToken(t, s, false)
	if st2 := stableToken(t, s, false); st2 != st1 {
		t.Error("stable_token without force_refresh changed the token")
	}
	if got := count(second); got != 0 {
		t.Error("stable_token must not invalidate classic tokens")
	}
	s.Advance(7200*time.Second - 4*time.Minute)
	st3 := stableToken(t, s, false)
	if st3 == st1 {
		t.Error("stable_token in the last 5 minutes must renew")
	}
	if got := count(st1); got != 0 {
		t.Errorf("renewed stable token: old one must live to its expiry, errcode %d", got)
	}
	st4 := stableToken(t, s, true)
	if st4 == st3 || count(st3) != 40001 {
		t.Error("force_refresh must replace and invalidate the stable token")
	}

	s.ExpireTokens()
	if got := count(st4); got != 42001 {
		t.Errorf("after ExpireTokens: errcode %d, want 42001", got)
	}
	if got := count("not-a-token"); got != 40014 {
		t.Errorf("unknown token: errcode %d, want 40014", got)
	}
	if got := count(""); got != 41001 {
		t.Errorf("missing token: errcode %d, want 41001", got)
	}
	_, out := call(t, s, "GET", PathDraftList, stableToken(t, s, false), nil)
	if errcode(out) != 43002 {
		t.Errorf("GET on a POST endpoint: %v, want 43002", out)
	}
}
