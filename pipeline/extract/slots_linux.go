//go:build linux

package extract

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// mappedSlotsFrom is the size (in bytes) from which a key set's slots are
// mapped outside the Go heap rather than allocated in it.
const mappedSlotsFrom = 4 << 20

// mapSlots maps n zeroed slots outside the Go heap and asks the kernel to
// back them with transparent huge pages (MADV_HUGEPAGE, honoured when
// /sys/kernel/mm/transparent_hugepage/enabled is "madvise" or "always").
// Every probe of a key set is a random access to a table of hundreds of MB
// (3.2 GB at 100M bookings): with 4 KiB pages nearly every one also misses
// the TLB, and in a virtual machine the page walk that follows costs more
// than the cache miss itself. With 2 MiB pages a 400 MB table is 200 TLB
// entries (BENCHMARKS.md). false when the mapping fails; the caller then
// allocates on the heap.
func mapSlots(n int) ([]keySlot, bool) {
	b, err := unix.Mmap(-1, 0, n*int(slotBytes), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		return nil, false
	}
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE) // advice only: without it the pages are small
	return unsafe.Slice((*keySlot)(unsafe.Pointer(unsafe.SliceData(b))), n), true
}

// unmapSlots unmaps slots from mapSlots.
func unmapSlots(slots []keySlot) {
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(slots))), len(slots)*int(slotBytes))
	_ = unix.Munmap(b)
}
