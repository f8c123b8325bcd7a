package journal

// The journal file's layout, declared once. Bump SchemaVersion when the layout or the
// record encoding changes, and teach Open to migrate older versions.
const (
	// SchemaVersion is the layout this build writes and reads. 2 added bucketKinds;
	// a schema 1 journal gets it on its first writable open.
	SchemaVersion = 2
	// magic marks a bbolt file as a Tilldesk journal.
	magic = "tilldesk-journal"
)

// Buckets.
var (
	bucketMeta    = []byte("meta")    // keys below
	bucketRecords = []byte("records") // 8-byte big-endian sequence -> JSON Record, and headKey
	bucketHeld    = []byte("held")    // sale ID -> JSON of a held (parked) sale
	bucketState   = []byte("state")   // sub-buckets of mutable state (state.go)
	// bucketKinds indexes the records by kind: kind, a 0 byte and the 8-byte sequence
	// number -> nothing. Each with a Kind filter reads only that kind's records.
	bucketKinds = []byte("kinds")
)

// Keys in bucketMeta.
var (
	keyMagic    = []byte("magic")
	keySchema   = []byte("schema_version")
	keyTerminal = []byte("terminal_id")
	keyCreated  = []byte("created")
	keyLogID    = []byte("log_id")  // random ID that ties the write-ahead log to this file
	keyLogGen   = []byte("log_gen") // the newest log generation applied to this file
	// keyContinues is the Link (JSON) of the replaced journal's last record, in a
	// journal that continues its chain; absent when the chain starts at 1.
	keyContinues = []byte("continues")
)

var allBuckets = [][]byte{bucketMeta, bucketRecords, bucketHeld, bucketState, bucketKinds}

// kindKey is a record's key in bucketKinds.
func kindKey(kind string, seq uint64) []byte {
	return append(kindPrefix(kind), seqKey(seq)...)
}

// kindPrefix starts the keys of kind's records in bucketKinds.
func kindPrefix(kind string) []byte { return append([]byte(kind), 0) }

// headKey, in bucketRecords, holds the chain head: the newest record's sequence number
// and hash. It sorts after every sequence number, so it lives on the same page as the
// newest record and an append rewrites no extra page for it (the meta bucket is written
// only when a journal is created). Verify checks the last record against it, so
// records cut off the end are detected.
var headKey = []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// chainHead is the value stored under headKey.
type chainHead struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}
