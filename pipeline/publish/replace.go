package publish

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ReplaceDir puts the complete directory src in place of dst; both are in
// the lake (a run replaces raw/ this way once its snapshot is published).
// First it gives src's directories mode 0755 and its files 0644, whatever
// the umask they were made under, and fsyncs them, as Commit does.
// Where the platform can, the two are exchanged atomically, so a reader of
// dst finds the old content or the new, never neither; elsewhere dst is
// first renamed to dst+".old", which leaves a moment without dst. Either
// way the old content is removed last. A dst+".old" that a killed call left
// while dst is missing is put back first: it is the only copy. The caller
// holds the lake's lock.
func ReplaceDir(src, dst string) error {
	if err := settle(src); err != nil {
		return err
	}
	old := dst + ".old"
	switch _, err := os.Lstat(dst); {
	case errors.Is(err, fs.ErrNotExist):
		if _, err := os.Lstat(old); err != nil {
			if err := os.Rename(src, dst); err != nil {
				return fmt.Errorf("publish: rename %q: %w", src, err)
			}
			return syncDir(filepath.Dir(dst))
		}
		if err := os.Rename(old, dst); err != nil {
			return fmt.Errorf("publish: restore %q: %w", old, err)
		}
	case err != nil:
		return fmt.Errorf("publish: replace %q: %w", dst, err)
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("publish: remove %q: %w", old, err)
	}
	err := errExchangeUnsupported
	if useExchange {
		err = exchange(src, dst)
	}
	switch {
	case err == nil:
		reached("replace-exchanged")
		if err := syncDir(filepath.Dir(dst)); err != nil {
			return err
		}
		return os.RemoveAll(src) // now the old content
	case !errors.Is(err, errExchangeUnsupported):
		return err
	}
	if err := os.Rename(dst, old); err != nil {
		return fmt.Errorf("publish: rename %q: %w", dst, err)
	}
	reached("replace-aside")
	if err := os.Rename(src, dst); err != nil {
		err = fmt.Errorf("publish: rename %q: %w", src, err)
		if rerr := os.Rename(old, dst); rerr != nil {
			// The next call puts it back.
			return errors.Join(err, fmt.Errorf("publish: restore %q: %w", old, rerr))
		}
		return err
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return err
	}
	return os.RemoveAll(old)
}
