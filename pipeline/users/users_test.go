package users

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestAddStoresOnlyTheHash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.yaml")
	token, err := Add(path, "acme", Partner, []string{"P001"})
	if err != nil {
		t.Fatal(err)
	}
	if len(token) < len(tokenPrefix)+22 || !strings.HasPrefix(token, tokenPrefix) { // 22 base64 characters hold 128 bits
		t.Fatalf("token %q is too short", token)
	}
	second, err := Add(path, "ana", PBM, []string{"P001", "P002"})
	if err != nil {
		t.Fatal(err)
	}
	if second == token {
		t.Fatal("two users got the same token")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), token) || strings.Contains(string(b), strings.TrimPrefix(token, tokenPrefix)) {
		t.Fatal("the file holds the token itself")
	}
	sum := sha256.Sum256([]byte(token))
	if !strings.Contains(string(b), "token_sha256: "+hex.EncodeToString(sum[:])) {
		t.Fatalf("the file does not hold the token's SHA-256:\n%s", b)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	d, _, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	u, ok := d.Authenticate(token)
	if !ok || u.Name != "acme" || u.Role != Partner || !u.Sees("P001") || u.Sees("P002") {
		t.Fatalf("the printed token authenticates as %+v, %v", u, ok)
	}
	if u, ok := d.Authenticate(second); !ok || u.Name != "ana" || !u.Sees("P002") {
		t.Fatalf("second token: %+v, %v", u, ok)
	}
	for _, wrong := range []string{"", token + "x", token[:len(token)-1], Hash(token), strings.ToUpper(token)} {
		if u, ok := d.Authenticate(wrong); ok {
			t.Errorf("%q authenticates as %s", wrong, u.Name)
		}
	}
	if _, err := Add(path, "acme", Program, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("a second acme: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("the directory holds %d entries, want only the users file", len(entries))
	}
}

// TestConstantTimeCompare proves Authenticate compares through
// crypto/subtle, with every user, whichever matches.
func TestConstantTimeCompare(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.yaml")
	var tokens []string
	for _, name := range []string{"a", "b", "c"} {
		tok, err := Add(path, name, Program, nil)
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tok)
	}
	d, _, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	compare = func(x, y []byte) int { calls++; return subtleCompare(x, y) }
	t.Cleanup(func() { compare = subtleCompare })
	for _, tok := range append(tokens, "wrong") {
		calls = 0
		d.Authenticate(tok)
		if calls != 3 {
			t.Errorf("%d constant-time comparisons for a token, want one per user (3)", calls)
		}
	}
}

var subtleCompare = compare

func TestRefusesLinksAndFIFOs(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "users.yaml")
	if _, err := Add(real, "finance", Program, nil); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{link, fifo, dir} {
		if _, _, err := Load(p); !errors.Is(err, ErrInvalid) {
			t.Errorf("Load(%s): %v, want ErrInvalid", filepath.Base(p), err)
		}
		if _, err := Add(p, "x", Program, nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("Add(%s): %v, want ErrInvalid", filepath.Base(p), err)
		}
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Error("Add replaced the symbolic link")
	}
}

func TestBadFiles(t *testing.T) {
	hash := Hash("t")
	for name, text := range map[string]string{
		"not yaml":          "users: [",
		"unknown key":       "users: [{name: a, role: program, token_sha256: " + hash + ", admin: true}]",
		"unknown role":      "users: [{name: a, role: distributor, token_sha256: " + hash + "}]",
		"partner of two":    "users: [{name: a, role: partner, partners: [P1, P2], token_sha256: " + hash + "}]",
		"pbm of none":       "users: [{name: a, role: pbm, token_sha256: " + hash + "}]",
		"program with list": "users: [{name: a, role: program, partners: [P1], token_sha256: " + hash + "}]",
		"no hash":           "users: [{name: a, role: program}]",
		"plain token":       "users: [{name: a, role: program, token_sha256: tally_abc}]",
		"twice":             "users: [{name: a, role: program, token_sha256: " + hash + "}, {name: a, role: program, token_sha256: " + hash + "}]",
		"no name":           "users: [{role: program, token_sha256: " + hash + "}]",
	} {
		path := filepath.Join(t.TempDir(), "users.yaml")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := Load(path); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	for _, bad := range []struct {
		role     Role
		partners []string
	}{{"distributor", nil}, {Partner, nil}, {Partner, []string{"P1", "P2"}}, {PBM, nil}, {Program, []string{"P1"}}} {
		path := filepath.Join(t.TempDir(), "users.yaml")
		if _, err := Add(path, "x", bad.role, bad.partners); !errors.Is(err, ErrInvalid) {
			t.Errorf("Add %s %v: %v, want ErrInvalid", bad.role, bad.partners, err)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Add %s %v wrote the file", bad.role, bad.partners)
		}
	}
}
