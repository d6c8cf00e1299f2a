package archive

import (
	"html"
	"net/url"
	"regexp"
	"strings"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// cssURL finds url(...) in inline styles, with or without quotes; WeChat's
// editors put background images there as url(&quot;…&quot;), which the
// tokenizer has already decoded to url("…").
var cssURL = regexp.MustCompile(`url\(\s*['"]?([^'")]+?)['"]?\s*\)`)

// ContentImages lists the images an article body shows, in document order,
// each once: lazy images (data-src before src, data: placeholders skipped),
// CSS background images, video covers (data-cover) and account-card avatars
// (data-headimg). The strings are exactly as the converter sees them, so the
// media store's keys match the converter's look-ups.
func ContentImages(body string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(u string) {
		u = strings.TrimSpace(u)
		if u == "" || seen[u] || !isRemote(u) && !strings.HasPrefix(u, materialKeyPrefix) {
			return
		}
		seen[u] = true
		out = append(out, u)
	}
	z := xhtml.NewTokenizer(strings.NewReader(body))
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return out
		}
		if tt != xhtml.StartTagToken && tt != xhtml.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		attr := func(name string) string {
			for _, a := range tok.Attr {
				if a.Key == name {
					return a.Val
				}
			}
			return ""
		}
		if tok.DataAtom == atom.Img {
			src := strings.TrimSpace(attr("data-src"))
			if src == "" || !isRemote(src) && !strings.HasPrefix(src, materialKeyPrefix) {
				src = attr("src")
			}
			add(src)
		}
		if c := attr("data-cover"); c != "" {
			// Video covers are URL-encoded inside the attribute.
			if dec, err := urlUnescape(c); err == nil {
				c = dec
			}
			add(c)
		}
		add(attr("data-headimg"))
		if st := attr("style"); strings.Contains(st, "url(") {
			for _, m := range cssURL.FindAllStringSubmatch(st, -1) {
				add(html.UnescapeString(m[1]))
			}
		}
	}
}

func isRemote(u string) bool {
	l := strings.ToLower(u)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "//")
}

// urlUnescape decodes %XX sequences only when the value looks encoded, so a
// plain URL with a literal % in it survives.
func urlUnescape(s string) (string, error) {
	if !strings.Contains(strings.ToLower(s), "%3a") && !strings.Contains(strings.ToLower(s), "%2f") {
		return s, nil
	}
	return url.PathUnescape(s)
}
