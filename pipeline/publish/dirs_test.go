package publish

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func fillWith(content string) func(dir string) error {
	return func(dir string) error {
		return os.WriteFile(filepath.Join(dir, "report.html"), []byte(content), 0o600)
	}
}

func dirContent(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPublishDirKilled stops PublishDir at each of its steps, as a killed
// process would stop, with and without the atomic exchange: the directory
// holds the old version or the new one, complete (or, in the moment
// between two renames, is missing with the old version set aside), and the
// next PublishDir puts the new version in place and leaves nothing else
// behind. Issue 26, item 8 (reports are published this way).
func TestPublishDirKilled(t *testing.T) {
	tests := []struct {
		exchange bool
		step     string
		want     string // what dst holds after the kill; "" = missing
	}{
		{true, "dir-staged", "v1"},
		{true, "replace-exchanged", "v2"},
		{false, "dir-staged", "v1"},
		{false, "replace-aside", ""},
	}
	for _, tt := range tests {
		t.Run(map[bool]string{true: "exchange ", false: "two renames "}[tt.exchange]+tt.step, func(t *testing.T) {
			defer func(v bool) { useExchange = v }(useExchange)
			useExchange = tt.exchange
			parent := filepath.Join(t.TempDir(), "reports")
			dst := filepath.Join(parent, "program_year=FY25")
			ctx := context.Background()
			if err := PublishDir(ctx, dst, 0, fillWith("v1")); err != nil {
				t.Fatal(err)
			}
			func() {
				crashPoint = func(at string) {
					if at == tt.step {
						panic(killed{at})
					}
				}
				defer func() { crashPoint = nil }()
				defer func() {
					if r := recover(); r != (killed{tt.step}) {
						t.Fatalf("PublishDir was not stopped at %q: %v", tt.step, r)
					}
				}()
				_ = PublishDir(ctx, dst, 0, fillWith("v2"))
			}()
			if got := dirContent(t, dst); got != tt.want {
				t.Errorf("after the kill %s holds %q, want %q", dst, got, tt.want)
			}
			if tt.want == "" && dirContent(t, dst+".old") != "v1" {
				t.Errorf("the old version is not set aside")
			}
			if err := PublishDir(ctx, filepath.Join(parent, "program_year=FY24"), 0, fillWith("other")); err != nil {
				t.Fatal(err)
			}
			if got := dirContent(t, dst); got != tt.want && got != "v1" {
				t.Errorf("after another year's write %s holds %q", dst, got)
			}
			if err := PublishDir(ctx, dst, 0, fillWith("v3")); err != nil {
				t.Fatal(err)
			}
			if got := dirContent(t, dst); got != "v3" {
				t.Errorf("%s holds %q, want v3", dst, got)
			}
			entries, err := os.ReadDir(parent)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if want := []string{".lock", "program_year=FY24", "program_year=FY25"}; !slices.Equal(names, want) {
				t.Errorf("reports/ holds %q, want %q", names, want)
			}
		})
	}
}

func TestPublishDirRefusesNames(t *testing.T) {
	for _, dst := range []string{filepath.Join(t.TempDir(), ".hidden"), "/"} {
		if err := PublishDir(context.Background(), dst, 0, fillWith("x")); !errors.Is(err, ErrInvalid) {
			t.Errorf("PublishDir(%q) = %v, want ErrInvalid", dst, err)
		}
	}
}
