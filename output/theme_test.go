package output

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"

	"github.com/mparchive/mparchive/themes"
)

// writeTree writes files (slash paths → content) below dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		dest := filepath.Join(dir, filepath.FromSlash(p))
		must(t, os.MkdirAll(filepath.Dir(dest), 0o755))
		must(t, os.WriteFile(dest, []byte(content), 0o644))
	}
}

// TestThemeDirEveryFormat builds each format with a --theme-dir that
// replaces one file of the embedded theme folder and adds one: both reach
// the output, the files it does not name stay as embedded, and nothing of
// a dot folder in it (a theme kept in git) is copied.
func TestThemeDirEveryFormat(t *testing.T) {
	for _, tc := range []struct {
		format   string
		theme    map[string]string // --theme-dir's files
		want     map[string]string // output file → what it must contain
		embedded string            // a file of the output that must stay as embedded
	}{
		{
			format:   "hugo",
			theme:    map[string]string{"layouts/_default/single.html": "MINE single", "layouts/partials/extra.html": "MINE extra"},
			want:     map[string]string{"layouts/_default/single.html": "MINE single", "layouts/partials/extra.html": "MINE extra"},
			embedded: "layouts/index.html",
		},
		{
			format: "jekyll",
			theme: map[string]string{
				"_config.yml.tmpl":    generatedMarker + "\ntitle: {{ yaml .Title }}\n",
				"_layouts/post.html":  "MINE post",
				"_includes/meta.html": "MINE include",
			},
			want: map[string]string{
				"_config.yml":         generatedMarker + "\ntitle: \"我的存档\"\n",
				"_layouts/post.html":  "MINE post",
				"_includes/meta.html": "MINE include",
			},
			embedded: "index.html",
		},
		{
			format:   "zola",
			theme:    map[string]string{"templates/page.html": "MINE page", "templates/shortcodes/note.html": "MINE note"},
			want:     map[string]string{"templates/page.html": "MINE page", "templates/shortcodes/note.html": "MINE note"},
			embedded: "templates/base.html",
		},
		{
			format:   "hexo",
			theme:    map[string]string{"themes/mparchive/layout/post.ejs": "MINE post", "source/about/index.md": "MINE about"},
			want:     map[string]string{"themes/mparchive/layout/post.ejs": "MINE post", "source/about/index.md": "MINE about"},
			embedded: "package.json",
		},
		{
			format: "markdown",
			theme: map[string]string{
				"index.md.tmpl": "{{ .Title }}: {{ len .Posts }}{{ range .Posts }} [{{ .Title }}]({{ .Link }}){{ end }}\n",
				"README.md":     "MINE readme",
			},
			want: map[string]string{
				MarkdownIndex: "我的存档: 5 [Hello, World!](2023-11-15-hello-world-2.md)",
				"README.md":   "MINE readme",
			},
		},
	} {
		t.Run(tc.format, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, tc.theme)
			writeTree(t, dir, map[string]string{".git/config": "[core]", ".DS_Store": "x"})
			out := t.TempDir()
			opts := Options{Converter: listingConverter{}, ThemeDir: dir, SiteTitle: "我的存档"}
			if _, err := newWriter(t, tc.format, out, opts).Write(t.Context(), testArchive(t)); err != nil {
				t.Fatal(err)
			}
			for p, want := range tc.want {
				got, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(p)))
				if err != nil || !strings.Contains(string(got), want) {
					t.Errorf("%s = %q (%v), want it to hold %q", p, got, err, want)
				}
			}
			if tc.embedded != "" {
				want, err := fs.ReadFile(themes.Format(tc.format), tc.embedded)
				must(t, err)
				if got, err := os.ReadFile(filepath.Join(out, tc.embedded)); err != nil || string(got) != string(want) {
					t.Errorf("%s is not the embedded one: %v\n%s", tc.embedded, err, got)
				}
			}
			for _, p := range []string{".git", ".DS_Store"} {
				if _, err := os.Stat(filepath.Join(out, p)); err == nil {
					t.Errorf("%s of the theme folder was copied into the output", p)
				}
			}
		})
	}
}

// TestThemeDirErrors checks that a --theme-dir that is missing, or whose
// template does not parse, stops the run before it writes a page, with a
// message that names the file at fault.
func TestThemeDirErrors(t *testing.T) {
	broken := t.TempDir()
	writeTree(t, broken, map[string]string{
		"_config.yml.tmpl": "{{ .Title",
		"config.toml.tmpl": "{{ .Title",
		"hugo.toml.tmpl":   "{{ .Title",
		"index.md.tmpl":    "{{ range }}",
	})
	for _, format := range []string{"hugo", "jekyll", "zola", "hexo", "markdown"} {
		for name, tc := range map[string]struct{ dir, want string }{
			"missing folder":  {filepath.Join(broken, "missing"), "--theme-dir"},
			"broken template": {broken, broken + string(os.PathSeparator)},
		} {
			t.Run(format+"/"+name, func(t *testing.T) {
				out := t.TempDir()
				_, err := newWriter(t, format, out, Options{Converter: listingConverter{}, ThemeDir: tc.dir}).Write(t.Context(), testArchive(t))
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want one naming %q", err, tc.want)
				}
				if entries, _ := os.ReadDir(out); len(entries) != 0 {
					t.Errorf("the run wrote %d entries before failing", len(entries))
				}
			})
		}
	}
}

// TestThemeDirFileReplacesTemplate checks that a plain file of --theme-dir
// replaces the embedded template that writes the same file, and that in
// one folder the template wins, whatever the order files are read in.
func TestThemeDirFileReplacesTemplate(t *testing.T) {
	for _, tc := range []struct {
		format string
		theme  map[string]string
		path   string
		want   string
	}{
		{"markdown", map[string]string{"index.md": "MINE static index\n"}, MarkdownIndex, "MINE static index\n"},
		{"jekyll", map[string]string{"_config.yml": "title: mine\n"}, "_config.yml", "title: mine\n"},
		{"zola", map[string]string{"x.md": "plain", "x.md.tmpl": "{{ .Title }} from the template"}, "x.md", "T from the template"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, tc.theme)
			theme, err := parseTheme(tc.format, dir)
			must(t, err)
			files, err := theme.execute(map[string]any{"Title": "T", "URL": "", "BaseURL": "", "Root": "/", "Posts": nil})
			must(t, err)
			n := 0
			for _, f := range files {
				if f.path != tc.path {
					continue
				}
				n++
				if f.content != tc.want {
					t.Errorf("%s = %q, want %q", f.path, f.content, tc.want)
				}
			}
			if n != 1 {
				t.Errorf("%d files write %s, want 1", n, tc.path)
			}
		})
	}
}

// TestConfigTitleQuoted executes each generator's config template with
// every hostile string as the site's title, and reads the title back with
// a real YAML or TOML parser.
func TestConfigTitleQuoted(t *testing.T) {
	configs := map[string]func(string) any{
		"hugo": func(s string) any { return struct{ Title string }{s} },
		"jekyll": func(s string) any {
			return jekyllConfig(Options{SiteTitle: s, BaseURL: "https://example.org/公众号/"})
		},
		"hexo": func(s string) any {
			return hexoConfig(Options{SiteTitle: s, BaseURL: "https://example.org/公众号/"})
		},
		"zola": func(s string) any {
			return zolaConfig(Options{SiteTitle: s, BaseURL: "https://example.org/公众号/"})
		},
	}
	for format, data := range configs {
		theme, err := parseTheme(format, "")
		must(t, err)
		for _, s := range hostileStrings {
			files, err := theme.execute(data(s))
			if err != nil {
				t.Fatalf("%s %q: %v", format, s, err)
			}
			for _, f := range files {
				var got struct {
					Title string `yaml:"title" toml:"title"`
				}
				switch f.path {
				case "_config.yml":
					err = yaml.Unmarshal([]byte(f.content), &got)
				case "config.toml", "hugo.toml":
					_, err = toml.Decode(f.content, &got)
				default:
					continue
				}
				if err != nil || got.Title != wantString(s) {
					t.Errorf("%s %s, title %q: read back %q, %v\n%s", format, f.path, s, got.Title, err, f.content)
				}
			}
		}
	}
}

// TestMarkdownIndexTheme renders the embedded index.md.tmpl: an empty
// archive says so, and a hostile title stays literal text.
func TestMarkdownIndexTheme(t *testing.T) {
	theme, err := parseTheme("markdown", "")
	must(t, err)
	day := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		posts []postInfo
		want  string
	}{
		{"empty", nil, "# 公众号存档\n\n（没有文章）\n"},
		{"failed only", []postInfo{{Slug: "a", Title: "A", Failed: true}}, "# 公众号存档\n\n（没有文章）\n"},
		{
			"hostile",
			[]postInfo{
				{Slug: "2024-03-01-x", Date: day, Title: "[x](javascript:alert(1)) <script>", Author: "*a*", Gone: true},
				{Slug: "index", Draft: true},
			},
			"# 公众号存档\n\n共 2 篇，从新到旧。\n\n" +
				"- 2024-03-01 [\\[x\\](javascript:alert(1)) \\<script\\>](2024-03-01-x.md) · \\*a\\* （已从公众号删除）\n" +
				"- [（无标题）](index-post.md) （草稿）\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files, err := theme.execute(markdownIndex(Options{SiteTitle: "公众号存档"}, tc.posts))
			must(t, err)
			if len(files) != 1 || files[0].path != MarkdownIndex || files[0].content != tc.want {
				t.Errorf("got %+v\nwant %s = %q", files, MarkdownIndex, tc.want)
			}
		})
	}
}
