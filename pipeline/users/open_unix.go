//go:build unix

package users

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// openRegular opens path for reading only if it is a regular file and not
// a symbolic link: O_NOFOLLOW refuses a link in the last element, and
// O_NONBLOCK keeps a FIFO from blocking the open before it is refused.
func openRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("users: %s is a symbolic link; give the file itself: %w", path, ErrInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, errors.Join(fmt.Errorf("users: %w", err), f.Close())
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.Join(fmt.Errorf("users: %s is not a regular file (%s): %w", path, fi.Mode().Type(), ErrInvalid), f.Close())
	}
	return f, nil
}
