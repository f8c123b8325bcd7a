package journal

// The journal file's layout, declared once. Bump SchemaVersion when the layout or the
// record encoding changes, and teach Open to migrate older versions.
const (
	// SchemaVersion is the layout this build writes and reads.
	SchemaVersion = 1
	// magic marks a bbolt file as a Tilldesk journal.
	magic = "tilldesk-journal"
)

// Buckets.
var (
	bucketMeta    = []byte("meta")    // keys below
	bucketRecords = []byte("records") // 8-byte big-endian sequence -> JSON Record
	bucketHeld    = []byte("held")    // sale ID -> JSON of a held (parked) sale
)

// Keys in bucketMeta.
var (
	keyMagic    = []byte("magic")
	keySchema   = []byte("schema_version")
	keyTerminal = []byte("terminal_id")
	keyLastSeq  = []byte("last_seq")
	keyLastHash = []byte("last_hash")
	keyCreated  = []byte("created")
)

var allBuckets = [][]byte{bucketMeta, bucketRecords, bucketHeld}
