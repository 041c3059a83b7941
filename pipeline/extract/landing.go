package extract

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// landing is where one table's input is: a file, or a table of a database.
type landing struct {
	table  string
	path   string   // the file; "" when an optional table is absent or the input is a database
	format string   // csv, jsonl, parquet or postgres
	db     *pgTable // the table or view in PostgreSQL; nil for a file or an absent table
	source *Source  // what the result says of a database table (also an absent one)
}

func (l landing) present() bool { return l.path != "" || l.db != nil }

var formats = []string{"csv", "jsonl", "parquet"}

// find looks for <table>.csv, .jsonl or .parquet in dir: exactly one for a
// required table, at most one for an optional one. Only regular files are
// landing files: a symbolic link, a FIFO, a device or a socket is refused
// (it could make tally read outside the landing directory, or block).
func find(dir, name string, required bool) (landing, error) {
	var found []landing
	empty := false // the file found has 0 bytes
	for _, f := range formats {
		p := filepath.Join(dir, name+"."+f)
		fi, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return landing{}, &InputError{File: p, Msg: "cannot read", Err: err}
		case fi.IsDir():
			return landing{}, &InputError{File: p, Msg: "is a directory, not a file"}
		case !fi.Mode().IsRegular():
			return landing{}, &InputError{File: p, Msg: notRegular(fi.Mode())}
		}
		found = append(found, landing{table: name, path: p, format: f})
		empty = fi.Size() == 0
	}
	switch {
	case len(found) > 1:
		var names []string
		for _, l := range found {
			names = append(names, filepath.Base(l.path))
		}
		return landing{}, &InputError{File: found[0].path, Msg: fmt.Sprintf("table %s comes in %d files (%s): keep one", name, len(found), strings.Join(names, ", "))}
	case len(found) == 0 && required:
		return landing{}, &InputError{File: filepath.Join(dir, name+".csv"), Msg: fmt.Sprintf("the required table %s is missing (want %s.csv, %s.jsonl or %s.parquet)", name, name, name, name)}
	case len(found) == 0:
		return landing{table: name}, nil
	case empty && required:
		// A JSONL file has no header, so an empty one would read as a
		// table with no rows; for a required table that is a failed
		// export, not a program without partners or bookings.
		return landing{}, &InputError{File: found[0].path, Msg: fmt.Sprintf("empty file (0 bytes): the required table %s cannot be empty", name)}
	}
	return found[0], nil
}

// notRegular says why a landing file that is not a regular file is refused.
func notRegular(m fs.FileMode) string {
	what := "not a regular file"
	switch {
	case m&fs.ModeSymlink != 0:
		what = "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		what = "a FIFO"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		what = "a device"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	}
	return "is " + what + ": only regular files in the landing directory are read (copy the data into the directory)"
}

// inputFile is a landing file opened for reading: a regular file, checked
// on the open descriptor, so what DuckDB reads (through duckPath) is what
// was checked even if the name is swapped for a link meanwhile.
type inputFile struct {
	path string // the file's name in the landing directory, for messages
	f    *os.File
	size int64
}

// openInput opens a landing file without following a symbolic link and
// without blocking (a FIFO would block in open until a writer comes), and
// refuses anything but a regular file.
func openInput(path string) (*inputFile, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, &InputError{File: path, Msg: notRegular(fs.ModeSymlink)}
	}
	if err != nil {
		return nil, &InputError{File: path, Msg: "cannot open", Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, &InputError{File: path, Msg: "cannot read", Err: err}
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, &InputError{File: path, Msg: notRegular(fi.Mode())}
	}
	return &inputFile{path: path, f: f, size: fi.Size()}, nil
}

// duckPath is the name DuckDB opens: the open descriptor itself where the
// system names it (/proc/self/fd), else the checked path.
func (in *inputFile) duckPath() string {
	p := "/proc/self/fd/" + strconv.Itoa(int(in.f.Fd()))
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return in.path
}

// section reads the file from its start, whatever else reads it.
func (in *inputFile) section() *io.SectionReader { return io.NewSectionReader(in.f, 0, in.size) }

// sha256 is the hex SHA-256 of the file's bytes.
func (in *inputFile) sha256() (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, in.section()); err != nil {
		return "", &InputError{File: in.path, Msg: "cannot read", Err: err}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (in *inputFile) close() error { return in.f.Close() }
