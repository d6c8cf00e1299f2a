package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mparchive/mparchive/exporter/wechattest"
)

// What a user reads when the command line, the credentials or WeChat say no.

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"export without -o", []string{"export", "--demo"}, "-o DIR is required"},
		{"unknown source", []string{"export", "--demo", "-o", "x", "--source", "news,mass"}, `unknown source "mass"`},
		{"unknown format", []string{"export", "--demo", "-o", "x", "--format", "docx"}, `unknown --format "docx"`},
		{"bad token mode", []string{"export", "--demo", "-o", "x", "--token-mode", "forced"}, "--token-mode"},
		{"unknown flag", []string{"export", "--colour"}, "flag provided but not defined"},
		{"fetch without archive", []string{"fetch", "--demo"}, "--archive DIR is required"},
		{"two files to convert", []string{"convert", "a", "b"}, "one file"},
		{"attempts out of range", []string{"export", "--demo", "-o", "x", "--attempts", "0"}, "--attempts must be between 1 and 100, not 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr does not say %q:\n%s", tt.want, stderr)
			}
		})
	}
}

func TestHelpForEveryCommand(t *testing.T) {
	for _, c := range commands {
		code, stdout, stderr := runCLI(t, c.name, "--help")
		if code != exitOK || !strings.Contains(stdout+stderr, "Usage: mparchive "+c.name) {
			t.Errorf("%s --help: exit %d\n%s%s", c.name, code, stdout, stderr)
		}
	}
	if code, stdout, _ := runCLI(t, "help"); code != exitOK || !strings.Contains(stdout, "export") {
		t.Errorf("help: exit %d\n%s", code, stdout)
	}
}

// TestErrorMessages shows, for each error a user can meet, the exit code and
// the message they read, and checks neither secret nor token leaks into
// either or into any file.
func TestErrorMessages(t *testing.T) {
	const appID, secret = "wx5ecret0appid000", "Very-Secret-AppSecret-123456"
	const suppliedToken = "SUPPLIED_TOKEN_0123456789_abcdefghijklmnopqrstuvwxyz"
	fake := func(opts wechattest.Options) string {
		if opts.Articles == 0 {
			opts.Articles = 30
		}
		opts.Drafts = -1
		return startFake(t, opts).URL()
	}
	tests := []struct {
		name  string
		base  func() string
		extra []string
		code  int
		want  []string
	}{
		{"ip not whitelisted", func() string { return fake(wechattest.Options{RejectIP: "203.0.113.7"}) }, nil,
			exitFailed, []string{"203.0.113.7", "IP白名单"}},
		{"wrong appid", func() string { return fake(wechattest.Options{AppID: "wxother"}) }, nil,
			exitFailed, []string{"AppID"}},
		{"wrong secret", func() string { return fake(wechattest.Options{Secret: "other"}) }, nil,
			exitFailed, []string{"AppSecret"}},
		{"secret frozen", func() string { return fake(wechattest.Options{SecretFrozen: true}) }, nil,
			exitFailed, []string{"frozen"}},
		{"daily quota spent", func() string {
			return fake(wechattest.Options{Articles: 300, Quotas: map[string]int{"/cgi-bin/material/batchget_material": 1}})
		}, []string{"--source", "news"}, exitQuota, []string{"quota", "+08:00", "resume"}},
		{"no permission for published", func() string {
			return wrapFake(t, wechattest.Options{Articles: 30, Drafts: -1}, func(next http.Handler) http.Handler {
				return answer("/cgi-bin/freepublish/batchget", `{"errcode":48001,"errmsg":"api unauthorized rid: 1-2-3"}`, next)
			})
		}, nil, exitOK, []string{"48001", "freepublish", "July 2025", "复制链接", "--urls links.txt"}},
		{"proxy answers HTML", func() string {
			return wrapFake(t, wechattest.Options{Articles: 30, Drafts: -1}, func(next http.Handler) http.Handler {
				return answer("/cgi-bin/material/batchget_material", "<html><body>502 Bad Gateway</body></html>", next)
			})
		}, []string{"--source", "news", "--timeout", "1s"}, exitPartial, []string{"batchget_material", "text/html"}},
		{"proxy answers HTML, two attempts", func() string {
			return wrapFake(t, wechattest.Options{Articles: 30, Drafts: -1}, func(next http.Handler) http.Handler {
				return answer("/cgi-bin/material/batchget_material", "<html><body>502 Bad Gateway</body></html>", next)
			})
		}, []string{"--source", "news", "--attempts", "2"}, exitPartial, []string{"attempt 1 of 2 failed", "gave up after 2 attempts"}},
		{"broken JSON", func() string {
			return wrapFake(t, wechattest.Options{Articles: 30, Drafts: -1}, func(next http.Handler) http.Handler {
				return answer("/cgi-bin/material/batchget_material", `{"total_count":3,"item":[{"media_id":`, next)
			})
		}, []string{"--source", "news"}, exitPartial, []string{"batchget_material"}},
		{"supplied token refused", func() string { return fake(wechattest.Options{}) }, []string{"--access-token", suppliedToken},
			exitFailed, []string{"token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("MPARCHIVE_APPID", appID)
			t.Setenv("MPARCHIVE_SECRET", secret)
			t.Setenv("MPARCHIVE_CONFIG", "")
			out := filepath.Join(t.TempDir(), "out")
			args := append([]string{"export", "--api-base", tt.base(), "-o", out}, tt.extra...)
			code, stdout, stderr := runCLI(t, args...)
			t.Logf("exit %d; the user reads:\n%s", code, stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("message does not say %q", w)
				}
			}
			assertNoSecrets(t, out, stdout+stderr, []string{secret, suppliedToken})
		})
	}
}

func TestNoCredentials(t *testing.T) {
	t.Setenv("MPARCHIVE_APPID", "")
	t.Setenv("MPARCHIVE_SECRET", "")
	t.Setenv("MPARCHIVE_ACCESS_TOKEN", "")
	t.Setenv("MPARCHIVE_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	code, _, stderr := runCLI(t, "export", "-o", t.TempDir())
	if code != exitFailed || !strings.Contains(stderr, "MPARCHIVE_APPID") || !strings.Contains(stderr, "--demo") {
		t.Errorf("exit %d:\n%s", code, stderr)
	}
}

func TestConfigFileCredentials(t *testing.T) {
	srv := startFake(t, wechattest.Options{Articles: 5, Drafts: -1, AppID: "wxfromfile", Secret: "file-secret"})
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(cfg, []byte("appid: wxfromfile\nsecret: file-secret\n"), 0o600)
	t.Setenv("MPARCHIVE_APPID", "")
	t.Setenv("MPARCHIVE_SECRET", "")
	out := t.TempDir()
	code, _, stderr := runCLI(t, "export", "--config", cfg, "--api-base", srv.URL(), "-o", out, "--quiet")
	if code != exitOK || stderr != "" {
		t.Errorf("exit %d, --quiet printed:\n%s", code, stderr)
	}
	// A config file others can read is worth a warning: it holds the
	// secret. --quiet, as cron runs use, does not hide it.
	os.Chmod(cfg, 0o644)
	for _, quiet := range []bool{false, true} {
		args := []string{"export", "--config", cfg, "--api-base", srv.URL(), "-o", out}
		if quiet {
			args = append(args, "--quiet")
		}
		code, _, stderr = runCLI(t, args...)
		if code != exitOK || !strings.Contains(stderr, "chmod 600") || strings.Contains(stderr, "file-secret") {
			t.Errorf("quiet %v: exit %d, no warning about the readable config file:\n%s", quiet, code, stderr)
		}
	}
}
