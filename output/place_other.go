//go:build !linux

package output

import "errors"

var errCloneUnsupported = errors.New("reflinks not supported here")

// cloneFile is Linux's FICLONE; elsewhere files are linked or copied.
func cloneFile(src, dest string) error { return errCloneUnsupported }

func tooManyLinks(error) bool { return false }
