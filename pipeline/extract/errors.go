package extract

import (
	"errors"
	"strconv"
	"strings"
)

// ErrInput is wrapped by every error about the landing directory that stops
// the run: a missing required table or column, two files for one table, an
// unreadable file. The command line exits 2 on it. Rows that break the
// contract are not errors: they are rejected and counted.
var ErrInput = errors.New("unusable input")

// InputError says which file, row and column made the input unusable. Row
// and Column are zero when they do not apply.
type InputError struct {
	File   string
	Row    int64
	Column string
	Msg    string
	Err    error // the cause, if any (an *os.PathError, a Parquet error, ...)
}

func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Row > 0 {
		b.WriteString(": row ")
		b.WriteString(strconv.FormatInt(e.Row, 10))
	}
	if e.Column != "" {
		b.WriteString(": column ")
		b.WriteString(e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap gives ErrInput and the cause, so errors.Is(err, ErrInput) holds and
// errors.Is(err, fs.ErrNotExist) still finds the cause.
func (e *InputError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInput, e.Err}
	}
	return []error{ErrInput}
}
