package output

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mparchive/mparchive/archive"
)

// beijing is a wall-clock time in Beijing, the zone --since and --until
// days are read in.
func beijing(y int, m time.Month, d, h, min, s int) time.Time {
	return time.Date(y, m, d, h, min, s, 0, archive.ChinaTime)
}

func TestFilterMatch(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return beijing(y, m, d, 0, 0, 0) }
	art := func(date time.Time, author, title string) *archive.Article {
		return &archive.Article{Source: archive.Published, ItemID: "A", Index: 1, UpdateTime: date, Author: author, Title: title}
	}
	cases := []struct {
		name   string
		filter *Filter
		art    *archive.Article
		want   bool
	}{
		{"nil filter keeps all", nil, art(time.Time{}, "", ""), true},
		{"zero filter keeps all", &Filter{}, art(day(2024, 1, 1), "x", "y"), true},

		// --since 2024-03-01 is the start of that day in Beijing.
		{"since: first second of the day", &Filter{Since: day(2024, 3, 1)}, art(beijing(2024, 3, 1, 0, 0, 0), "", ""), true},
		{"since: last second before", &Filter{Since: day(2024, 3, 1)}, art(beijing(2024, 2, 29, 23, 59, 59), "", ""), false},
		// 2024-02-29 17:00 UTC is 03-01 01:00 in Beijing: on the day.
		{"since: UTC day before, Beijing day of", &Filter{Since: day(2024, 3, 1)}, art(time.Date(2024, 2, 29, 17, 0, 0, 0, time.UTC), "", ""), true},
		// 2024-03-01 15:30 UTC is 23:30 Beijing, still the 1st; 16:00 UTC is the 2nd.
		{"until is exclusive: last second kept", &Filter{Until: day(2024, 3, 2)}, art(time.Date(2024, 3, 1, 15, 59, 59, 0, time.UTC), "", ""), true},
		{"until is exclusive: its first second dropped", &Filter{Until: day(2024, 3, 2)}, art(time.Date(2024, 3, 1, 16, 0, 0, 0, time.UTC), "", ""), false},
		{"since and until: one day", &Filter{Since: day(2024, 3, 1), Until: day(2024, 3, 2)}, art(beijing(2024, 3, 1, 12, 0, 0), "", ""), true},
		{"since and until: day after", &Filter{Since: day(2024, 3, 1), Until: day(2024, 3, 2)}, art(beijing(2024, 3, 2, 12, 0, 0), "", ""), false},
		{"undated article fails a date bound", &Filter{Since: day(2024, 3, 1)}, art(time.Time{}, "", ""), false},
		{"undated article passes an until", &Filter{Until: day(2024, 3, 1)}, art(time.Time{}, "", ""), true},
		{"create_time wins over update_time", &Filter{Until: day(2024, 3, 1)}, &archive.Article{CreateTime: day(2024, 2, 1), UpdateTime: day(2024, 4, 1)}, true},

		{"author exact", &Filter{Author: "张三"}, art(day(2024, 1, 1), "张三", ""), true},
		{"author with spaces around", &Filter{Author: "张三"}, art(day(2024, 1, 1), "  张三\t", ""), true},
		{"author other", &Filter{Author: "张三"}, art(day(2024, 1, 1), "李四", ""), false},
		{"author is not a substring match", &Filter{Author: "张"}, art(day(2024, 1, 1), "张三", ""), false},
		{"author case counts", &Filter{Author: "alice"}, art(day(2024, 1, 1), "Alice", ""), false},
		{"author empty article", &Filter{Author: "张三"}, art(day(2024, 1, 1), "", ""), false},

		{"title regexp partial", &Filter{TitleMatch: regexp.MustCompile(`周报`)}, art(day(2024, 1, 1), "", "第 3 期周报：春节"), true},
		{"title regexp anchored", &Filter{TitleMatch: regexp.MustCompile(`^周报`)}, art(day(2024, 1, 1), "", "第 3 期周报"), false},
		{"title regexp case-insensitive flag", &Filter{TitleMatch: regexp.MustCompile(`(?i)hello`)}, art(day(2024, 1, 1), "", "HELLO, World"), true},
		{"title regexp no match", &Filter{TitleMatch: regexp.MustCompile(`周报`)}, art(day(2024, 1, 1), "", "月报"), false},

		{"all fields must match", &Filter{Since: day(2024, 1, 1), Author: "张三", TitleMatch: regexp.MustCompile(`报`)}, art(day(2024, 2, 1), "张三", "周报"), true},
		{"one field failing drops it", &Filter{Since: day(2024, 1, 1), Author: "张三", TitleMatch: regexp.MustCompile(`报`)}, art(day(2024, 2, 1), "李四", "周报"), false},
	}
	for _, c := range cases {
		if got := c.filter.Match(c.art); got != c.want {
			t.Errorf("%s: Match = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestFilteredExport checks that a filter narrows every format: only the
// matching articles get pages, slugs and index entries, and their slugs
// are the ones a full export gives.
func TestFilteredExport(t *testing.T) {
	a := testArchive(t)
	filter := &Filter{
		Since:      beijing(2023, 11, 15, 0, 0, 0),
		Until:      beijing(2023, 11, 16, 0, 0, 0),
		TitleMatch: regexp.MustCompile(`(?i)hello`),
	}
	pages := map[string]string{
		"hugo":     "content/posts/*/index.md",
		"markdown": "*.md",
		"hexo":     "source/_posts/*.md",
		"jekyll":   "_posts/*.md",
		"zola":     "content/*/index.md",
	}
	for format, glob := range pages {
		out := t.TempDir()
		res, err := newWriter(t, format, out, Options{Converter: listingConverter{}, Filter: filter}).Write(t.Context(), a)
		if err != nil {
			t.Fatal(err)
		}
		if res.Articles != 2 || res.Written != 2 {
			t.Errorf("%s: %+v, want the two Hello, World! articles", format, res)
		}
		found, _ := filepath.Glob(filepath.Join(out, filepath.FromSlash(glob)))
		var names []string
		for _, f := range found {
			rel, _ := filepath.Rel(out, f)
			if rel != MarkdownIndex {
				names = append(names, filepath.ToSlash(rel))
			}
		}
		if len(names) != 2 || !strings.Contains(strings.Join(names, " "), "2023-11-15-hello-world-2") {
			t.Errorf("%s: pages %v, want hello-world and hello-world-2", format, names)
		}
		known, err := loadSlugMap(out)
		if err != nil {
			t.Fatal(err)
		}
		keys := make([]string, 0, len(known))
		for k := range known {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if want := []string{"news/MEDIA_multi_01/1", "published/ART_pub_01/1"}; !slices.Equal(keys, want) {
			t.Errorf("%s: slugs.json holds %v, want %v", format, keys, want)
		}
		if format == "markdown" {
			index, _ := os.ReadFile(filepath.Join(out, MarkdownIndex))
			if n := strings.Count(string(index), "\n- "); n != 2 {
				t.Errorf("index lists %d articles, want 2:\n%s", n, index)
			}
		}
	}
}
