package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// demoFolder is one `mparchive export --demo -o DIR --quiet`, made once per
// test binary: the tests that only start from a demo export copy it
// (demoExportInto) instead of each exporting the demo again. The folder
// holds no path of its own, so a copy is what an export there writes.
var demoFolder struct {
	once sync.Once
	dir  string
	err  error
}

// demoExportInto fills out, which must not exist yet, with what
// `mparchive export --demo -o out --quiet` writes there.
func demoExportInto(t *testing.T, out string) {
	t.Helper()
	demoFolder.once.Do(func() {
		tmp, err := os.MkdirTemp("", "mparchive-demo-")
		if err != nil {
			demoFolder.err = err
			return
		}
		fixtureCleanup = append(fixtureCleanup, tmp)
		dir := filepath.Join(tmp, "out")
		var stderr bytes.Buffer
		if code := run(context.Background(), []string{"export", "--demo", "-o", dir, "--quiet"}, io.Discard, &stderr); code != exitOK {
			demoFolder.err = fmt.Errorf("exit %d:\n%s", code, stderr.String())
			return
		}
		demoFolder.dir = dir
	})
	if demoFolder.err != nil {
		t.Fatalf("export --demo: %v", demoFolder.err)
	}
	copyTree(t, demoFolder.dir, out)
}

// fixtureCleanup lists what the tests' shared fixtures made; TestMain
// removes it.
var fixtureCleanup []string
