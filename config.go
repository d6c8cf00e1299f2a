package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mparchive/mparchive/internal/lazyregexp"
)

// credentials are what a real run needs to get a token. They come from the
// environment or a config file, never from the command line, where they
// would end up in shell history and in every user's `ps` output.
type credentials struct {
	AppID   string `yaml:"appid"`
	Secret  string `yaml:"secret"`
	APIBase string `yaml:"api_base"`
}

// loadCredentials reads the config file (explicit, $MPARCHIVE_CONFIG, or
// the user config dir's mparchive/config.yaml when it exists), then lets
// MPARCHIVE_APPID and MPARCHIVE_SECRET override it.
func loadCredentials(explicit string, warnf func(format string, args ...any)) (credentials, error) {
	var c credentials
	path, required := explicit, explicit != ""
	if path == "" {
		if p := os.Getenv("MPARCHIVE_CONFIG"); p != "" {
			path, required = p, true
		} else if dir, err := os.UserConfigDir(); err == nil {
			path = filepath.Join(dir, "mparchive", "config.yaml")
		}
	}
	if path != "" {
		b, err := os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist) && !required:
		case err != nil:
			return c, fmt.Errorf("config file: %w", err)
		default:
			// Windows has no such mode bits to check.
			if st, err := os.Stat(path); err == nil && runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
				warnf("warning: %s can be read by other users (mode %v); it holds your AppSecret: chmod 600 %s", path, st.Mode().Perm(), path)
			}
			if err := decodeConfig(b, &c); err != nil {
				// Like a wrong flag, found before the first request: exit 2.
				return c, usagef("config file %s: %v", path, err)
			}
		}
	}
	if v := os.Getenv("MPARCHIVE_APPID"); v != "" {
		c.AppID = v
	}
	if v := os.Getenv("MPARCHIVE_SECRET"); v != "" {
		c.Secret = v
	}
	return c, nil
}

// configKeys are the keys a config file may have.
const configKeys = "appid, secret, api_base"

var unknownKeyLine = lazyregexp.New(`^line (\d+): field (\S+) not found in type`)

// decodeConfig reads a config file strictly: a key that is not one of
// configKeys is an error naming it, since a misspelt "secert:" would
// otherwise be dropped in silence and the run would say only that no
// credentials were given. yaml's own messages quote lines of the file,
// which may hold the secret, so only the key names and line numbers are
// passed on.
func decodeConfig(b []byte, c *credentials) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	err := dec.Decode(c)
	if err == nil || errors.Is(err, io.EOF) {
		return nil // an empty file holds no keys
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var unknown []string
		for _, e := range te.Errors {
			if m := unknownKeyLine.FindStringSubmatch(e); m != nil {
				unknown = append(unknown, fmt.Sprintf("%q (line %s)", m[2], m[1]))
			}
		}
		if len(unknown) > 0 {
			return fmt.Errorf("unknown key %s; the keys are %s", strings.Join(unknown, ", "), configKeys)
		}
	}
	return fmt.Errorf("not valid YAML with the keys %s", configKeys)
}
