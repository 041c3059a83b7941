package configfile_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"tally/pipeline/configfile"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "rulebook.yaml")
	if err := os.WriteFile(regular, []byte("program: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := configfile.Read(regular); err != nil || string(b) != "program: x\n" {
		t.Fatalf("Read(regular) = %q, %v", b, err)
	}
	link := filepath.Join(dir, "link.yaml")
	fifo := filepath.Join(dir, "fifo.yaml")
	big := filepath.Join(dir, "big.yaml")
	if err := os.Symlink(regular, link); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, make([]byte, configfile.MaxBytes+1), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want error
	}{
		{link, configfile.ErrNotRegular},
		{fifo, configfile.ErrNotRegular},
		{"/dev/zero", configfile.ErrNotRegular},
		{dir, configfile.ErrNotRegular},
		{big, configfile.ErrTooLarge},
		{filepath.Join(dir, "missing.yaml"), os.ErrNotExist},
	}
	for _, tt := range tests {
		_, err := configfile.Read(tt.path)
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.path) {
			t.Errorf("Read(%s) = %v, want %v naming the file", tt.path, err, tt.want)
		}
	}
}
