package render

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/mparchive/mparchive/archive"
)

// mediaAsker records every URL a conversion asks for through ImageURL and
// MediaURL: the files an output looks up in the media store.
type mediaAsker struct {
	mu    sync.Mutex
	asked []string
}

func (r *mediaAsker) options() Options {
	ask := func(u string) string {
		r.mu.Lock()
		defer r.mu.Unlock()
		if !slices.Contains(r.asked, u) {
			r.asked = append(r.asked, u)
		}
		return ""
	}
	return Options{ImageURL: ask, MediaURL: ask}
}

// storable reports a URL an output records as missing when the store lacks
// it (output.imagePlan.resolve): a web address or an image material. Other
// values (a relative path) name nothing to download.
func storable(u string) bool {
	l := strings.ToLower(strings.TrimSpace(u))
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "//") ||
		strings.HasPrefix(u, "wechat-material:")
}

// mediaContract converts body, recording what the converter asks for,
// and compares it with what the fetcher downloads (archive.BodyMedia).
func mediaContract(conv *Converter, body string) (asked, fetched, unfetched, unasked []string, err error) {
	rec := &mediaAsker{}
	if _, err := conv.Convert(body, rec.options()); err != nil {
		return nil, nil, nil, nil, err
	}
	for _, u := range rec.asked {
		if storable(u) {
			asked = append(asked, u)
		}
	}
	for _, m := range archive.BodyMedia(body) {
		fetched = append(fetched, m.Key)
	}
	unfetched, unasked = compareMedia(asked, fetched)
	return asked, fetched, unfetched, unasked, nil
}

// compareMedia finds the asked URLs that no fetched key answers under the
// outputs' look-up (archive.LookupKeys), and the fetched keys nothing asks
// for.
func compareMedia(asked, fetched []string) (unfetched, unasked []string) {
	used := map[string]bool{}
	for _, u := range asked {
		found := false
		for _, k := range archive.LookupKeys(u) {
			if slices.Contains(fetched, k) {
				used[k], found = true, true
			}
		}
		if !found {
			unfetched = append(unfetched, u)
		}
	}
	for _, k := range fetched {
		if !used[k] {
			unasked = append(unasked, k)
		}
	}
	return unfetched, unasked
}

// TestMediaContract converts every article body the project has with a
// converter that records what it asks for, and checks that each image or
// voice it asks for is one the fetcher downloads (archive.BodyMedia), as
// the outputs look it up: otherwise the archive never holds it, the output
// links the remote copy and every build reports it missing. Files fetched
// but never asked for (a second cover attribute, a style's border image)
// cost a download, not a failure; they are counted.
func TestMediaContract(t *testing.T) {
	fixtures, skipped := noDropFixtures(t)
	conv := New()
	var nAsked, nFetched, nUnfetched, nUnasked int
	unaskedByHost := map[string]int{}
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			asked, fetched, unfetched, unasked, err := mediaContract(conv, f.body)
			if err != nil {
				t.Fatalf("Convert: %v", err)
			}
			for _, u := range unfetched {
				t.Errorf("the converter asks for %q, which the fetcher never downloads", u)
			}
			nAsked += len(asked)
			nUnfetched += len(unfetched)
			nFetched += len(fetched)
			nUnasked += len(unasked)
			for _, k := range unasked {
				unaskedByHost[hostOf(k)]++
			}
		})
	}
	if nAsked == 0 {
		t.Fatal("no fixture asked for any media: the contract was checked on nothing")
	}
	t.Logf("%d fixtures (%d skipped without a body): %d media URLs asked, %d of them not fetched; %d fetched, %d of them never asked for (%s)",
		len(fixtures), len(skipped), nAsked, nUnfetched, nFetched, nUnasked, countsOf(unaskedByHost))
}

func hostOf(u string) string {
	rest, ok := strings.CutPrefix(u, "wechat-material:")
	if ok {
		return "wechat-material"
	}
	if i := strings.Index(u, "//"); i >= 0 {
		rest = u[i+2:]
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

func countsOf(m map[string]int) string {
	var parts []string
	for k, n := range m {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// TestMediaContractCompare pins the comparison, so that the contract
// cannot hold because it sees nothing: a URL asked and not fetched is
// caught, the outputs' look-up forms (entities, scheme, URL encoding)
// match, and a fetched key nobody asks for is counted.
func TestMediaContractCompare(t *testing.T) {
	tests := []struct {
		name               string
		asked, fetched     []string
		unfetched, unasked []string
	}{
		{"same", []string{"https://a/1.png"}, []string{"https://a/1.png"}, nil, nil},
		{"not fetched", []string{"https://a/1.png", "https://a/poster.jpg"}, []string{"https://a/1.png"}, []string{"https://a/poster.jpg"}, nil},
		{"not asked", []string{"https://a/1.png"}, []string{"https://a/1.png", "https://a/border.png"}, nil, []string{"https://a/border.png"}},
		{"entity", []string{"https://a/1.png?x=1&amp;y=2"}, []string{"https://a/1.png?x=1&y=2"}, nil, nil},
		{"scheme", []string{"//a/1.png", "http://a/2.png"}, []string{"https://a/1.png", "https://a/2.png"}, nil, nil},
		{"URL-encoded", []string{"https%3A%2F%2Fa%2Fc.jpg"}, []string{"https://a/c.jpg"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			unfetched, unasked := compareMedia(tt.asked, tt.fetched)
			if !slices.Equal(unfetched, tt.unfetched) || !slices.Equal(unasked, tt.unasked) {
				t.Errorf("unfetched %q, unasked %q; want %q, %q", unfetched, unasked, tt.unfetched, tt.unasked)
			}
		})
	}
	// The recorder sees what Convert asks: both hooks, each URL once.
	rec := &mediaAsker{}
	body := `<p><img data-src="https://a/1.png"><img src="https://a/1.png"></p>` +
		`<section style="background-image:url(https://a/bg.png)">x</section>` +
		`<mpvoice voice_encode_fileid="V1" name="n"></mpvoice>`
	if _, err := New().Convert(body, rec.options()); err != nil {
		t.Fatal(err)
	}
	want := []string{"https://a/bg.png", "https://a/1.png", "https://res.wx.qq.com/voice/getvoice?mediaid=V1"}
	got := slices.Clone(rec.asked)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("asked %q, want %q", got, want)
	}
}
