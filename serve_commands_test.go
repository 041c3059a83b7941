package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"tally/jobs"
	"tally/pipeline/serve"
	"tally/pipeline/users"
)

// TestUsersAdd: `tally users add` prints a token once, the file keeps only
// its SHA-256 (mode 0600), and the token then authenticates to the
// dashboard; a users file that is a link or a FIFO is bad usage (exit 2).
func TestUsersAdd(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "users.yaml")
	out, err := tally(t, "users", "add", "--users", file, "--name", "acme", "--role", "partner", "--partners", "P002")
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out)
	if strings.Count(out, "\n") != 1 || len(token) < 30 {
		t.Fatalf("users add printed %q, want the token alone", out)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), token) || !strings.Contains(string(b), users.Hash(token)) {
		t.Fatalf("the file holds the token or not its hash:\n%s", b)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}

	srv, err := serve.New(serve.Options{Lake: t.TempDir(), UsersFile: file})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for tok, want := range map[string]int{token: http.StatusServiceUnavailable, token + "x": http.StatusUnauthorized} {
		// An empty lake: a valid token gets past authentication to "no snapshot yet".
		req := httptest.NewRequest("GET", "/api/partners", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("token %q…: %d, want %d", tok[:8], rec.Code, want)
		}
	}

	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]string{
		{"users", "add", "--users", link, "--name", "x", "--role", "program"},
		{"users", "add", "--users", fifo, "--name", "x", "--role", "program"},
		{"users", "add", "--users", file, "--name", "y", "--role", "distributor"},
		{"users", "add", "--users", file, "--name", "acme", "--role", "program"},
		{"serve", "--users", link, "--addr", "127.0.0.1:0", "--out", dir},
		{"serve", "--users", fifo, "--addr", "127.0.0.1:0", "--out", dir},
	} {
		_, err := tally(t, bad...)
		if code := jobs.ExitCode(err); code != jobs.ExitUsage {
			t.Errorf("tally %s: exit %d (%v), want %d", strings.Join(bad, " "), code, err, jobs.ExitUsage)
		}
	}
}
