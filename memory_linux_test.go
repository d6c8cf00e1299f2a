//go:build linux

package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/mparchive/mparchive/exporter/wechattest"
)

// maxRSS is the memory a run may reach against any hostile server.
const maxRSS = 200 << 20

// TestHostileServersBoundMemory runs mparchive in a child process against
// each hostile answer the fake can give (a cover of 3.9 GB fetched by
// thumb_media_id, a gzip bomb as the token, a list page of 250 MB, images
// of 2 GB), with and without a Content-Length, and checks the child's peak
// resident memory: bounded reads and files streamed to disk keep it under
// maxRSS whatever the server sends. It measures memory, never time.
func TestHostileServersBoundMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs mparchive as a child process")
	}
	if raceEnabled {
		t.Skip("under the race detector the child's memory is mostly the detector's")
	}
	tests := []struct {
		name    string
		hostile wechattest.Hostile
		want    string // what the run says about the answer
	}{
		{"cover by thumb_media_id, 3.9 GB", wechattest.Hostile{ThumbBytes: 3900 << 20}, "larger than 64 MiB"},
		{"cover by thumb_media_id, 3.9 GB declared", wechattest.Hostile{ThumbBytes: 3900 << 20, DeclareLength: true}, "larger than 64 MiB"},
		{"token gzip bomb, 2 GB inflated", wechattest.Hostile{TokenBombBytes: 2 << 30}, "larger than 64 KiB"},
		{"list page, 250 MB", wechattest.Hostile{ListBytes: 250 << 20}, "larger than 48 MiB"},
		{"list page, 250 MB declared", wechattest.Hostile{ListBytes: 250 << 20, DeclareLength: true}, "larger than 48 MiB"},
		{"images, 2 GB each", wechattest.Hostile{ImageBytes: 2 << 30}, "larger than 64 MiB"},
		{"images, 2 GB each declared", wechattest.Hostile{ImageBytes: 2 << 30, DeclareLength: true}, "larger than 64 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startFake(t, wechattest.Options{Articles: 4, Drafts: -1, Seed: 17, Hostile: tt.hostile})
			var stderr bytes.Buffer
			cmd := exec.Command(os.Args[0], "export", "--api-base", srv.URL(), "-o", t.TempDir())
			cmd.Env = append(os.Environ(), childEnv+"=1", "MPARCHIVE_APPID=wx1", "MPARCHIVE_SECRET=s", "MPARCHIVE_CONFIG=")
			cmd.Stderr = &stderr
			err := cmd.Run()
			if _, exited := err.(*exec.ExitError); err != nil && !exited {
				t.Fatal(err)
			}
			rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10 // KiB on Linux
			t.Logf("max RSS %d MiB, exit %d", rss>>20, cmd.ProcessState.ExitCode())
			if rss > maxRSS {
				t.Errorf("max RSS %d MiB, want under %d MiB", rss>>20, maxRSS>>20)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("the run does not say %q:\n%s", tt.want, stderr.String())
			}
		})
	}
}
