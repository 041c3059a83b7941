package extract

import (
	"encoding/csv"
	"strings"
	"testing"
)

// TestAppendCSV: a reject's raw CSV is what encoding/csv would write.
func TestAppendCSV(t *testing.T) {
	for _, rec := range [][]string{
		{"a", "b"}, {"", ""}, {"a,b", `say "hi"`, "x\ny", "x\r\ny"}, {" lead", "\ttab", "trail "}, {`\.`, `\`}, {"é", "\u00a0nbsp"},
	} {
		var b strings.Builder
		w := csv.NewWriter(&b)
		w.Write(rec)
		w.Flush()
		if got, want := string(appendCSV(nil, rec)), strings.TrimSuffix(b.String(), "\n"); got != want {
			t.Errorf("%q: %q, want %q", rec, got, want)
		}
	}
}
