package journal

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Record kinds written by the till. Later features add their own kinds; readers skip
// kinds they do not know.
const (
	KindJournalOpened = "journal.created"
	KindSaleCompleted = "sale.completed"
	KindSaleCancelled = "sale.cancelled"
	KindSaleHeld      = "sale.held"
	KindSaleRecalled  = "sale.recalled"
	KindPayment       = "payment"
	KindAdmin         = "admin"
)

// Record is one append-only journal entry. Records are idempotent to replay elsewhere:
// (Terminal, Seq) identifies a record across all tills.
type Record struct {
	Seq      uint64          `json:"seq"`
	Terminal string          `json:"terminal"`
	Time     time.Time       `json:"time"` // UTC
	Kind     string          `json:"kind"`
	Data     json.RawMessage `json:"data"`
	Prev     string          `json:"prev"` // hex SHA-256 of the previous record ("" for the first)
	Hash     string          `json:"hash"` // hex SHA-256 committing to all fields above
}

// computeHash is the chain hash: SHA-256 over a length-prefixed encoding of every field
// but Hash, so no two different records share an encoding.
func (r *Record) computeHash() string {
	h := sha256.New()
	h.Write([]byte("tilldesk-journal-v1"))
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], r.Seq)
	h.Write(n[:])
	for _, field := range [][]byte{
		[]byte(r.Terminal),
		[]byte(r.Time.UTC().Format(time.RFC3339Nano)),
		[]byte(r.Kind),
		r.Data,
		[]byte(r.Prev),
	} {
		binary.BigEndian.PutUint64(n[:], uint64(len(field)))
		h.Write(n[:])
		h.Write(field)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func seqKey(seq uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}
