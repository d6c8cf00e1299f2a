package output

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mparchive/mparchive/archive"
)

func TestSlug(t *testing.T) {
	day := time.Date(2024, 3, 1, 23, 30, 0, 0, archive.ChinaTime)
	longCJK := strings.Repeat("春眠不觉晓处处闻啼鸟", 30) // 300 runes
	for _, tc := range []struct {
		name  string
		title string
		id    string
		index int
		date  time.Time
		want  string
	}{
		{"ascii words", "Hello, World!", "m", 1, day, "2024-03-01-hello-world"},
		{"date in China time", "x", "m", 1, time.Date(2024, 3, 1, 16, 30, 0, 0, time.UTC), "2024-03-02-x"},
		{"cjk kept", "春节快乐：2024！", "m", 1, day, "2024-03-01-春节快乐-2024"},
		{"windows specials", `a<b>c:d"e/f\g|h?i*j`, "m", 1, day, "2024-03-01-a-b-c-d-e-f-g-h-i-j"},
		{"dot dot slash", "../../etc/passwd", "m", 1, day, "2024-03-01-etc-passwd"},
		{"control chars", "tab\there\x00nul\x1bEsc", "m", 1, day, "2024-03-01-tab-here-nul-esc"},
		{"trailing dots and spaces", "the end... ", "m", 1, day, "2024-03-01-the-end"},
		{"emoji", "🎉 新年 🎉", "m", 1, day, "2024-03-01-新年"},
		{"latin letters", "Ünïcödé Straße", "m", 1, day, "2024-03-01-ünïcödé-straße"},
		{"empty title", "", "MEDIA_Abc-1", 1, day, "2024-03-01-media-abc-1"},
		{"all punctuation", "!!!？？？……", "MEDIA_Abc-1", 3, day, "2024-03-01-media-abc-1-3"},
		{"hostile id", "", "../..\\CON", 1, day, "2024-03-01-con"},
		{"no date reserved", "CON", "m", 1, time.Time{}, "con-post"},
		{"no date reserved com", "com1", "m", 1, time.Time{}, "com1-post"},
		{"no date nothing", "", "", 1, time.Time{}, "article"},
		{"long cjk", longCJK, "m", 1, day, "2024-03-01-" + string([]rune(longCJK)[:50])},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &archive.Article{Source: archive.News, ItemID: tc.id, Index: tc.index, Title: tc.title, UpdateTime: tc.date}
			got := Slug(a)
			if got != tc.want {
				t.Errorf("Slug(%q) = %q, want %q", tc.title, got, tc.want)
			}
			if !ValidSlug(got) {
				t.Errorf("Slug(%q) = %q is not a valid slug", tc.title, got)
			}
			if Slug(a) != got {
				t.Error("Slug is not stable")
			}
		})
	}
}

// TestSlugBounds checks the rune and byte bounds on any script.
func TestSlugBounds(t *testing.T) {
	for _, title := range []string{
		strings.Repeat("a", 500),
		strings.Repeat("字", 300),
		strings.Repeat("𠀀", 300), // 4 bytes each
		strings.Repeat("ab ", 200),
	} {
		s := Slug(&archive.Article{Title: title, ItemID: "m", Index: 1})
		if n := utf8.RuneCountInString(s); n > maxTitleRunes {
			t.Errorf("slug of %.10q… has %d runes", title, n)
		}
		if len(s) > maxTitleBytes || !utf8.ValidString(s) || strings.HasSuffix(s, "-") {
			t.Errorf("slug of %.10q… = %q (%d bytes)", title, s, len(s))
		}
	}
	long := strings.Repeat("字", maxSlugBytes/3)
	for _, n := range []int{2, 10, 1000} {
		s := withSuffix(long, n)
		if len(s) > maxSlugBytes || !utf8.ValidString(s) || !ValidSlug(s) {
			t.Errorf("withSuffix(…, %d) = %q (%d bytes)", n, s, len(s))
		}
	}
}

func TestValidSlug(t *testing.T) {
	for _, s := range []string{"2024-03-01-hello", "中文", "a.b", "a_b", "con-post"} {
		if !ValidSlug(s) {
			t.Errorf("ValidSlug(%q) = false", s)
		}
	}
	for _, s := range []string{
		"", ".", "..", "../x", "a/b", `a\b`, "a:b", "a*b", "a?b", `a"b`, "a<b", "a|b",
		"con", "CON", "Nul.txt", "com1", "LPT9", "a.", "a ", " a", ".hidden", "x\x00y", "x\ny",
		strings.Repeat("a", maxSlugBytes+1), "\xff",
	} {
		if ValidSlug(s) {
			t.Errorf("ValidSlug(%q) = true", s)
		}
	}
}

func TestAssignSlugs(t *testing.T) {
	for _, tc := range []struct {
		name      string
		reqs      []slugRequest
		known     map[string]string
		want      map[string]string
		wantKnown map[string]string
	}{
		{
			name: "collisions in walk order",
			reqs: []slugRequest{{Key: "a", Proposed: "x"}, {Key: "b", Proposed: "x"}, {Key: "c", Proposed: "x-2"}, {Key: "d", Proposed: "x"}},
			want: map[string]string{"a": "x", "b": "x-2", "c": "x-2-2", "d": "x-3"},
		},
		{
			name:  "persisted slugs win over walk order",
			reqs:  []slugRequest{{Key: "new", Proposed: "x"}, {Key: "old", Proposed: "x"}},
			known: map[string]string{"old": "x"},
			want:  map[string]string{"new": "x-2", "old": "x"},
		},
		{
			name:  "case-insensitive file systems",
			reqs:  []slugRequest{{Key: "new", Proposed: "hello"}},
			known: map[string]string{"old": "Hello"},
			want:  map[string]string{"new": "hello-2"},
		},
		{
			name:      "unsafe persisted slug replaced",
			reqs:      []slugRequest{{Key: "a", Proposed: "x"}},
			known:     map[string]string{"a": "../../evil"},
			want:      map[string]string{"a": "x"},
			wantKnown: map[string]string{"a": "x"},
		},
		{
			name:      "two persisted claims of one slug: the first key keeps it",
			reqs:      []slugRequest{{Key: "b", Proposed: "y"}, {Key: "a", Proposed: "y"}},
			known:     map[string]string{"a": "x", "b": "X"},
			want:      map[string]string{"a": "x", "b": "y"},
			wantKnown: map[string]string{"a": "x", "b": "y"},
		},
		{
			name: "a page or folder in the output that the table does not name is not ours",
			reqs: []slugRequest{{Key: "a", Proposed: "x", free: func(s string) bool { return s != "x" && s != "x-2" }}},
			want: map[string]string{"a": "x-3"},
		},
		{
			name:  "a persisted slug is ours whatever the folder holds",
			reqs:  []slugRequest{{Key: "a", Proposed: "x", free: func(string) bool { return false }}},
			known: map[string]string{"a": "x"},
			want:  map[string]string{"a": "x"},
		},
		{
			name:      "departed articles keep their slug reserved",
			reqs:      []slugRequest{{Key: "new", Proposed: "x"}},
			known:     map[string]string{"gone": "x"},
			want:      map[string]string{"new": "x-2"},
			wantKnown: map[string]string{"gone": "x", "new": "x-2"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			known := map[string]string{}
			for k, v := range tc.known {
				known[k] = v
			}
			got := assignSlugs(tc.reqs, known)
			for k, want := range tc.want {
				if got[k] != want {
					t.Errorf("slug of %s = %q, want %q", k, got[k], want)
				}
			}
			for k, want := range tc.wantKnown {
				if known[k] != want {
					t.Errorf("persisted slug of %s = %q, want %q", k, known[k], want)
				}
			}
		})
	}
}

// TestHugoSlugsStableWhenEarlierArticleArrives: an article added later that
// comes first in walk order must not take the slug of a published one.
func TestHugoSlugsStableWhenEarlierArticleArrives(t *testing.T) {
	a, err := archive.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	put := func(src archive.Source, file string) {
		raw, err := os.ReadFile(filepath.Join("testdata", "items", string(src), file))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.PutItem(src, raw); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	w := NewHugo(out, Options{Converter: listingConverter{}})
	put(archive.Published, "ART_pub_01.json")
	if _, err := w.Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(filepath.Join(out, PostsDir, "2023-11-15-hello-world", "index.md"))
	if !strings.Contains(string(first), "media_id: ART_pub_01") {
		t.Fatalf("first build: hello-world is not the published article:\n%s", first)
	}

	// The news source walks before the published one.
	put(archive.News, "MEDIA_multi_01.json")
	if _, err := w.Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(filepath.Join(out, PostsDir, "2023-11-15-hello-world", "index.md"))
	if string(again) != string(first) {
		t.Errorf("the published article's page changed or moved:\n%s", again)
	}
	newer, err := os.ReadFile(filepath.Join(out, PostsDir, "2023-11-15-hello-world-2", "index.md"))
	if err != nil || !strings.Contains(string(newer), "media_id: MEDIA_multi_01") {
		t.Errorf("the new article did not get hello-world-2: %v\n%s", err, newer)
	}
	slugs, err := loadSlugMap(out)
	if err != nil {
		t.Fatal(err)
	}
	if slugs["published/ART_pub_01/1"] != "2023-11-15-hello-world" || slugs["news/MEDIA_multi_01/1"] != "2023-11-15-hello-world-2" {
		t.Errorf("slugs.json = %v", slugs)
	}
}

// TestHugoDeterministic: the same archive and slug table give the same
// bytes, however many workers convert.
func TestHugoDeterministic(t *testing.T) {
	a := testArchive(t)
	one, many := t.TempDir(), t.TempDir()
	if _, err := NewHugo(one, Options{Converter: listingConverter{}, Workers: 1}).Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	if _, err := NewHugo(many, Options{Converter: listingConverter{}, Workers: 8}).Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	x, y := treeTxtar(t, one), treeTxtar(t, many)
	if len(x.Files) != len(y.Files) {
		t.Fatalf("%d files with 1 worker, %d with 8", len(x.Files), len(y.Files))
	}
	for i := range x.Files {
		if x.Files[i].Name != y.Files[i].Name || string(x.Files[i].Data) != string(y.Files[i].Data) {
			t.Errorf("%s differs between 1 and 8 workers", x.Files[i].Name)
		}
	}
}
