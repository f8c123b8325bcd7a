package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"runtime"
)

// The write-ahead log. A bbolt commit costs two data syncs (pages, then the meta page),
// so an append that went straight into bbolt could never cost less than twice a plain
// write plus fdatasync. Appends therefore go to a small log file beside the journal,
// one entry and one fdatasync each, and are applied to bbolt in batches (checkpoint.go).
//
// The log is a fixed-size file of real, synced zero bytes written once when it is
// made, so an entry's fdatasync writes data into blocks that already exist and carries
// no file-system metadata. Layout:
//
//	header (at 0, one 4 KiB block): magic, generation (uint64), the journal's log ID,
//	                                CRC-32C of all of it
//	entries (from 4 KiB on):        length (uint32), CRC-32C (uint32), payload
//
// An entry's CRC covers the log ID, the generation and the payload, so entries left
// over from an earlier generation, or from another journal's log, never pass for
// current ones, and a torn last entry (never acknowledged) ends the log. The journal's
// bbolt meta records the last generation it has applied (keyLogGen): a log whose
// generation is not newer has nothing left to apply.
const (
	logMagic      = "tilldesk-log-v1\n"
	logHeaderSize = 4096
	logSize       = 4 << 20
	logEntryHead  = 8 // length + CRC
)

var (
	logCRC = crc32.MakeTable(crc32.Castagnoli)
	// errLogHeader: the header did not decode (torn or foreign); see recoverLog.
	errLogHeader = errors.New("log header unreadable")
)

// LogPath is the write-ahead log that belongs to the journal at path. It holds nothing
// once the journal is closed cleanly; a tool that moves or removes a closed journal
// file removes this one with it.
func LogPath(path string) string { return path + "-log" }

// walLog is an open log file.
type walLog struct {
	f    *os.File
	id   string
	gen  uint64
	next int64 // offset of the next entry
}

// logContents is what readLog found in a log file.
type logContents struct {
	id       string
	gen      uint64
	entries  [][]byte // payloads of the valid entries, in order
	end      int64    // offset after the last valid entry
	headerOK bool
}

func encodeLogHeader(id string, gen uint64) []byte {
	b := make([]byte, 0, 64)
	b = append(b, logMagic...)
	b = binary.BigEndian.AppendUint64(b, gen)
	b = binary.BigEndian.AppendUint16(b, uint16(len(id)))
	b = append(b, id...)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, logCRC))
}

func decodeLogHeader(b []byte) (id string, gen uint64, err error) {
	n := len(logMagic)
	if len(b) < n+8+2+4 || string(b[:n]) != logMagic {
		return "", 0, errLogHeader
	}
	gen = binary.BigEndian.Uint64(b[n:])
	idLen := int(binary.BigEndian.Uint16(b[n+8:]))
	end := n + 8 + 2 + idLen
	if end+4 > len(b) || binary.BigEndian.Uint32(b[end:]) != crc32.Checksum(b[:end], logCRC) {
		return "", 0, errLogHeader
	}
	return string(b[n+10 : end]), gen, nil
}

func entryCRC(id string, gen uint64, payload []byte) uint32 {
	c := crc32.Update(0, logCRC, []byte(id))
	var g [8]byte
	binary.BigEndian.PutUint64(g[:], gen)
	c = crc32.Update(c, logCRC, g[:])
	return crc32.Update(c, logCRC, payload)
}

// scanEntries returns the payloads of the entries valid under (id, gen) at the start of
// data (the bytes after the header) and the length they take.
func scanEntries(data []byte, id string, gen uint64) ([][]byte, int64) {
	var out [][]byte
	off := 0
	for off+logEntryHead <= len(data) {
		n := int(binary.BigEndian.Uint32(data[off:]))
		if n == 0 || n > len(data)-off-logEntryHead {
			break
		}
		payload := data[off+logEntryHead : off+logEntryHead+n]
		if binary.BigEndian.Uint32(data[off+4:]) != entryCRC(id, gen, payload) {
			break
		}
		out = append(out, payload)
		off += logEntryHead + n
	}
	return out, int64(off)
}

// readLog reads the log at path. With an unreadable header the entries are tried under
// (fallbackID, fallbackGen), the only generation that can hold entries the journal has
// not applied: a header is rewritten only after a checkpoint, so a header torn by a
// crash has nothing after it that still needs applying under any other generation.
func readLog(path, fallbackID string, fallbackGen uint64) (logContents, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return logContents{}, err
	}
	var c logContents
	head := data[:min(len(data), logHeaderSize)]
	c.id, c.gen, err = decodeLogHeader(head)
	c.headerOK = err == nil
	if !c.headerOK {
		c.id, c.gen = fallbackID, fallbackGen
	}
	if len(data) > logHeaderSize {
		var n int64
		c.entries, n = scanEntries(data[logHeaderSize:], c.id, c.gen)
		c.end = logHeaderSize + n
	} else {
		c.end = logHeaderSize
	}
	return c, nil
}

// createLog writes a new, empty log of generation gen at path: zeros over its whole
// size (so that no byte of an earlier log survives), then the header, synced.
func createLog(path, id string, gen uint64) (*walLog, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: create log: %w", err)
	}
	l := &walLog{f: f, id: id}
	zeros := make([]byte, 256<<10)
	for off := int64(0); off < logSize; off += int64(len(zeros)) {
		if _, err := f.WriteAt(zeros, off); err != nil {
			f.Close()
			return nil, fmt.Errorf("journal: create log: %w", err)
		}
	}
	if err := f.Truncate(logSize); err != nil { // a longer file from elsewhere
		f.Close()
		return nil, fmt.Errorf("journal: create log: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("journal: create log: %w", err)
	}
	syncDir(filepath.Dir(path))
	if err := l.reset(gen); err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
}

// openLogAt reopens an existing log of the full size for appending after end.
func openLogAt(path, id string, gen uint64, end int64) (*walLog, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("journal: open log: %w", err)
	}
	return &walLog{f: f, id: id, gen: gen, next: end}, nil
}

// reset starts generation gen: the header is rewritten and the entries of earlier
// generations stop counting.
func (l *walLog) reset(gen uint64) error {
	hdr := make([]byte, logHeaderSize)
	copy(hdr, encodeLogHeader(l.id, gen))
	if _, err := l.f.WriteAt(hdr, 0); err != nil {
		return fmt.Errorf("journal: log header: %w", err)
	}
	if err := syncData(l.f); err != nil {
		return fmt.Errorf("journal: log header: %w", err)
	}
	l.gen, l.next = gen, logHeaderSize
	return nil
}

// fits reports whether an entry of n payload bytes fits after the current ones.
func (l *walLog) fits(n int) bool { return l.next+int64(logEntryHead+n) <= logSize }

// append writes one entry and syncs it: when append returns nil, the entry survives a
// power cut. An entry that does not fit is an error; the caller checkpoints first.
func (l *walLog) append(payload []byte) error {
	if !l.fits(len(payload)) {
		return fmt.Errorf("journal: log entry of %d bytes does not fit", len(payload))
	}
	b := make([]byte, logEntryHead+len(payload))
	binary.BigEndian.PutUint32(b, uint32(len(payload)))
	binary.BigEndian.PutUint32(b[4:], entryCRC(l.id, l.gen, payload))
	copy(b[logEntryHead:], payload)
	if _, err := l.f.WriteAt(b, l.next); err != nil {
		return fmt.Errorf("journal: log write: %w", err)
	}
	if err := syncData(l.f); err != nil {
		return fmt.Errorf("journal: log sync: %w", err)
	}
	l.next += int64(len(b))
	return nil
}

func (l *walLog) close() error { return l.f.Close() }

// syncDir makes a file's creation durable. Windows cannot sync a directory (and does
// not need to).
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
