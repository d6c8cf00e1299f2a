package output

import (
	"strings"

	"github.com/mparchive/mparchive/archive"
)

// Hugo reads "{{<" and "{{%" anywhere in a page's content, code blocks
// included, as the start of a shortcode, before any Markdown is parsed: an
// unknown name fails the whole build, {{< gist … >}} puts a third-party
// script into the page, and tweet or instagram fetch from the network while
// building. Article text never becomes a shortcode call.

// hugoWordJoiner is an invisible character that never breaks a line; put
// between "{{" and "<" or "%" it keeps Hugo from seeing a shortcode.
const hugoWordJoiner = "\u2060"

// escapeHugoShortcodes rewrites every shortcode opening of a page body so
// that Hugo prints it instead of calling it. A complete call, "{{< … >}}"
// or "{{% … %}}", takes Hugo's own escaped form "{{</* … */>}}", which Hugo
// prints byte for byte as it was; an opening that is never closed gets an
// invisible word joiner after its braces, since the escaped form needs a
// close.
func escapeHugoShortcodes(body string) string {
	if !strings.Contains(body, "{{<") && !strings.Contains(body, "{{%") {
		return body
	}
	var b strings.Builder
	b.Grow(len(body) + 16)
	i := 0
	for {
		j := nextHugoOpening(body, i)
		if j < 0 {
			b.WriteString(body[i:])
			return b.String()
		}
		b.WriteString(body[i:j])
		mark := body[j+2] // '<' or '%'
		closing := "%}}"
		if mark == '<' {
			closing = ">}}"
		}
		inner := j + 3
		k := strings.Index(body[inner:], closing)
		if k < 0 {
			b.WriteString("{{" + hugoWordJoiner + string(mark))
			i = inner
			continue
		}
		b.WriteString("{{" + string(mark) + "/*")
		b.WriteString(body[inner : inner+k])
		b.WriteString("*/" + closing)
		i = inner + k + len(closing)
	}
}

// nextHugoOpening finds the next "{{<" or "{{%" at or after i, -1 if none.
func nextHugoOpening(s string, i int) int {
	for {
		k := strings.Index(s[i:], "{{")
		if k < 0 {
			return -1
		}
		p := i + k
		if p+2 < len(s) && (s[p+2] == '<' || s[p+2] == '%') {
			return p
		}
		i = p + 1
	}
}

// breakHugoDelims puts the word joiner into every shortcode opening of a
// front matter string: themes pass titles and digests through
// markdownify and RenderString, and a value has no Markdown context in
// which Hugo's escaped form would read back as the text.
func breakHugoDelims(s string) string {
	if !strings.Contains(s, "{{<") && !strings.Contains(s, "{{%") {
		return s
	}
	s = strings.ReplaceAll(s, "{{<", "{{"+hugoWordJoiner+"<")
	return strings.ReplaceAll(s, "{{%", "{{"+hugoWordJoiner+"%")
}

// hugoText returns a copy of the article whose text fields, as front
// matter shows them, hold no shortcode opening.
func hugoText(a *archive.Article) *archive.Article {
	c := *a
	for _, s := range []*string{&c.Title, &c.Author, &c.Digest, &c.AccountName, &c.AccountID, &c.ItemID} {
		*s = breakHugoDelims(*s)
	}
	if c.Share != nil {
		sh := *c.Share
		sh.Account = breakHugoDelims(sh.Account)
		c.Share = &sh
	}
	return &c
}
