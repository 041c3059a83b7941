// Package configfile reads the files an operator hands tally to configure
// it (the rulebook, the schedule): small regular files, read whole. A
// symbolic link, a FIFO, a device or a directory is refused before it is
// read, so a configuration path can neither block a run (a FIFO that never
// opens, /dev/zero that never ends) nor pull in a file the operator did not
// name (a link to another user's file).
package configfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// MaxBytes is the largest configuration file Read accepts; the example
// rulebook is a few kilobytes.
const MaxBytes = 8 << 20

// ErrNotRegular is wrapped by Read's error for a path that is not a
// regular file (a symbolic link, FIFO, device, socket or directory).
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is wrapped by Read's error for a file over MaxBytes.
var ErrTooLarge = errors.New("larger than a configuration file may be")

// Read returns the content of the regular file at path. The file is opened
// without following a symbolic link and without blocking (O_NOFOLLOW,
// O_NONBLOCK), and checked to be a regular file on the open descriptor, so
// nothing can be swapped in between the check and the read. Errors name
// the path.
func Read(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%s: a symbolic link: %w", path, ErrNotRegular)
	}
	if err != nil {
		return nil, err // *PathError names the path
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %s: %w", path, kind(fi.Mode()), ErrNotRegular)
	}
	if fi.Size() > MaxBytes {
		return nil, fmt.Errorf("%s: %d bytes: %w (%d)", path, fi.Size(), ErrTooLarge, MaxBytes)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > MaxBytes {
		return nil, fmt.Errorf("%s: %w (%d)", path, ErrTooLarge, MaxBytes)
	}
	return b, nil
}

func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeDevice != 0, m&os.ModeCharDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "not a regular file"
}
