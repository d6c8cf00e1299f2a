package exporter

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/mparchive/mparchive/archive"
)

// mpHost is where article pages live.
const mpHost = "mp.weixin.qq.com"

// URLItemID is the archive id of the article at pl: the permalink itself,
// readable and stable whatever form of link it was fetched by. The base64
// of __biz becomes URL-safe so the id is a safe file name.
func URLItemID(pl archive.Permalink) string {
	biz := strings.NewReplacer("+", "-", "/", "_").Replace(pl.Biz)
	return biz + "_" + pl.Mid + "_" + pl.Idx
}

// urlItemIDFromLink is the id of an article whose page gave no permalink.
func urlItemIDFromLink(canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return "h-" + hex.EncodeToString(sum[:16])
}

// ReadURLList reads article links, one a line; blank lines and lines
// starting with # are skipped, &amp; (from copying out of HTML) is undone,
// and a link given twice (also as another copy of the same article's link)
// is kept once. Every bad line is named in one error, so a long list is
// fixed in one go.
func ReadURLList(r io.Reader) ([]string, error) {
	var (
		out  []string
		bad  []string
		seen = map[string]bool{}
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		u, err := NormalizeArticleURL(s)
		if err != nil {
			bad = append(bad, fmt.Sprintf("line %d: %v", line, err))
			continue
		}
		key := u
		if pl, ok := archive.ParsePermalink(u); ok {
			key = URLItemID(pl)
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, u)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the URL list: %w", err)
	}
	if len(bad) > 0 {
		if len(bad) > 20 {
			bad = append(bad[:20], fmt.Sprintf("… and %d more", len(bad)-20))
		}
		return nil, fmt.Errorf("the URL list has lines that are not article links "+
			"(want https://mp.weixin.qq.com/s/… or https://mp.weixin.qq.com/s?__biz=…&mid=…&idx=…&sn=…):\n  %s",
			strings.Join(bad, "\n  "))
	}
	return out, nil
}

// NormalizeArticleURL checks that raw is an article link and returns it in
// the form it is fetched by: https, the short /s/<id> path as is, the long
// form with only __biz, mid, idx and sn.
func NormalizeArticleURL(raw string) (string, error) {
	s := strings.ReplaceAll(strings.TrimSpace(raw), "&amp;", "&")
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%q: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("%q is not a web link", raw)
	}
	if !strings.EqualFold(u.Hostname(), mpHost) {
		return "", fmt.Errorf("%q is not on %s", raw, mpHost)
	}
	switch {
	case u.Path == "/s" || u.Path == "/mp/appmsg/show":
		q := u.Query()
		if q.Get("__biz") == "" || q.Get("mid") == "" && q.Get("appmsgid") == "" {
			return "", fmt.Errorf("%q lacks __biz or mid", raw)
		}
		if u.Path == "/mp/appmsg/show" {
			// The pre-2014 form names mid and idx differently.
			q.Set("mid", q.Get("appmsgid"))
			q.Set("idx", q.Get("itemidx"))
		}
		p := ArticlePage{Biz: q.Get("__biz"), Mid: q.Get("mid"), Idx: q.Get("idx"), Sn: q.Get("sn")}
		if p.Idx == "" {
			p.Idx = "1"
		}
		return p.CanonicalURL(""), nil
	case strings.HasPrefix(u.Path, "/s/"):
		id := strings.TrimPrefix(u.Path, "/s/")
		if id == "" || strings.Contains(id, "/") {
			return "", fmt.Errorf("%q is not an article link", raw)
		}
		return "https://" + mpHost + "/s/" + id, nil
	}
	return "", fmt.Errorf("%q is not an article link", raw)
}
