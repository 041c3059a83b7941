package rulebook_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"tally/pipeline/rulebook"
)

// TestSecondDocumentRefused: a rulebook of two YAML documents is refused
// with the line where the second starts; a bare "---" or "..." at the end
// (no content) is not a document. Issue 26, item 10: the second document
// was silently ignored.
func TestSecondDocumentRefused(t *testing.T) {
	ex := string(example(t))
	lines := strings.Count(ex, "\n")
	tests := []struct {
		name, text string
		wantLine   int // 0 = accepted
	}{
		{"two documents", ex + "---\nprogram: Another\n", lines + 1},
		{"levels in a second document", ex + "---\nlevels: []\n", lines + 1},
		{"a trailing document marker", ex + "---\n", 0},
		{"a document end marker", ex + "...\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rulebook.Parse("rulebook.yaml", []byte(tt.text))
			if tt.wantLine == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var re *rulebook.Error
			if !errors.As(err, &re) || !errors.Is(err, rulebook.ErrInvalid) {
				t.Fatalf("Parse = %v, want a rulebook.Error", err)
			}
			if re.File != "rulebook.yaml" || re.Line != tt.wantLine || !strings.Contains(re.Msg, "second YAML document") {
				t.Errorf("error %q: want rulebook.yaml:%d and a message about a second YAML document", err, tt.wantLine)
			}
		})
	}
}

// TestLoadRefusesWhatIsNotARegularFile: a rulebook that is a symbolic
// link, a FIFO or a device is refused (ErrInvalid, naming the file), and
// Load returns at once rather than block on a FIFO or read /dev/zero for
// ever. Issue 26, item 1 (the rulebook's part).
func TestLoadRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.yaml")
	if err := os.WriteFile(real, example(t), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := rulebook.Load(real); err != nil {
		t.Fatalf("a regular rulebook: %v", err)
	}
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{link, fifo, "/dev/zero", dir, filepath.Join(dir, "missing.yaml")} {
		_, err := rulebook.Load(p)
		if !errors.Is(err, rulebook.ErrInvalid) || !strings.Contains(err.Error(), p) {
			t.Errorf("Load(%s) = %v, want ErrInvalid naming the file", p, err)
		}
	}
}
