package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// Release builds set these with -ldflags "-X main.buildVersion=…" (see
// .goreleaser.yaml); a build from source leaves them empty and the build
// information the Go toolchain records says the rest.
var buildVersion, buildCommit, buildDate string

// versionInfo is what `mparchive version` prints.
type versionInfo struct {
	Version  string // v1.2.3, or (devel) for a build from a work tree
	Commit   string // the git commit, with "+dirty" for uncommitted changes
	Date     string // when that commit was made (RFC 3339, UTC)
	Go       string // the toolchain that built the binary
	Platform string // GOOS/GOARCH
}

func readVersion() versionInfo {
	v := versionInfo{Version: "(devel)", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v.Version = bi.Main.Version
		}
		dirty := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Commit = s.Value
			case "vcs.time":
				v.Date = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if dirty && v.Commit != "" {
			v.Commit += "+dirty"
		}
	}
	if buildVersion != "" {
		v.Version = buildVersion
	}
	if buildCommit != "" {
		v.Commit = buildCommit
	}
	if buildDate != "" {
		v.Date = buildDate
	}
	return v
}

func (v versionInfo) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mparchive %s\n", v.Version)
	if v.Commit != "" {
		fmt.Fprintf(&b, "  commit   %s\n", v.Commit)
	}
	if v.Date != "" {
		fmt.Fprintf(&b, "  built    from a commit of %s\n", v.Date)
	}
	fmt.Fprintf(&b, "  go       %s %s\n", v.Go, v.Platform)
	return b.String()
}

func printVersion(w io.Writer) {
	fmt.Fprint(w, readVersion())
}
