package jobs

import (
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Progress shows a person at a terminal that a long step is still working.
// Step starts showing name and returns the func that ends it.
type Progress interface {
	Step(name string) (done func())
}

// NoProgress shows nothing (logs still say when each step ends).
type NoProgress struct{}

func (NoProgress) Step(string) func() { return func() {} }

// TerminalProgress draws a spinner on f for every step that runs longer than
// a second, and nothing at all when f is not a terminal (a cron job, CI, a
// pipe), so logs stay clean.
func TerminalProgress(f *os.File) Progress {
	if !term.IsTerminal(int(f.Fd())) {
		return NoProgress{}
	}
	return &spinner{out: f}
}

type spinner struct{ out *os.File }

// showAfter is how long a step runs before it gets a spinner.
const showAfter = time.Second

func (s *spinner) Step(name string) func() {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-stop:
			return
		case <-time.After(showAfter):
		}
		bar := progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(s.out),
			progressbar.OptionSetDescription(name),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionClearOnFinish(),
		)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				_ = bar.Finish()
				return
			case <-tick.C:
				_ = bar.Add(1)
			}
		}
	}()
	return func() {
		close(stop)
		wg.Wait()
	}
}
