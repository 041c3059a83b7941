//go:build linux

package publish

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// exchange atomically swaps the directories a and b (both must exist), so a
// reader of b sees the old or the new content and never a missing path.
// It returns errExchangeUnsupported where the kernel or file system cannot.
func exchange(a, b string) error {
	err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EINVAL), errors.Is(err, unix.EOPNOTSUPP):
		return errExchangeUnsupported
	default:
		return fmt.Errorf("publish: exchange %q and %q: %w", a, b, err)
	}
}
