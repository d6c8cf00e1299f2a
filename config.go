package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"gopkg.in/yaml.v3"
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
			if err := yaml.Unmarshal(b, &c); err != nil {
				// yaml errors quote lines of the file, which may hold the secret.
				return c, fmt.Errorf("config file %s is not valid YAML (want keys appid, secret, api_base)", path)
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
