package hardening_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"tally/jobs"
)

// TestUsageErrorsExit2 runs the command with a missing required flag, an
// unknown command or flag, a missing or extra argument: each must exit 2
// (CONTRACT.md) and say what was wrong. Issue 24 (CLI): they exited 1.
func TestUsageErrorsExit2(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string // in the message on stderr
	}{
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"run"}, `required flag(s)`},
		{[]string{"run", "--input", example, "--rulebook", rulebook}, `"as-of"`},
		{[]string{"explain"}, `"partner"`},
		{[]string{"report"}, `"program-year"`},
		{[]string{"query"}, `requires at least 1 arg`},
		{[]string{"validate", "--input", example, "--rulebook", rulebook, "extra"}, `unknown command "extra"`},
		{[]string{"run", "--no-such-flag"}, `unknown flag`},
		{[]string{"schedule"}, `"config"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			_, stderr, code := tally(t, tt.args...)
			if code != jobs.ExitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, want %d; stderr %q, want it to say %q", code, jobs.ExitUsage, stderr, tt.want)
			}
		})
	}
}

// TestJSONLogsOnly runs commands with --log-format json that log from
// publishing and recovery (a run on a lake with a damaged latest) and that
// fail (a usage error, an unreadable rulebook, a lake with nothing
// published): every line on stderr must be a JSON object with a level and
// a message. Issue 24 (CLI): publishing, recovery and the final error
// printed plain text.
func TestJSONLogsOnly(t *testing.T) {
	t.Parallel()
	lakeDir := copyLake(t, template(t, asOfA))
	write(t, filepath.Join(lakeDir, "latest"), "garbage\n")
	empty := t.TempDir()
	tests := []struct {
		args     []string
		wantCode int
		wantMsg  string // in some line's msg
	}{
		{[]string{"run", "--input", example, "--rulebook", rulebook, "--as-of", asOfB, "--out", lakeDir, "--threads", "1"}, 0, "latest rebuilt"},
		{[]string{"run", "--input", example, "--rulebook", filepath.Join(empty, "none.yaml"), "--as-of", asOfB, "--out", empty}, 2, ""},
		{[]string{"query", "--out", empty, "SELECT 1"}, 1, ""},
		{[]string{"bogus"}, 2, ""},
		{[]string{"run", "--no-such-flag"}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.args[0], func(t *testing.T) {
			_, stderr, code := tally(t, append(tt.args, "--log-format", "json")...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d:\n%s", code, tt.wantCode, stderr)
			}
			found := tt.wantMsg == ""
			for line := range strings.Lines(stderr) {
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil || rec["level"] == nil || rec["msg"] == nil {
					t.Errorf("not a JSON log line: %q", line)
					continue
				}
				if msg, _ := rec["msg"].(string); tt.wantMsg != "" && strings.Contains(msg, tt.wantMsg) {
					found = true
				}
			}
			if !found {
				t.Errorf("no line says %q:\n%s", tt.wantMsg, stderr)
			}
			if code != 0 && strings.TrimSpace(stderr) == "" {
				t.Error("a failure with nothing on stderr")
			}
		})
	}
}
