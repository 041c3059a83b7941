// Package users owns the dashboard's users file: who may sign in, with
// which role, to see which partners (RULES.md section 16). The file holds
// only the SHA-256 of each access token; the token itself is printed once,
// by Add, and never stored.
//
//	users:
//	  - {name: acme, role: partner, partners: [P001], token_sha256: 9f86d0...}
//	  - {name: ana, role: pbm, partners: [P001, P002], token_sha256: ...}
//	  - {name: finance, role: program, token_sha256: ...}
package users

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Role is what a user may see.
type Role string

// The roles of RULES.md section 16. Distributors have none: they see nothing.
const (
	Program Role = "program" // every partner
	PBM     Role = "pbm"     // the partners assigned to it
	Partner Role = "partner" // its one partner
)

// ErrInvalid is wrapped by every error about a users file that cannot be
// used (not YAML, an unknown role, a symbolic link, ...) or a user that
// cannot be added: bad usage, exit 2.
var ErrInvalid = errors.New("not a usable users file")

// User is one entry of the file.
type User struct {
	Name        string   `yaml:"name"`
	Role        Role     `yaml:"role"`
	Partners    []string `yaml:"partners,omitempty,flow"`
	TokenSHA256 string   `yaml:"token_sha256"`
}

// Sees tells whether the user may see the partner.
func (u *User) Sees(partnerID string) bool {
	switch u.Role {
	case Program:
		return true
	case PBM, Partner:
		return slices.Contains(u.Partners, partnerID)
	}
	return false
}

type file struct {
	Users []User `yaml:"users"`
}

// Directory is a loaded users file.
type Directory struct {
	Users []User
}

// tokenBytes is the randomness of a token: 256 bits, twice the least the
// contract asks.
const tokenBytes = 32

// tokenPrefix marks a tally token so that secret scanners can find one
// pasted where it should not be.
const tokenPrefix = "tally_"

// Hash is the hex SHA-256 of a token, as the file stores it.
func Hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// compare is subtle.ConstantTimeCompare; a variable so that a test can
// prove Authenticate goes through it.
var compare = subtle.ConstantTimeCompare

// Authenticate returns the user whose token this is. It hashes the token
// and compares the hash with every user's in constant time, visiting all of
// them whether or not one matched, so the time taken says nothing about
// which user, or how much of a hash, matched.
func (d *Directory) Authenticate(token string) (*User, bool) {
	if token == "" {
		return nil, false
	}
	sum := sha256.Sum256([]byte(token))
	found := -1
	for i := range d.Users {
		want, err := hex.DecodeString(d.Users[i].TokenSHA256)
		if err != nil || len(want) != len(sum) {
			continue
		}
		if compare(sum[:], want) == 1 {
			found = i
		}
	}
	if found < 0 {
		return nil, false
	}
	return &d.Users[found], true
}

// Lookup returns the user of that name.
func (d *Directory) Lookup(name string) (*User, bool) {
	i := slices.IndexFunc(d.Users, func(u User) bool { return u.Name == name })
	if i < 0 {
		return nil, false
	}
	return &d.Users[i], true
}

// Load reads and checks a users file. A path that is a symbolic link, a
// FIFO or anything but a regular file is refused (ErrInvalid): the file
// decides who sees what, so it must be the file the operator wrote.
func Load(path string) (*Directory, os.FileInfo, error) {
	f, err := openRegular(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("users: %s: %w", path, err)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("users: read %s: %w", path, err)
	}
	if len(b) > maxFileBytes {
		return nil, nil, fmt.Errorf("users: %s is larger than %d bytes: %w", path, maxFileBytes, ErrInvalid)
	}
	d, err := parse(b)
	if err != nil {
		return nil, nil, fmt.Errorf("users: %s: %w", path, err)
	}
	return d, fi, nil
}

// maxFileBytes bounds what Load reads: a users file of 100,000 partner
// users is about 15 MB.
const maxFileBytes = 64 << 20

func parse(b []byte) (*Directory, error) {
	var f file
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	d := &Directory{Users: f.Users}
	seen := map[string]bool{}
	for i, u := range d.Users {
		if err := check(u); err != nil {
			return nil, fmt.Errorf("%w: user %d (%q): %v", ErrInvalid, i+1, u.Name, err)
		}
		if seen[u.Name] {
			return nil, fmt.Errorf("%w: user %q is listed twice", ErrInvalid, u.Name)
		}
		seen[u.Name] = true
	}
	return d, nil
}

func check(u User) error {
	if strings.TrimSpace(u.Name) == "" {
		return errors.New("no name")
	}
	switch u.Role {
	case Program:
		if len(u.Partners) > 0 {
			return errors.New("a program user sees every partner; list no partners")
		}
	case PBM:
		if len(u.Partners) == 0 {
			return errors.New("a pbm user needs its partners")
		}
	case Partner:
		if len(u.Partners) != 1 {
			return fmt.Errorf("a partner user has exactly one partner, not %d", len(u.Partners))
		}
	default:
		return fmt.Errorf("role %q: want program, pbm or partner", u.Role)
	}
	for _, p := range u.Partners {
		if strings.TrimSpace(p) == "" {
			return errors.New("an empty partner id")
		}
	}
	if b, err := hex.DecodeString(u.TokenSHA256); err != nil || len(b) != sha256.Size {
		return errors.New("token_sha256 is not a SHA-256 in hex")
	}
	return nil
}

// Add creates a user with a new random token, writes the file (creating it
// if absent) and returns the token, which is stored nowhere. The file is
// replaced atomically, with mode 0600.
func Add(path, name string, role Role, partners []string) (string, error) {
	d := &Directory{}
	var mode os.FileMode = 0o600
	if _, err := os.Lstat(path); err == nil {
		loaded, _, err := Load(path)
		if err != nil {
			return "", err
		}
		d = loaded
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("users: %w", err)
	}
	if _, ok := d.Lookup(name); ok {
		return "", fmt.Errorf("users: %s already has a user %q: %w", path, name, ErrInvalid)
	}
	token, err := NewToken()
	if err != nil {
		return "", err
	}
	u := User{Name: name, Role: role, Partners: partners, TokenSHA256: Hash(token)}
	if err := check(u); err != nil {
		return "", fmt.Errorf("users: %w: %v", ErrInvalid, err)
	}
	d.Users = append(d.Users, u)
	b, err := yaml.Marshal(file{Users: d.Users})
	if err != nil {
		return "", fmt.Errorf("users: %w", err)
	}
	if err := writeAtomic(path, b, mode); err != nil {
		return "", err
	}
	return token, nil
}

// NewToken returns a new access token: 256 bits from crypto/rand, base64url.
func NewToken() (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("users: random token: %w", err)
	}
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// writeAtomic writes a temporary file beside path, syncs it and renames it
// over path, so a reader sees the old file or the new one, never half.
func writeAtomic(path string, b []byte, mode os.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("users: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, os.Remove(tmp.Name()))
		}
	}()
	if err := tmp.Chmod(mode); err != nil {
		return errors.Join(fmt.Errorf("users: %w", err), tmp.Close())
	}
	if _, err := tmp.Write(b); err != nil {
		return errors.Join(fmt.Errorf("users: write %s: %w", tmp.Name(), err), tmp.Close())
	}
	if err := tmp.Sync(); err != nil {
		return errors.Join(fmt.Errorf("users: sync %s: %w", tmp.Name(), err), tmp.Close())
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("users: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("users: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		_ = d.Close()
		if err != nil {
			return fmt.Errorf("users: sync %s: %w", dir, err)
		}
	}
	return nil
}
