//go:build linux && cgo

package pcsc

// #cgo pkg-config: libpcsclite
// #include <stdlib.h>
// #include <string.h>
// #include <winscard.h>
// #include <reader.h>
//
// static const SCARD_IO_REQUEST *pci_for(DWORD protocol) {
//     return protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
// }
import "C"

import (
	"bytes"
	"fmt"
	"time"
	"unsafe"

	"tilldesk/devices"
)

type context_ struct{ h C.SCARDCONTEXT }

type card_ struct {
	h        C.SCARDHANDLE
	protocol C.DWORD
}

// scardError wraps a failed PC/SC call's code, named as pcsc-lite names it.
func scardError(op string, rv C.LONG) error {
	return failed(op, uint32(rv), func() string { return C.GoString(C.pcsc_stringify_error(rv)) })
}

func establish() (context_, error) {
	var h C.SCARDCONTEXT
	rv := C.SCardEstablishContext(C.SCARD_SCOPE_SYSTEM, nil, nil, &h)
	return context_{h}, scardError("SCardEstablishContext", rv)
}

func (c context_) release() error {
	return scardError("SCardReleaseContext", C.SCardReleaseContext(c.h))
}

func (c context_) listReaders() ([]string, error) {
	var n C.DWORD
	rv := C.SCardListReaders(c.h, nil, nil, &n)
	if uint32(rv) == codeNoReadersAvailable {
		return nil, nil
	}
	if err := scardError("SCardListReaders", rv); err != nil {
		return nil, err
	}
	buf := make([]byte, n)
	rv = C.SCardListReaders(c.h, nil, (*C.char)(unsafe.Pointer(&buf[0])), &n)
	if uint32(rv) == codeNoReadersAvailable {
		return nil, nil
	}
	if err := scardError("SCardListReaders", rv); err != nil {
		return nil, err
	}
	var names []string
	for _, name := range bytes.Split(buf[:n], []byte{0}) {
		if len(name) > 0 {
			names = append(names, string(name))
		}
	}
	return names, nil
}

func presenceOf(state C.DWORD) Presence {
	switch {
	case state&(C.SCARD_STATE_UNKNOWN|C.SCARD_STATE_UNAVAILABLE|C.SCARD_STATE_IGNORE) != 0:
		return Unknown
	case state&C.SCARD_STATE_PRESENT != 0 && state&C.SCARD_STATE_MUTE == 0:
		return Present
	}
	return Empty
}

// presence waits up to wait for reader's state to differ from known.
func (c context_) presence(reader string, known Presence, wait time.Duration) (Presence, error) {
	name := C.CString(reader)
	defer C.free(unsafe.Pointer(name))
	st := (*C.SCARD_READERSTATE)(C.calloc(1, C.sizeof_SCARD_READERSTATE))
	defer C.free(unsafe.Pointer(st))
	st.szReader = name
	st.dwCurrentState = C.SCARD_STATE_UNAWARE
	rv := C.SCardGetStatusChange(c.h, 0, st, 1) // the state now
	if err := scardError("SCardGetStatusChange", rv); err != nil {
		return Unknown, err
	}
	if p := presenceOf(st.dwEventState); p != known {
		return p, nil
	}
	st.dwCurrentState = st.dwEventState &^ C.SCARD_STATE_CHANGED
	rv = C.SCardGetStatusChange(c.h, C.DWORD(wait.Milliseconds()), st, 1)
	if uint32(rv) == codeTimeout {
		return known, nil
	}
	if err := scardError("SCardGetStatusChange", rv); err != nil {
		return Unknown, err
	}
	return presenceOf(st.dwEventState), nil
}

func (c context_) connect(reader string) (card_, []byte, error) {
	name := C.CString(reader)
	defer C.free(unsafe.Pointer(name))
	var k card_
	rv := C.SCardConnect(c.h, name, C.SCARD_SHARE_SHARED, C.SCARD_PROTOCOL_T0|C.SCARD_PROTOCOL_T1, &k.h, &k.protocol)
	if err := scardError("SCardConnect", rv); err != nil {
		return k, nil, err
	}
	var atr [C.MAX_ATR_SIZE]byte
	atrLen := C.DWORD(len(atr))
	var state, protocol C.DWORD
	var readerLen C.DWORD
	rv = C.SCardStatus(k.h, nil, &readerLen, &state, &protocol, (*C.uchar)(&atr[0]), &atrLen)
	if err := scardError("SCardStatus", rv); err != nil {
		_ = k.disconnect(false)
		return k, nil, err
	}
	return k, append([]byte(nil), atr[:atrLen]...), nil
}

func (k card_) transmit(apdu []byte) ([]byte, error) {
	if len(apdu) == 0 {
		return nil, fmt.Errorf("empty APDU: %w", devices.ErrProtocol)
	}
	in := C.CBytes(apdu)
	defer C.free(in)
	out := (*C.uchar)(C.malloc(C.MAX_BUFFER_SIZE_EXTENDED))
	defer C.free(unsafe.Pointer(out))
	n := C.DWORD(C.MAX_BUFFER_SIZE_EXTENDED)
	rv := C.SCardTransmit(k.h, C.pci_for(k.protocol), (*C.uchar)(in), C.DWORD(len(apdu)), nil, out, &n)
	if err := scardError("SCardTransmit", rv); err != nil {
		return nil, err
	}
	return C.GoBytes(unsafe.Pointer(out), C.int(n)), nil
}

func (k card_) disconnect(reset bool) error {
	how := C.DWORD(C.SCARD_LEAVE_CARD)
	if reset {
		how = C.SCARD_RESET_CARD
	}
	return scardError("SCardDisconnect", C.SCardDisconnect(k.h, how))
}
