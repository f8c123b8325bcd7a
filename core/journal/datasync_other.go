//go:build !linux

package journal

import "os"

// syncData flushes f's data; without fdatasync this is fsync, as in bbolt's commit.
func syncData(f *os.File) error { return f.Sync() }
