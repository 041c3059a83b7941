//go:build !unix

package users

import (
	"fmt"
	"os"
)

// openRegular opens path for reading only if it is a regular file and not
// a symbolic link.
func openRegular(path string) (*os.File, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("users: %s is not a regular file (%s): %w", path, fi.Mode().Type(), ErrInvalid)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	return f, nil
}
