package output

import (
	"html"
	"net/url"
	"regexp"
	"strings"

	"github.com/mparchive/mparchive/archive"
)

// Article text is hostile input: a link an output writes, in a page, a
// front matter key a template turns into <a href>, a feed or a body, may
// only lead to http, https and mailto addresses or be relative. Everything
// here decides by what a browser would make of the link, not by how it is
// spelt: browsers drop tabs and newlines anywhere in a URL and C0 controls
// and spaces around it, and read schemes in any case, so " jAvAsCrIpT:" and
// "java\tscript:" are both javascript:.

// safeLink returns u as a browser would read it (trimmed, without tabs and
// newlines) when it is an http, https or mailto address or relative, and ""
// for anything else (javascript:, data:, vbscript:, file:…).
func safeLink(u string) string {
	u = strings.TrimFunc(u, func(r rune) bool { return r <= ' ' })
	u = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, u)
	if u == "" {
		return ""
	}
	if scheme, ok := urlScheme(u); ok {
		switch strings.ToLower(scheme) {
		case "http", "https", "mailto":
		default:
			return ""
		}
	}
	return u
}

// urlScheme returns the scheme of u as the URL standard parses it: letters,
// digits, "+", "-" and "." after a first letter, then ":".
func urlScheme(u string) (string, bool) {
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return u[:i], true
		default:
			return "", false
		}
	}
	return "", false
}

// wechatURL is the article's mp.weixin.qq.com address as outputs publish it:
// never a draft's, whose address is a preview (tempkey=…) that shows the
// unpublished text to anyone who has it, and never a link that is not
// http(s).
func wechatURL(a *archive.Article) string {
	if a.Source == archive.Drafts || isPreviewLink(a.URL) {
		return ""
	}
	return safeLink(a.URL)
}

// isPreviewLink tells WeChat's preview links, which carry a tempkey.
func isPreviewLink(u string) bool {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil {
		return strings.Contains(strings.ToLower(u), "tempkey")
	}
	q := p.Query()
	return q.Has("tempkey") || strings.Contains(strings.ToLower(p.Fragment), "tempkey")
}

// sourceURL is the article's 阅读原文 link as outputs publish it.
func sourceURL(a *archive.Article) string { return safeLink(a.ContentSourceURL) }

// bodyLink is the LinkURL of a conversion: a link that is not safe goes
// nowhere ("#", its text stays); an article of the archive links its local
// page; others stay as they are.
func bodyLink(links *linkTable) func(href string) string {
	local := localLink(links)
	return func(href string) string {
		if safeLink(href) == "" {
			return "#"
		}
		if local != nil {
			return local(href)
		}
		return ""
	}
}

// neutralizeLinks is the last word on the links of a converted body, after
// the converter's own checks (bodyLink): whatever the converter let through,
// no Markdown link, autolink or HTML href/src of the page leads anywhere but
// http, https, mailto or a relative address. Markdown renderers that do not
// check schemes (kramdown, marked, pulldown-cmark, goldmark with unsafe on
// for the HTML tables) would otherwise publish javascript: and data:
// links. A bad destination gets "./" in front, which makes it a relative
// path; the text is otherwise left as it is, code included, so an article
// about such links still shows them.
func neutralizeLinks(md string) string {
	if !strings.ContainsRune(md, ':') && !strings.Contains(md, "&") {
		return md
	}
	md = neutralizeDestinations(md)
	md = escapeBadAutolinks(md)
	md = htmlURLAttr.ReplaceAllStringFunc(md, func(m string) string {
		sub := htmlURLAttr.FindStringSubmatch(m)
		val := sub[4]
		if val == "" {
			val = sub[5]
		}
		if val == "" {
			val = sub[6]
		}
		if safeLink(html.UnescapeString(val)) != "" || strings.TrimSpace(html.UnescapeString(val)) == "" {
			return m
		}
		return sub[1] + sub[2] + sub[3] + `"#"`
	})
	return md
}

// autolink matches CommonMark autolinks, <scheme:…>.
var autolink = regexp.MustCompile(`<([A-Za-z][A-Za-z0-9+.\-]{1,31}):[^\s<>]*>`)

// escapeBadAutolinks backslash-escapes the "<" of every autolink whose
// scheme is not http, https or mailto, unless it is escaped already.
func escapeBadAutolinks(md string) string {
	var b strings.Builder
	last, changed := 0, false
	for _, m := range autolink.FindAllStringSubmatchIndex(md, -1) {
		switch strings.ToLower(md[m[2]:m[3]]) {
		case "http", "https", "mailto":
			continue
		}
		if escaped(md, m[0]) {
			continue
		}
		b.WriteString(md[last:m[0]])
		b.WriteByte('\\')
		last, changed = m[0], true
	}
	if !changed {
		return md
	}
	b.WriteString(md[last:])
	return b.String()
}

// escaped tells whether the byte at i follows an odd number of backslashes.
func escaped(s string, i int) bool {
	n := 0
	for i > 0 && s[i-1] == '\\' {
		n++
		i--
	}
	return n%2 == 1
}

// htmlURLAttr matches the attributes of raw HTML that browsers follow or
// load.
var htmlURLAttr = regexp.MustCompile(`(?i)(\s)(href|src|xlink:href|action|formaction|poster|background|cite|data)(\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'<>=` + "`" + `]+))`)

// neutralizeDestinations puts "./" in front of every inline link or image
// destination, "](…)", that is not a safe link once Markdown's backslash
// escapes and HTML entities are decoded.
func neutralizeDestinations(md string) string {
	var b strings.Builder
	last := 0
	for i := 0; ; {
		j := strings.Index(md[i:], "](")
		if j < 0 {
			break
		}
		start := i + j + 2
		// Whitespace, one line break included, may precede the destination.
		for start < len(md) && (md[start] == ' ' || md[start] == '\t' || md[start] == '\n' || md[start] == '\r') {
			start++
		}
		end := destinationEnd(md, start)
		raw := md[start:end]
		i = end
		dest := raw
		if strings.HasPrefix(dest, "<") {
			dest = strings.TrimSuffix(dest[1:], ">")
		}
		if dest == "" || safeLink(html.UnescapeString(unescapeMarkdown(dest))) != "" {
			continue
		}
		b.WriteString(md[last:start])
		if strings.HasPrefix(raw, "<") {
			b.WriteString("<./")
			b.WriteString(raw[1:])
		} else {
			b.WriteString("./")
			b.WriteString(raw)
		}
		last = end
	}
	if last == 0 {
		return md
	}
	b.WriteString(md[last:])
	return b.String()
}

// destinationEnd finds where a link destination starting at start ends:
// after the closing ">" of a <…> destination, else at the first space,
// control character or unbalanced ")".
func destinationEnd(md string, start int) int {
	if start < len(md) && md[start] == '<' {
		for k := start + 1; k < len(md); k++ {
			switch md[k] {
			case '\\':
				k++
			case '>':
				return k + 1
			case '\n', '<':
				return k
			}
		}
		return len(md)
	}
	depth := 0
	for k := start; k < len(md); k++ {
		switch c := md[k]; {
		case c == '\\':
			k++
		case c <= ' ':
			return k
		case c == '(':
			depth++
		case c == ')':
			if depth == 0 {
				return k
			}
			depth--
		}
	}
	return len(md)
}

// unescapeMarkdown drops the backslashes of Markdown escapes (a backslash
// before ASCII punctuation).
func unescapeMarkdown(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", s[i+1]) >= 0 {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
