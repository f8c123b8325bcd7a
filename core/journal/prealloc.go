package journal

import (
	"fmt"
	"os"
	"runtime"

	bolt "go.etcd.io/bbolt"
)

// Pre-allocation. bbolt grows its file by truncating it longer, which leaves a sparse
// tail: every commit that writes a page into that tail makes the file system allocate
// blocks, so its fdatasync must also commit file-system metadata and costs several
// times a plain data sync. The journal therefore keeps a run of real, synced zero bytes
// ahead of bbolt's high-water mark, so that appends write into blocks that already
// exist. bbolt never uses pages past its high-water mark, and its grow() leaves a file
// that is already long enough alone. Filling runs inside a write transaction, so no
// other commit can allocate pages meanwhile.
const (
	preallocChunk  = 4 << 20 // bytes of zeros written at a time
	preallocMargin = 1 << 20 // refill when less than this is left ahead
)

// preallocSupported: on Windows bbolt locks the file's byte range and grows it through
// the mapping, so a second handle must not write to it.
var preallocSupported = runtime.GOOS != "windows"

// keepAhead refills the zeroed run when less than preallocMargin is left past size
// (the database size after the last commit).
func (j *Journal) keepAhead(size int64) error {
	if !preallocSupported || j.filledTo.Load()-size >= preallocMargin {
		return nil
	}
	return j.db.Update(func(tx *bolt.Tx) error {
		if j.filledTo.Load()-tx.Size() >= preallocMargin {
			return nil // another append filled it meanwhile
		}
		start := max(j.filledTo.Load(), tx.Size())
		end := tx.Size() + preallocChunk
		f, err := os.OpenFile(j.path, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("journal: pre-allocate: %w", err)
		}
		defer f.Close()
		zeros := make([]byte, 256<<10)
		for off := start; off < end; off += int64(len(zeros)) {
			n := min(int64(len(zeros)), end-off)
			if _, err := f.WriteAt(zeros[:n], off); err != nil {
				return fmt.Errorf("journal: pre-allocate: %w", err)
			}
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("journal: pre-allocate: %w", err)
		}
		j.filledTo.Store(end)
		return nil
	})
}
