package archive

import (
	"net/url"
	"regexp"
	"strings"
)

// cssURL finds url(...) in inline styles, with or without quotes; WeChat's
// editors put background images there as url(&quot;…&quot;), which the
// tokenizer has already decoded to url("…").
var cssURL = regexp.MustCompile(`url\(\s*['"]?([^'")]+?)['"]?\s*\)`)

// isRemote reports a media reference the fetcher can download: a web
// address, or a MaterialKey (the pictures of a picture post from the API
// are image materials, shown in its body under that key).
func isRemote(u string) bool {
	l := strings.ToLower(u)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "//") ||
		strings.HasPrefix(u, materialKeyPrefix)
}

// urlUnescape decodes %XX sequences only when the value looks encoded, so a
// plain URL with a literal % in it survives.
func urlUnescape(s string) (string, error) {
	if !strings.Contains(strings.ToLower(s), "%3a") && !strings.Contains(strings.ToLower(s), "%2f") {
		return s, nil
	}
	return url.PathUnescape(s)
}
