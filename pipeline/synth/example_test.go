package synth

import (
	"bufio"
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite fixtures/example/ from the generator")

// exampleDir is the committed example landing directory.
var exampleDir = filepath.Join("..", "..", "fixtures", "example")

// TestExampleFixtures: the committed fixtures/example/ files are exactly what
// WriteExample writes, so nobody edits them by hand. Run with -update to
// rewrite them after changing the generator (and fix the README with it).
func TestExampleFixtures(t *testing.T) {
	if *update {
		if err := WriteExample(exampleDir); err != nil {
			t.Fatal(err)
		}
	}
	got := t.TempDir()
	if err := WriteExample(got); err != nil {
		t.Fatal(err)
	}
	written, err := os.ReadDir(got)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range written {
		names = append(names, e.Name())
		want, err := os.ReadFile(filepath.Join(exampleDir, e.Name()))
		if err != nil {
			t.Errorf("%v (run go test ./pipeline/synth/ -update)", err)
			continue
		}
		have, err := os.ReadFile(filepath.Join(got, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(have, want) {
			t.Errorf("fixtures/example/%s differs from the generator's output (line %d); run go test ./pipeline/synth/ -update",
				e.Name(), firstDifferentLine(have, want))
		}
	}
	committed, err := os.ReadDir(exampleDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range committed {
		if e.Name() != "README.md" && !slices.Contains(names, e.Name()) {
			t.Errorf("fixtures/example/%s is not written by the generator", e.Name())
		}
	}
}

func TestExampleIsDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if err := WriteExample(a); err != nil {
		t.Fatal(err)
	}
	if err := WriteExample(b); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(a)
	for _, e := range entries {
		x, _ := os.ReadFile(filepath.Join(a, e.Name()))
		y, _ := os.ReadFile(filepath.Join(b, e.Name()))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs", e.Name())
		}
	}
}

// TestExampleReadmeNamesScenarioRows: every partner and booking the README's
// scenario table refers to is in the generated files.
func TestExampleReadmeNamesScenarioRows(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(exampleDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := WriteExample(dir); err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, name := range []string{"partners.csv", "bookings.csv", "oem_credits.csv", "lifecycle_claims.csv", "influence_claims.jsonl"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	ids := regexp.MustCompile(`\b(P\d{3}|B\d{6}|OC\d{6}|L\d{6}|I\d{6})\b`)
	for _, id := range ids.FindAllString(string(readme), -1) {
		if id == "P999" {
			continue // the unknown partner of a rejected booking
		}
		if !strings.Contains(all.String(), id+",") && !strings.Contains(all.String(), `"`+id+`"`) {
			t.Errorf("README names %s, which the example does not contain", id)
		}
	}
}

// TestExampleShape: the sizes the example promises.
func TestExampleShape(t *testing.T) {
	dir := t.TempDir()
	if err := WriteExample(dir); err != nil {
		t.Fatal(err)
	}
	for name, bounds := range map[string][2]int{
		"partners.csv":           {50, 50},
		"bookings.csv":           {900, 1100},
		"influence_claims.jsonl": {10, 30},
	} {
		n := countLines(t, filepath.Join(dir, name))
		if strings.HasSuffix(name, ".csv") {
			n-- // header
		}
		if n < bounds[0] || n > bounds[1] {
			t.Errorf("%s: %d rows, want %d..%d", name, n, bounds[0], bounds[1])
		}
	}
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	for s := bufio.NewScanner(f); s.Scan(); {
		n++
	}
	return n
}

func firstDifferentLine(a, b []byte) int {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := range min(len(la), len(lb)) {
		if !bytes.Equal(la[i], lb[i]) {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}
