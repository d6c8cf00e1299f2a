package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The composite action (action.yml) and the example workflows (examples/)
// are what most scheduled backups will copy. actionlint checks the
// workflows' syntax in CI; it cannot see into a remote action, so these
// tests check that the two agree: every input the examples pass is one the
// action declares, every input the action reads is declared, and every
// shell step names its shell, as composite actions require.

type actionFile struct {
	Inputs map[string]struct {
		Default  *string `yaml:"default"`
		Required bool    `yaml:"required"`
	} `yaml:"inputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			Name  string            `yaml:"name"`
			Uses  string            `yaml:"uses"`
			Run   string            `yaml:"run"`
			Shell string            `yaml:"shell"`
			Env   map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

type workflowFile struct {
	Jobs map[string]struct {
		Steps []struct {
			Uses string            `yaml:"uses"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func readYAML(t *testing.T, path string, v any) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return string(b)
}

func TestActionDeclaresWhatItReads(t *testing.T) {
	var a actionFile
	text := readYAML(t, "action.yml", &a)
	if a.Runs.Using != "composite" {
		t.Fatalf("runs.using = %q", a.Runs.Using)
	}
	for _, m := range regexp.MustCompile(`inputs\.([a-z0-9-]+)`).FindAllStringSubmatch(text, -1) {
		if _, ok := a.Inputs[m[1]]; !ok {
			t.Errorf("action.yml reads inputs.%s, which it does not declare", m[1])
		}
	}
	for _, s := range a.Runs.Steps {
		if s.Run != "" && s.Shell == "" {
			t.Errorf("step %q runs a script without naming its shell", s.Name)
		}
		// Secrets reach the script through the environment only, never
		// spliced into the script text, where the log would show them.
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %q splices an expression into its script; pass it through env", s.Name)
		}
	}
}

func TestExampleWorkflowsUseTheActionsInputs(t *testing.T) {
	var a actionFile
	readYAML(t, "action.yml", &a)
	paths, _ := filepath.Glob(filepath.Join("examples", "*.yml"))
	if len(paths) < 2 {
		t.Fatalf("examples: %v", paths)
	}
	for _, p := range paths {
		var w workflowFile
		readYAML(t, p, &w)
		used := false
		for _, job := range w.Jobs {
			for _, s := range job.Steps {
				if !strings.HasPrefix(s.Uses, "mparchive/mparchive@") {
					continue
				}
				used = true
				for k := range s.With {
					if _, ok := a.Inputs[k]; !ok {
						t.Errorf("%s passes %q, which action.yml does not declare", p, k)
					}
				}
				for name, in := range a.Inputs {
					if in.Required && s.With[name] == "" {
						t.Errorf("%s leaves out the required input %q", p, name)
					}
				}
				if !slices.Contains([]string{"", "${{ secrets.MPARCHIVE_SECRET }}"}, s.With["secret"]) {
					t.Errorf("%s passes the secret other than from a secret: %q", p, s.With["secret"])
				}
			}
		}
		if !used {
			t.Errorf("%s does not use the action", p)
		}
	}
}
