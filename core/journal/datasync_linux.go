package journal

import (
	"os"
	"syscall"
)

// syncData flushes f's data (not its timestamps), as bbolt's commit does on linux.
func syncData(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
