//go:build windows

package pcsc

import (
	"fmt"
	"syscall"
	"time"
	"unsafe"

	"tilldesk/devices"
)

// WinSCard through winscard.dll, without cgo.
var (
	winscard             = syscall.NewLazyDLL("winscard.dll")
	procEstablishContext = winscard.NewProc("SCardEstablishContext")
	procReleaseContext   = winscard.NewProc("SCardReleaseContext")
	procListReaders      = winscard.NewProc("SCardListReadersW")
	procGetStatusChange  = winscard.NewProc("SCardGetStatusChangeW")
	procConnect          = winscard.NewProc("SCardConnectW")
	procStatus           = winscard.NewProc("SCardStatusW")
	procTransmit         = winscard.NewProc("SCardTransmit")
	procDisconnect       = winscard.NewProc("SCardDisconnect")
	pciT0                = winscard.NewProc("g_rgSCardT0Pci")
	pciT1                = winscard.NewProc("g_rgSCardT1Pci")
)

const (
	scopeSystem      = 2
	shareShared      = 2
	protocolT0       = 1
	protocolT1       = 2
	leaveCard        = 0
	resetCard        = 1
	stateUnaware     = 0x0000
	stateIgnore      = 0x0001
	stateChanged     = 0x0002
	stateUnknown     = 0x0004
	stateUnavailable = 0x0008
	statePresent     = 0x0020
	stateMute        = 0x0200
	maxATR           = 36
	maxResponse      = 65538
)

type readerStateW struct {
	reader       *uint16
	userData     uintptr
	currentState uint32
	eventState   uint32
	atrLen       uint32
	atr          [maxATR]byte
}

type context_ struct{ h uintptr }

type card_ struct {
	h        uintptr
	protocol uint32
}

func call(op string, p *syscall.LazyProc, args ...uintptr) error {
	if err := p.Find(); err != nil {
		return fmt.Errorf("%s: %w (%v)", op, ErrNoService, err)
	}
	rv, _, _ := p.Call(args...)
	return failed(op, uint32(rv), nil)
}

func establish() (context_, error) {
	var h uintptr
	err := call("SCardEstablishContext", procEstablishContext, scopeSystem, 0, 0, uintptr(unsafe.Pointer(&h)))
	return context_{h}, err
}

func (c context_) release() error { return call("SCardReleaseContext", procReleaseContext, c.h) }

func (c context_) listReaders() ([]string, error) {
	var n uint32
	err := call("SCardListReaders", procListReaders, c.h, 0, 0, uintptr(unsafe.Pointer(&n)))
	if err != nil {
		return nil, ignoreNoReaders(err)
	}
	buf := make([]uint16, n)
	if err := call("SCardListReaders", procListReaders, c.h, 0, uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&n))); err != nil {
		return nil, ignoreNoReaders(err)
	}
	var names []string
	start := 0
	for i, r := range buf[:n] {
		if r == 0 {
			if i > start {
				names = append(names, syscall.UTF16ToString(buf[start:i]))
			}
			start = i + 1
		}
	}
	return names, nil
}

// ignoreNoReaders treats "no readers" as an empty list.
func ignoreNoReaders(err error) error {
	if isCode(err, codeNoReadersAvailable) {
		return nil
	}
	return err
}

func presenceOf(state uint32) Presence {
	switch {
	case state&(stateUnknown|stateUnavailable|stateIgnore) != 0:
		return Unknown
	case state&statePresent != 0 && state&stateMute == 0:
		return Present
	}
	return Empty
}

func (c context_) presence(reader string, known Presence, wait time.Duration) (Presence, error) {
	name, err := syscall.UTF16PtrFromString(reader)
	if err != nil {
		return Unknown, err
	}
	st := readerStateW{reader: name, currentState: stateUnaware}
	if err := call("SCardGetStatusChange", procGetStatusChange, c.h, 0, uintptr(unsafe.Pointer(&st)), 1); err != nil {
		return Unknown, err
	}
	if p := presenceOf(st.eventState); p != known {
		return p, nil
	}
	st.currentState = st.eventState &^ stateChanged
	err = call("SCardGetStatusChange", procGetStatusChange, c.h, uintptr(wait.Milliseconds()), uintptr(unsafe.Pointer(&st)), 1)
	if isCode(err, codeTimeout) {
		return known, nil
	}
	if err != nil {
		return Unknown, err
	}
	return presenceOf(st.eventState), nil
}

func (c context_) connect(reader string) (card_, []byte, error) {
	name, err := syscall.UTF16PtrFromString(reader)
	if err != nil {
		return card_{}, nil, err
	}
	var k card_
	if err := call("SCardConnect", procConnect, c.h, uintptr(unsafe.Pointer(name)), shareShared, protocolT0|protocolT1,
		uintptr(unsafe.Pointer(&k.h)), uintptr(unsafe.Pointer(&k.protocol))); err != nil {
		return k, nil, err
	}
	var atr [maxATR]byte
	atrLen := uint32(len(atr))
	var state, protocol, readerLen uint32
	if err := call("SCardStatus", procStatus, k.h, 0, uintptr(unsafe.Pointer(&readerLen)), uintptr(unsafe.Pointer(&state)),
		uintptr(unsafe.Pointer(&protocol)), uintptr(unsafe.Pointer(&atr[0])), uintptr(unsafe.Pointer(&atrLen))); err != nil {
		_ = k.disconnect(false)
		return k, nil, err
	}
	return k, append([]byte(nil), atr[:atrLen]...), nil
}

func (k card_) transmit(apdu []byte) ([]byte, error) {
	if len(apdu) == 0 {
		return nil, fmt.Errorf("empty APDU: %w", devices.ErrProtocol)
	}
	pci := pciT1
	if k.protocol == protocolT0 {
		pci = pciT0
	}
	if err := pci.Find(); err != nil {
		return nil, fmt.Errorf("SCardTransmit: %w (%v)", ErrNoService, err)
	}
	out := make([]byte, maxResponse)
	n := uint32(len(out))
	if err := call("SCardTransmit", procTransmit, k.h, pci.Addr(), uintptr(unsafe.Pointer(&apdu[0])), uintptr(len(apdu)), 0,
		uintptr(unsafe.Pointer(&out[0])), uintptr(unsafe.Pointer(&n))); err != nil {
		return nil, err
	}
	return out[:n], nil
}

func (k card_) disconnect(reset bool) error {
	how := uintptr(leaveCard)
	if reset {
		how = resetCard
	}
	return call("SCardDisconnect", procDisconnect, k.h, how)
}
