package extract

import "unsafe"

// prefetch asks the CPU to bring p's cache line in, without waiting for it
// (PREFETCHT0: unlike a load, it retires at once, so the work that follows
// runs while the line, and its page walk, are fetched).
//
//go:noescape
func prefetch(p unsafe.Pointer)
