package journal

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Export writes the records matching f to w as "csv" or "jsonl" (one JSON record per
// line, the exact stored form, hashes included so the chain can be checked elsewhere).
func (j *Journal) Export(w io.Writer, format string, f Filter) (int, error) {
	n := 0
	switch format {
	case "jsonl":
		enc := json.NewEncoder(w)
		err := j.Each(f, func(r Record) error { n++; return enc.Encode(r) })
		return n, err
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write([]string{"seq", "terminal", "time", "kind", "data", "prev", "hash"}); err != nil {
			return 0, err
		}
		err := j.Each(f, func(r Record) error {
			n++
			return cw.Write([]string{strconv.FormatUint(r.Seq, 10), r.Terminal, r.Time.Format(time.RFC3339Nano), r.Kind, string(r.Data), r.Prev, r.Hash})
		})
		cw.Flush()
		if err == nil {
			err = cw.Error()
		}
		return n, err
	}
	return 0, fmt.Errorf("journal: export format %q: want csv or jsonl", format)
}
