package app

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSoak runs one till for TILLDESK_SOAK (a duration: "2m"), selling without pause
// with a random mix of every tender against the real sandboxes on loopback: cash,
// bank cards (virtual cards in the virtual reader, PINs on the test pad, the sandbox
// acquirer), UnionPay QR both ways, Alipay and WeChat Pay codes and QR codes, prepaid
// cards (split with cash), and now and then refunds, voids of part-paid sales, batch
// settlements and injected host faults. Every soakCheckEvery operations (fewer once
// the checks take a quarter of the time) and at the end it checks the journal, that nothing is left pending, and that the till's books
// and the sandboxes' agree for each tender; at the end, that no goroutines leaked.
// It is skipped unless TILLDESK_SOAK is set (make soak). The seed is logged;
// TILLDESK_SOAK_SEED replays the same sequence of operations; TILLDESK_SOAK_HEAP=FILE
// writes the heap at the end for go tool pprof (with -memprofilerate for detail).
func TestSoak(t *testing.T) {
	env := os.Getenv("TILLDESK_SOAK")
	if env == "" {
		t.Skip("soak test: set TILLDESK_SOAK to a duration (make soak)")
	}
	dur, err := time.ParseDuration(env)
	if err != nil || dur <= 0 {
		t.Fatalf("TILLDESK_SOAK=%q: want a duration like 2m", env)
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("TILLDESK_SOAK_SEED"); s != "" {
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("TILLDESK_SOAK_SEED=%q: %v", s, err)
		}
	}
	t.Logf("soak: %s, seed %d (TILLDESK_SOAK_SEED=%d replays it)", dur, seed, seed)

	start := sampleResources()
	r := newSoakRig(t, seed)
	step := 0
	fail := func(what string, err error) {
		t.Helper()
		t.Fatalf("soak seed %d, step %d (%s): %v", seed, step, what, err)
	}
	// The rig's first checks open the sandboxes' connections and pools: the baseline
	// is taken after a first round of every operation.
	for _, op := range soakOps {
		step++
		if err := r.runOp(op); err != nil {
			fail(op.name, err)
		}
	}
	if err := r.check(); err != nil {
		fail("check after the warm-up", err)
	}
	base := settleDown(0, time.Second)
	t.Logf("soak: before the till %v; after a warm-up round %v", start, base)

	stats := map[string]*soakStat{}
	began, lastLog := time.Now(), time.Now()
	var checking time.Duration // spent in the periodic checks
	for end := began.Add(dur); time.Now().Before(end); {
		step++
		op := r.pickOp()
		t0 := time.Now()
		if err := r.runOp(op); err != nil {
			fail(op.name, err)
		}
		st := stats[op.name]
		if st == nil {
			st = &soakStat{}
			stats[op.name] = st
		}
		st.add(time.Since(t0), time.Since(began) > dur/2)
		if step%soakCheckEvery == 0 && checking < time.Since(began)/4 {
			c0 := time.Now()
			if err := r.check(); err != nil {
				fail("periodic check", err)
			}
			checking += time.Since(c0)
			r.forgetProgress()
			if time.Since(lastLog) > 30*time.Second {
				lastLog = time.Now()
				t.Logf("soak: %s in, step %d, %v", time.Since(began).Round(time.Second), step, sampleResources())
			}
		}
	}
	elapsed := time.Since(began)
	if err := r.check(); err != nil {
		fail("final check", err)
	}
	// A final settlement closes the batch: the host and the till must balance.
	if err := r.opSettle(); err != nil {
		fail("final settlement", err)
	}
	if err := r.check(); err != nil {
		fail("check after the final settlement", err)
	}
	r.forgetProgress()
	limit := base.goroutines + 50
	end := settleDown(limit, 10*time.Second)
	t.Logf("soak: goroutines %d -> %d, heap %.1f -> %.1f MiB (after GC; baseline after the warm-up)",
		base.goroutines, end.goroutines, float64(base.heap)/(1<<20), float64(end.heap)/(1<<20))
	r.report(stats, step, elapsed, checking)
	if path := os.Getenv("TILLDESK_SOAK_HEAP"); path != "" { // what the heap holds at the end
		if err := writeHeapProfile(path); err != nil {
			t.Error(err)
		}
	}
	if end.goroutines > limit {
		t.Errorf("soak seed %d: %d goroutines after an idle period, %d at the start: leaked\n%s", seed, end.goroutines, base.goroutines, goroutineDump())
	}
}

// soakCheckEvery is how many operations run between invariant checks. The checks
// read the whole journal and grow with it, so one is skipped while they have taken a
// quarter of the run: the soak keeps selling most of the time however long it runs.
const soakCheckEvery = 50

// soakStat is how often an operation ran and how long it took, in all and in each
// half of the run (an operation that slows down as the journal grows shows here).
type soakStat struct {
	n, late    int
	busy, slow time.Duration // slow: the second half's share of busy
}

func (s *soakStat) add(d time.Duration, secondHalf bool) {
	s.n++
	s.busy += d
	if secondHalf {
		s.late++
		s.slow += d
	}
}

// halves is the mean time of the first and the second half's runs, in ms.
func (s *soakStat) halves() (first, second float64) {
	ms := func(d time.Duration, n int) float64 { return float64(d.Microseconds()) / 1000 / float64(max(n, 1)) }
	return ms(s.busy-s.slow, s.n-s.late), ms(s.slow, s.late)
}

// runOp runs one operation; whatever it leaves open is abandoned before the next.
func (r *soakRig) runOp(op soakOp) error {
	err := op.run(r)
	if err != nil {
		_ = r.abandon()
		return err
	}
	if n := len(r.card.till.Current().Lines); n != 0 {
		return fmt.Errorf("left a sale of %d lines open", n)
	}
	return nil
}

// report logs the throughput per operation and how the unusual ones ended.
func (r *soakRig) report(stats map[string]*soakStat, steps int, elapsed, checking time.Duration) {
	total := 0
	for _, st := range stats {
		total += st.n
	}
	r.t.Logf("soak: %d operations in %s: %.2f/s overall; %s of it in the periodic checks", total, elapsed.Round(time.Second),
		float64(total)/elapsed.Seconds(), checking.Round(time.Second))
	r.t.Logf("soak:   %-18s %5s  %8s  %s", "operation", "count", "rate", "ms each: first half -> second half")
	names := slices.SortedFunc(maps.Keys(stats), func(a, b string) int { return cmp.Compare(stats[b].n, stats[a].n) })
	for _, name := range names {
		st := stats[name]
		first, second := st.halves()
		r.t.Logf("soak:   %-18s %5d  %6.2f/s  %7.1f -> %7.1f", name, st.n, float64(st.n)/elapsed.Seconds(), first, second)
	}
	for _, op := range slices.Sorted(maps.Keys(r.outcomes)) {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(r.outcomes[op])) {
			parts = append(parts, fmt.Sprintf("%s %d", k, r.outcomes[op][k]))
		}
		r.t.Logf("soak:   %s outcomes: %s", op, strings.Join(parts, ", "))
	}
	net := make([]string, 0, len(r.model))
	for _, m := range slices.Sorted(maps.Keys(r.model)) {
		net = append(net, fmt.Sprintf("%s %s", m, r.model[m]))
	}
	r.t.Logf("soak: net taken by tender (checked against the journal and the sandboxes): %s; prepaid value sold %s; %d steps",
		strings.Join(net, ", "), r.issued, steps)
}

// writeHeapProfile writes the live heap (after a GC) to path, for go tool pprof.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	return errors.Join(pprof.WriteHeapProfile(f), f.Close())
}

// goroutineDump is every goroutine's stack, for a leak report.
func goroutineDump() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}
