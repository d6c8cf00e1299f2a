package render

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden .out.md files from the converter's output")

// goldenDir holds the real-article corpus and the rule cases;
// fidelityDir holds article bodies written in the style of each editor.
// Both are golden cases; both are measured by TestFidelity.
const (
	goldenDir   = "testdata/golden"
	fidelityDir = "testdata/fidelity"
)

var goldenDirs = []string{goldenDir, fidelityDir}

// goldenCases lists the cases of every golden directory as paths without
// the .in.html suffix.
func goldenCases(t testing.TB) []string {
	t.Helper()
	var cases []string
	for _, dir := range goldenDirs {
		for _, name := range goldenCasesIn(t, dir) {
			cases = append(cases, filepath.Join(dir, name))
		}
	}
	return cases
}

// goldenCasesIn lists the case names in dir and fails on files that are
// neither an input nor the golden output of one.
func goldenCasesIn(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string]bool{}
	outputs := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasSuffix(name, ".in.html"):
			inputs[strings.TrimSuffix(name, ".in.html")] = true
		case strings.HasSuffix(name, ".out.md"):
			outputs[strings.TrimSuffix(name, ".out.md")] = true
		default:
			t.Errorf("stray file %s in %s: want <case>.in.html or <case>.out.md", name, dir)
		}
	}
	for name := range outputs {
		if !inputs[name] {
			t.Errorf("golden %s.out.md has no %s.in.html", name, name)
		}
	}
	var cases []string
	for name := range inputs {
		cases = append(cases, name)
	}
	slices.Sort(cases)
	if len(cases) == 0 {
		t.Fatalf("no cases in %s", dir)
	}
	return cases
}

func TestGolden(t *testing.T) {
	conv := New()
	for _, name := range goldenCases(t) {
		t.Run(filepath.Base(name), func(t *testing.T) {
			inPath := name + ".in.html"
			outPath := name + ".out.md"
			in, err := os.ReadFile(inPath)
			if err != nil {
				t.Fatal(err)
			}
			got, err := conv.Convert(string(in), Options{})
			if err != nil {
				t.Fatalf("Convert: %v", err)
			}
			checkMarkdownInvariants(t, got)
			checkNoRawMarkup(t, got)

			if *update {
				if inPath == outPath {
					t.Fatalf("refusing to overwrite the input %s", inPath)
				}
				if err := os.WriteFile(outPath, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(outPath)
			if os.IsNotExist(err) {
				t.Fatalf("missing %s; run go test ./render -update and review it", outPath)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the converter output (run go test ./render -update and review the diff):\n%s",
					outPath, firstDifference(string(want), got))
			}
		})
	}
}

// firstDifference shows the first differing line, which is what one needs
// to read a golden failure in a long article.
func firstDifference(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\nwant: " + w + "\ngot:  " + g
		}
	}
	return "(no line differs)"
}
