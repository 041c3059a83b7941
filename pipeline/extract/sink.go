package extract

import (
	"errors"
	"sync/atomic"
)

// chunk is one batch of checked rows on its way to the files. Its rows may
// point into mem, so both live until the chunk is written.
type chunk[T any] struct {
	rows    []T
	rejects []Reject
	mem     arena
}

// sink writes chunks on its own goroutine, so Parquet encoding and zstd
// overlap reading and checking. Rows go to out, rejects to a file at
// rejPath created on the first reject; with out nil nothing is written.
// Whoever makes a sink calls close, once, then owns the reject file.
type sink[T any] struct {
	out     *parquetFile[T]
	rej     *parquetFile[Reject]
	rejPath string
	todo    chan *chunk[T]
	free    chan *chunk[T]
	done    chan struct{}
	failed  atomic.Bool
	err     error // the writer's first error; read after done is closed
}

const chunksInFlight = 3

func newSink[T any](out *parquetFile[T], rejPath string) *sink[T] {
	s := &sink[T]{out: out, rejPath: rejPath, todo: make(chan *chunk[T], chunksInFlight),
		free: make(chan *chunk[T], chunksInFlight), done: make(chan struct{})}
	for range chunksInFlight {
		s.free <- &chunk[T]{rows: make([]T, 0, batchSize)}
	}
	go s.run()
	return s
}

func (s *sink[T]) run() {
	defer close(s.done)
	for c := range s.todo {
		if s.err == nil {
			s.err = s.write(c)
			if s.err != nil {
				s.failed.Store(true)
			}
		}
		clear(c.rows) // drop references to the batch's strings
		c.rows, c.rejects = c.rows[:0], c.rejects[:0]
		c.mem.reset()
		s.free <- c
	}
}

func (s *sink[T]) write(c *chunk[T]) error {
	if s.out == nil {
		return nil
	}
	if err := s.out.write(c.rows); err != nil {
		return err
	}
	if len(c.rejects) > 0 && s.rej == nil {
		var err error
		if s.rej, err = createScratch[Reject](s.rejPath); err != nil {
			return err
		}
	}
	return s.rej.write(c.rejects)
}

// next is an empty chunk to fill.
func (s *sink[T]) next() *chunk[T] { return <-s.free }

// put hands a filled chunk to the writer. Once the writer has failed it
// returns errSinkFailed; close then gives the writer's error.
func (s *sink[T]) put(c *chunk[T]) error {
	s.todo <- c
	if s.failed.Load() {
		return errSinkFailed
	}
	return nil
}

var errSinkFailed = errors.New("extract: writing failed")

// close waits for every chunk to be written and returns the reject file
// (nil when there were no rejects), which the caller finishes or aborts,
// and the writer's error.
func (s *sink[T]) close() (*parquetFile[Reject], error) {
	close(s.todo)
	<-s.done
	return s.rej, s.err
}
