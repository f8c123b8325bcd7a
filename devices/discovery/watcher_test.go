package discovery

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"

	"tilldesk/devices"
)

func TestWatcherDiffs(t *testing.T) {
	com3, com7 := scanner("COM3"), scanner("COM7")
	printer := Device{Kind: KindSerial, Path: "COM4", VID: 0x0416, PID: 0x5011, USB: true}
	hid := Device{Kind: KindHID, Path: "0001:0005:00", VID: 0x05e0, PID: 0x1200, USB: true}
	reserial := scanner("COM3")
	reserial.Serial = "SN9"
	renamed := scanner("COM3")
	renamed.Product = "Scanner v2"
	listErr := errors.New("enumeration failed")

	add := func(d Device) Event { return Event{Kind: Added, Device: d} }
	rm := func(d Device) Event { return Event{Kind: Removed, Device: d} }

	// Steps run in order against one Watcher.
	steps := []struct {
		name   string
		devs   []Device
		err    error
		events []Event
		list   []Device
	}{
		{"first poll reports everything as added", []Device{printer, com3}, nil, []Event{add(com3), add(printer)}, []Device{com3, printer}},
		{"unchanged", []Device{com3, printer}, nil, nil, []Device{com3, printer}},
		{"product string change is no event", []Device{renamed, printer}, nil, nil, []Device{renamed, printer}},
		{"removed", []Device{renamed}, nil, []Event{rm(printer)}, []Device{renamed}},
		{"moved from COM3 to COM7", []Device{com7}, nil, []Event{rm(renamed), add(com7)}, []Device{com7}},
		{"lister error keeps previous list", nil, listErr, nil, []Device{com7}},
		{"partial listing adds but does not remove", []Device{hid}, listErr, []Event{add(hid)}, []Device{hid, com7}},
		{"recovered listing removes", []Device{hid}, nil, []Event{rm(com7)}, []Device{hid}},
		{"other serial on same path is another device", []Device{hid, reserial}, nil, []Event{add(reserial)}, []Device{hid, reserial}},
		{"all gone", nil, nil, []Event{rm(hid), rm(reserial)}, []Device{}},
	}
	lister := &fakeLister{}
	var errs []error
	w := &Watcher{Lister: lister, OnError: func(err error) { errs = append(errs, err) }}
	for _, st := range steps {
		lister.set(st.err, st.devs...)
		events, err := w.Poll()
		if !errors.Is(err, st.err) || (st.err == nil && err != nil) {
			t.Fatalf("%s: Poll error = %v, want %v", st.name, err, st.err)
		}
		if len(events) != 0 || len(st.events) != 0 {
			if !reflect.DeepEqual(events, st.events) {
				t.Fatalf("%s: events =\n%v\nwant\n%v", st.name, events, st.events)
			}
		}
		list, _ := w.List()
		if !reflect.DeepEqual(list, st.list) {
			t.Fatalf("%s: List =\n%v\nwant\n%v", st.name, list, st.list)
		}
	}
	if len(errs) != 2 || !errors.Is(errs[0], listErr) {
		t.Fatalf("OnError got %v, want the two listing errors", errs)
	}
}

func TestWatcherNoLister(t *testing.T) {
	w := &Watcher{}
	if _, err := w.Poll(); !errors.Is(err, devices.ErrBadConfig) {
		t.Fatalf("Poll without Lister = %v, want ErrBadConfig", err)
	}
}

func TestWatcherRunDeliversEventsAndStops(t *testing.T) {
	baseline := runtime.NumGoroutine()
	lister := &fakeLister{}
	lister.set(nil, scanner("COM3"))
	tick := make(chan time.Time)
	var mu sync.Mutex
	var errs []error
	w := &Watcher{Lister: lister, Tick: tick, OnError: func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }}
	events, unsubscribe := w.Subscribe(8)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	next := func() Event {
		t.Helper()
		select {
		case ev := <-events:
			return ev
		case <-time.After(5 * time.Second):
			t.Fatal("no event")
			return Event{}
		}
	}
	if ev := next(); ev.Kind != Added || ev.Device.Path != "COM3" {
		t.Fatalf("first event = %v, want added COM3", ev)
	}
	lister.set(nil, scanner("COM7"))
	tick <- time.Time{}
	if ev := next(); ev.Kind != Removed || ev.Device.Path != "COM3" {
		t.Fatalf("event = %v, want removed COM3", ev)
	}
	if ev := next(); ev.Kind != Added || ev.Device.Path != "COM7" {
		t.Fatalf("event = %v, want added COM7", ev)
	}
	boom := errors.New("boom")
	lister.set(boom)
	tick <- time.Time{}
	tick <- time.Time{} // the second tick is taken only after the first poll is done
	mu.Lock()
	gotErr := len(errs) >= 1 && errors.Is(errs[0], boom)
	mu.Unlock()
	if !gotErr {
		t.Fatalf("OnError not called with the listing error")
	}
	if list, _ := w.List(); len(list) != 1 || list[0].Path != "COM7" {
		t.Fatalf("List after failed polls = %v, want COM7 kept", list)
	}

	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop on cancel")
	}
	unsubscribe()
	unsubscribe() // twice is harmless
	if _, ok := <-events; ok {
		t.Fatal("subscription channel not closed")
	}
	checkGoroutines(t, baseline)
}

func TestWatcherRunStopsWhenTickCloses(t *testing.T) {
	tick := make(chan time.Time)
	w := &Watcher{Lister: &fakeLister{}, Tick: tick}
	close(tick)
	done := make(chan error, 1)
	go func() { done <- w.Run(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop when Tick closed")
	}
}

func TestWatcherRunRealTicker(t *testing.T) {
	baseline := runtime.NumGoroutine()
	lister := &fakeLister{}
	w := &Watcher{Lister: lister, Interval: time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		lister.mu.Lock()
		calls := lister.calls
		lister.mu.Unlock()
		if calls >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d polls", calls)
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v", err)
	}
	checkGoroutines(t, baseline)
}

func TestWatcherSlowSubscriberDoesNotBlock(t *testing.T) {
	lister := &fakeLister{}
	lister.set(nil, scanner("COM1"), scanner("COM2"), scanner("COM3"))
	w := &Watcher{Lister: lister}
	events, unsubscribe := w.Subscribe(1)
	defer unsubscribe()
	got, err := w.Poll() // must not block on the full subscription
	if err != nil || len(got) != 3 {
		t.Fatalf("Poll = %v, %v", got, err)
	}
	if ev := <-events; ev.Device.Path != "COM1" {
		t.Fatalf("buffered event = %v, want the first one", ev)
	}
}
