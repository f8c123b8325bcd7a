package app

import (
	"os"

	"golang.org/x/sys/unix"
)

// dropCached asks the kernel to forget f's cached pages (f must be synced first), so
// that reading the file back reads the device, not memory: a backup verified from the
// page cache would pass even if the USB stick kept none of it. Best effort: a file
// system that cannot drop them (tmpfs, some FUSE) keeps them, and the error is only
// logged by the caller.
func dropCached(f *os.File) error {
	return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}
