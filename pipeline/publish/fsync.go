package publish

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// syncDir fsyncs a directory so the renames and creations in it survive a
// crash of the machine, not only of the process.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("publish: fsync %q: %w", dir, err)
	}
	if err := d.Sync(); err != nil {
		return errors.Join(fmt.Errorf("publish: fsync %q: %w", dir, err), d.Close())
	}
	if err := d.Close(); err != nil {
		return fmt.Errorf("publish: close %q: %w", dir, err)
	}
	return nil
}

// injectFault, when set, is asked before each file the publish protocol
// writes and each pointer it renames; an error it returns stands for the
// system call's (a full disk, an I/O error), so tests can fail a publish
// where a real one fails. Production never sets it.
var injectFault func(op, path string) error

// SetFault makes f be asked before each write ("write") and pointer rename
// ("rename") of the publish protocol, with the path concerned; a non-nil
// error fails that step as ENOSPC or EIO would. For tests outside this
// package (jobs/hardening); nil removes it. Set it before any publish runs.
func SetFault(f func(op, path string) error) { injectFault = f }

func fault(op, path string) error {
	if injectFault == nil {
		return nil
	}
	if err := injectFault(op, path); err != nil {
		return fmt.Errorf("publish: %s %q: %w", op, path, err)
	}
	return nil
}

// writeFile creates (or truncates) path, writes data and fsyncs it.
func writeFile(path string, data []byte) (err error) {
	if err := fault("write", path); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, filePerm)
	if err != nil {
		return fmt.Errorf("publish: create %q: %w", path, err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("publish: close %q: %w", path, cerr)
		}
	}()
	if err := f.Chmod(filePerm); err != nil { // regardless of umask
		return fmt.Errorf("publish: chmod %q: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("publish: write %q: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("publish: fsync %q: %w", path, err)
	}
	return nil
}

// writeFileAtomic writes data to a temporary file next to path and renames
// it over path: readers see the old content or the new, never a part.
func writeFileAtomic(path string, data []byte, runID string) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-"+runID)
	if err := writeFile(tmp, data); err != nil {
		return errors.Join(err, removeIfExists(tmp))
	}
	if err := os.Rename(tmp, path); err != nil {
		return errors.Join(fmt.Errorf("publish: rename %q: %w", tmp, err), removeIfExists(tmp))
	}
	return syncDir(filepath.Dir(path))
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("publish: remove %q: %w", path, err)
	}
	return nil
}
