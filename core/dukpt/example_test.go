package dukpt_test

import (
	"bytes"
	"encoding/hex"
	"fmt"

	"tilldesk/core/dukpt"
	"tilldesk/core/pinblock"
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// A PIN pad with a TDES IPEK encrypts a format 0 PIN block; the host recovers the PIN
// from the BDK and the KSN that came with the block. The data and the result are the
// first transaction of ANSI X9.24-1:2009 A.4.2.
func ExampleTDESOriginator() {
	bdk := [16]byte(mustHex("0123456789ABCDEFFEDCBA9876543210"))
	initialKSN := dukpt.KSN(mustHex("FFFF9876543210E00000"))

	// Injection: the key loading device gives the PIN pad its IPEK.
	ipek := dukpt.DeriveIPEK(bdk, initialKSN)
	pad, _ := dukpt.NewTDESOriginator(ipek, initialKSN)
	clear(ipek[:])

	// PIN pad: one transaction.
	pin := []byte("1234")
	clearBlock, _ := pinblock.EncodeFormat0(pin, "4012345678909")
	ksn, key, _ := pad.Next()
	encrypted := dukpt.EncryptPINBlock(key, clearBlock)
	clear(pin)
	clear(clearBlock[:])
	clear(key[:])
	fmt.Printf("PIN pad sends KSN %s, PIN block %X\n", ksn, encrypted)

	// Host: from the BDK and the KSN back to the PIN.
	hostIPEK := dukpt.DeriveIPEK(bdk, ksn)
	hostKey, _ := dukpt.TransactionKey(hostIPEK, ksn)
	got, _ := pinblock.DecodeFormat0(dukpt.DecryptPINBlock(hostKey, encrypted), "4012345678909")
	fmt.Printf("host reads a %d-digit PIN\n", len(got))
	// Output:
	// PIN pad sends KSN FFFF9876543210E00001, PIN block 1B9C1845EB993A7A
	// host reads a 4-digit PIN
}

// An AES PIN pad enciphers an ISO 9564 format 4 PIN block under the PIN encryption key
// of its first transaction. With the random fill of the ANSI X9.24-3-2017 supplement
// the block is the published one.
func ExampleAESOriginator() {
	bdk := mustHex("FEDCBA9876543210F1F1F1F1F1F1F1F1")
	initialKeyID := [8]byte(mustHex("1234567890123456"))
	ik, _ := dukpt.DeriveAESInitialKey(bdk, initialKeyID)
	pad, _ := dukpt.NewAESOriginator(ik, initialKeyID)
	clear(ik)

	ksn, txnKey, _ := pad.Next()
	pinKey, _ := dukpt.AESWorkingKey(txnKey, ksn, dukpt.UsagePINEncryption, dukpt.AES128)
	randomFill := bytes.NewReader(mustHex("2F69ADDE2E9E7ACE"))
	block, _ := pinblock.EncodeAndEncipherFormat4(pinKey, []byte("1234"), "4111111111111111", randomFill)
	clear(txnKey)
	clear(pinKey)
	fmt.Printf("KSN %s, PIN block %X\n", ksn, block)
	// Output:
	// KSN 123456789012345600000001, PIN block A912150391AB65A67E52883D81CE2D15
}
