package archive

import (
	"net/url"
	"strings"

	"github.com/mparchive/mparchive/internal/lazyregexp"
)

// cssURL finds url(...) in inline styles, with or without quotes; WeChat's
// editors put background images there as url(&quot;…&quot;), which the
// tokenizer has already decoded to url("…").
var cssURL = lazyregexp.New(`url\(\s*['"]?([^'")]+?)['"]?\s*\)`)

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

// imageCDNHosts are the host names of WeChat's image CDN. They serve the
// same pictures under the same paths (pages and the API write both, and
// the pages' own scripts treat them as one), so a picture is known by its
// path alone.
var imageCDNHosts = map[string]bool{"mmbiz.qpic.cn": true, "mmbiz.qlogo.cn": true}

// canonicalImageHost is the host the keys of imageCDNHosts' pictures name.
const canonicalImageHost = "mmbiz.qpic.cn"

// otherWeChatMediaHosts serve WeChat's other pictures (shop images, Moments
// and channel covers, avatars) over http and https alike; what their query
// means is not known, so only the scheme is folded.
var otherWeChatMediaHosts = map[string]bool{
	"mmecoa.qpic.cn": true, "mmsns.qpic.cn": true, "mpcdn.qpic.cn": true, "wx.qlogo.cn": true,
}

// MediaKey is the media store's key of a media reference: the identity of
// the file it names, so that every spelling WeChat gives one picture finds
// the one stored file, and a picture is downloaded once.
//
// On the image CDN (imageCDNHosts) a picture is its path: the scheme and
// the host alias are ignored, and of the query only wx_fmt is kept (it
// chooses the format the CDN serves); from=appmsg, tp=webp, wxfrom,
// wx_lazy, wx_co and every other parameter are tracking or delivery hints,
// dropped with the #fragment. The key is
// https://mmbiz.qpic.cn/<path>[?wx_fmt=<fmt>], a URL the picture downloads
// from. On otherWeChatMediaHosts the key is the https URL without its
// fragment. Every other reference (other hosts, MaterialKey, VoiceKey) is
// its own key, exactly as written.
func MediaKey(ref string) string {
	ref = strings.TrimSpace(ref)
	l := strings.ToLower(ref)
	if !strings.HasPrefix(l, "http://") && !strings.HasPrefix(l, "https://") && !strings.HasPrefix(l, "//") {
		return ref
	}
	// Cheap test first: nearly every key of an account is on the CDN, and
	// the rest need no parsing at all.
	if !strings.Contains(l, ".qpic.cn") && !strings.Contains(l, ".qlogo.cn") {
		return ref
	}
	parse := ref
	if strings.HasPrefix(parse, "//") {
		parse = "https:" + parse
	}
	u, err := url.Parse(parse)
	if err != nil || u.User != nil || u.Opaque != "" {
		return ref
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if p := u.Port(); p != "" && !(p == "443" && u.Scheme == "https") && !(p == "80" && u.Scheme == "http") {
		return ref
	}
	switch {
	case imageCDNHosts[host]:
		key := "https://" + canonicalImageHost + u.EscapedPath()
		if f := u.Query().Get("wx_fmt"); f != "" {
			key += "?wx_fmt=" + url.QueryEscape(strings.ToLower(f))
		}
		return key
	case otherWeChatMediaHosts[host]:
		key := "https://" + host + u.EscapedPath()
		if u.RawQuery != "" {
			key += "?" + u.RawQuery
		}
		return key
	}
	return ref
}
