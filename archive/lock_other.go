//go:build !unix && !windows

package archive

import (
	"errors"
	"io/fs"
	"os"
)

// lockFD does nothing where the system has no file locks (plan9, wasip1):
// there, nothing keeps two runs apart.
func lockFD(f *os.File, exclusive bool) error { return nil }

func readOnly(err error) bool { return errors.Is(err, fs.ErrPermission) }
