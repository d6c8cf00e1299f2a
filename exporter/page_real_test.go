package exporter

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
)

var update = flag.Bool("update", false, "rewrite the golden files of the real pages in testdata/pages/real")

// realPage reads one of the whole pages WeChat served in 2025–2026
// (testdata/pages/real, see SOURCES.md there).
func realPage(t testing.TB, name string) []byte {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "pages", "real", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func realPageNames(t testing.TB) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "pages", "real", "*.html.gz"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no real pages: %v", err)
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	if testing.Short() && !*update {
		names = onePerKind(names)
	}
	return names
}

// onePerKind keeps the first page of each kind of page, by name
// ("w05-picture-post.html.gz" is a picture post): each page is megabytes
// of HTML, and -short checks each kind of page once.
func onePerKind(names []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		_, kind, _ := strings.Cut(n, "-")
		if !seen[kind] {
			seen[kind] = true
			out = append(out, n)
		}
	}
	return out
}

// pageSummary is what the golden files hold of a parsed page: every field,
// with a long article body as its size and hash (its bytes are checked
// against the page by TestParseArticlePage_RealBodyIsTheMarkup) and a
// post's text in full.
type pageSummary struct {
	Kind          string                  `json:"kind"`
	Message       string                  `json:"message,omitempty"`
	Title         string                  `json:"title,omitempty"`
	Author        string                  `json:"author,omitempty"`
	Account       string                  `json:"account,omitempty"`
	Digest        string                  `json:"digest,omitempty"`
	Cover         string                  `json:"cover,omitempty"`
	SourceURL     string                  `json:"source_url,omitempty"`
	Published     string                  `json:"published,omitempty"`
	ItemShowType  int                     `json:"item_show_type"`
	CopyrightStat int                     `json:"copyright_stat"`
	Paid          bool                    `json:"paid,omitempty"`
	Pictures      []archive.ImageListItem `json:"pictures,omitempty"`
	Share         *archive.Share          `json:"share,omitempty"`
	VideoIDs      []string                `json:"video_ids,omitempty"`
	Permalink     string                  `json:"permalink,omitempty"`
	BodyBytes     int                     `json:"body_bytes"`
	BodySHA256    string                  `json:"body_sha256,omitempty"`
	Text          string                  `json:"text,omitempty"`

	// What the archive makes of the stored item.
	Decoded *decodedSummary `json:"decoded,omitempty"`
}

type decodedSummary struct {
	Type        string `json:"type"`
	Account     string `json:"account,omitempty"`
	AccountID   string `json:"account_id,omitempty"`
	Original    bool   `json:"original,omitempty"`
	Pictures    int    `json:"pictures"`
	Images      int    `json:"content_images"`
	SharedFrom  string `json:"shared_from,omitempty"`
	ContentHead string `json:"content_head,omitempty"`
}

func summarize(p *ArticlePage) pageSummary {
	s := pageSummary{
		Kind: p.Kind.String(), Message: p.Message, Title: p.Title, Author: p.Author, Account: p.AccountName,
		Digest: p.Digest, Cover: p.Cover, SourceURL: p.SourceURL,
		ItemShowType: p.ItemShowType, CopyrightStat: p.CopyrightStat, Paid: p.Paid,
		Pictures: p.Pictures, Share: p.Share, VideoIDs: p.VideoIDs,
		BodyBytes: len(p.Body),
	}
	if !p.PublishTime.IsZero() {
		s.Published = p.PublishTime.Format(time.RFC3339)
	}
	if pl, ok := p.Permalink(); ok {
		s.Permalink = pl.Biz + "/" + pl.Mid + "/" + pl.Idx + "/" + p.Sn
	}
	if p.ItemShowType == archive.ShowTypeArticle {
		if p.Body != "" {
			sum := sha256.Sum256([]byte(p.Body))
			s.BodySHA256 = hex.EncodeToString(sum[:])
		}
	} else {
		s.Text = p.Body
	}
	return s
}

// TestParseArticlePage_RealPages reads every real page and compares all
// that it gives with a golden file reviewed by hand against the page: the
// kind of page, its metadata, a post's text and pictures, a share's
// original, and how the archive decodes the stored item.
func TestParseArticlePage_RealPages(t *testing.T) {
	for _, name := range realPageNames(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, err := ParseArticlePage("https://mp.weixin.qq.com/s/"+strings.TrimSuffix(name, ".html.gz"), realPage(t, name))
			if err != nil {
				t.Fatal(err)
			}
			s := summarize(p)
			if p.Kind == PageArticle {
				raw, _ := p.item("https://mp.weixin.qq.com/s/" + name)
				arts, err := archive.DecodeItem(archive.URLs, raw)
				if err != nil || len(arts) != 1 {
					t.Fatalf("decoding the stored item: %v (%d articles)", err, len(arts))
				}
				a := arts[0]
				d := &decodedSummary{
					Type: string(a.Type), Account: a.AccountName, AccountID: a.AccountID, Original: a.Original,
					Pictures: len(a.Pictures), Images: len(contentImages(a.Content)),
				}
				if a.Share != nil {
					d.SharedFrom = a.Share.URL
				}
				if a.Type != archive.PostArticle {
					d.ContentHead = a.Content[:min(len(a.Content), 600)]
				}
				s.Decoded = d
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(s); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			golden := filepath.Join("testdata", "pages", "real", strings.TrimSuffix(name, ".html.gz")+".golden.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from what the parser gives now:\n%s", golden, got)
			}
		})
	}
}

// BenchmarkParseArticlePage_Real parses whole pages as WeChat serves them
// (2–3.7 MB, mostly scripts): an article, a picture post, a text post and
// a share.
func BenchmarkParseArticlePage_Real(b *testing.B) {
	for _, name := range []string{"w01-article.html.gz", "w05-picture-post.html.gz", "w10-text-post.html.gz", "w17-share.html.gz"} {
		page := realPage(b, name)
		b.Run(strings.TrimSuffix(name, ".html.gz"), func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseArticlePage("https://mp.weixin.qq.com/s/x", page); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
