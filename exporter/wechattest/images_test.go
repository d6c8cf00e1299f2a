package wechattest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestImages(t *testing.T) {
	s := start(t, Options{Demo: true})
	var content strings.Builder
	for _, src := range []Source{SourceNews, SourcePublished, SourceDrafts} {
		for _, a := range s.Articles(src) {
			content.WriteString(a.Content)
		}
	}
	urls := regexp.MustCompile(regexp.QuoteMeta(s.URL())+`/[^"&)]+(?:&amp;[^"&)]+)*`).FindAllString(content.String(), -1)
	wantTypes := map[string]string{"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "svg": "image/svg+xml"}
	seen := map[string]bool{}
	for _, u := range urls {
		u = strings.ReplaceAll(u, "&amp;", "&")
		resp, raw := do(t, s, "GET", strings.TrimPrefix(u, s.URL()), "", nil)
		ct := resp.Header.Get("Content-Type")
		if resp.StatusCode != 200 {
			t.Errorf("%s: HTTP %d", u, resp.StatusCode)
			continue
		}
		seen[ct] = true
		if m := regexp.MustCompile(`wx_fmt=(png|jpeg|gif|svg)`).FindStringSubmatch(u); m != nil && wantTypes[m[1]] != ct {
			t.Errorf("%s served as %s", u, ct)
		}
		if ct == "image/svg+xml" {
			continue
		}
		if _, format, err := image.Decode(bytes.NewReader(raw)); err != nil || "image/"+format != ct {
			t.Errorf("%s: decodes as %q (%v), Content-Type %s", u, format, err, ct)
		}
	}
	for _, ct := range []string{"image/png", "image/jpeg", "image/gif", "image/svg+xml"} {
		if !seen[ct] {
			t.Errorf("demo account serves no %s", ct)
		}
	}

	path := strings.TrimPrefix(urls[0], s.URL())
	for _, tc := range []struct {
		referer     string
		placeholder bool
	}{{"", false}, {"https://mp.weixin.qq.com/s?__biz=x", false}, {"https://blog.example.com/post", true}} {
		req, _ := http.NewRequest("GET", s.URL()+path, nil)
		if tc.referer != "" {
			req.Header.Set("Referer", tc.referer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if isPlaceholder(raw) != tc.placeholder {
			t.Errorf("Referer %q: placeholder = %v", tc.referer, !tc.placeholder)
		}
		if tc.placeholder {
			cfg, _, err := image.DecodeConfig(bytes.NewReader(raw))
			if err != nil || cfg.Width != PlaceholderWidth || cfg.Height != PlaceholderHeight {
				t.Errorf("placeholder is %dx%d (%v)", cfg.Width, cfg.Height, err)
			}
		}
	}
	s.InjectFault(imageStatsPath, FaultHTTP503, 1)
	if resp, _ := do(t, s, "GET", path, "", nil); resp.StatusCode != 503 {
		t.Errorf("injected image fault: HTTP %d", resp.StatusCode)
	}
	if resp, _ := do(t, s, "GET", "/mmbiz_png/NoSuchImage/640?wx_fmt=png", "", nil); resp.StatusCode != 404 {
		t.Errorf("unknown image: HTTP %d", resp.StatusCode)
	}
}

// isPlaceholder reports whether b is the hot-link placeholder image.
func isPlaceholder(b []byte) bool {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]) == PlaceholderSHA256
}

func TestPlaceholderHash(t *testing.T) {
	if !isPlaceholder(placeholderPNG) {
		t.Fatal("PlaceholderSHA256 does not match the embedded placeholder.png")
	}
}

func TestMissingImagesAndDedupe(t *testing.T) {
	s := start(t, Options{Articles: 60, Seed: 2, MissingImages: 3})
	missing := s.MissingImageURLs()
	if len(missing) != 3 {
		t.Fatalf("MissingImageURLs = %v", missing)
	}
	for _, u := range missing {
		if resp, _ := do(t, s, "GET", strings.TrimPrefix(u, s.URL()), "", nil); resp.StatusCode != 404 {
			t.Errorf("%s: HTTP %d, want 404", u, resp.StatusCode)
		}
	}
	// Shared images (banner, QR code…) recur across articles.
	counts := map[string]int{}
	for _, a := range append(s.Articles(SourceNews), s.Articles(SourcePublished)...) {
		for _, m := range imageURLPattern.FindAllStringSubmatch(strings.ReplaceAll(a.Content, s.URL(), "https://"+mmbizHost), -1) {
			counts[m[2]]++
		}
	}
	reused := 0
	for _, n := range counts {
		if n > 1 {
			reused++
		}
	}
	if reused == 0 {
		t.Error("no image id is reused across articles")
	}
}
