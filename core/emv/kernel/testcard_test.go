package kernel

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"math/big"
	"sync"
	"testing"

	"tilldesk/core/emv/dol"
	"tilldesk/core/emv/tlv"
)

// testCard is a small in-process EMV card for the flow tests: enough of a card to
// answer every command the kernel sends, with real RSA certificates and signatures
// (SDA, DDA, CDA) made from a test CA. Its cryptograms are SHA-1 of the CDOL data
// (the issuer side is not under test here). The project's full virtual cards live
// in devices/sim/emvcard.
type testCard struct {
	aid, pan, track2 []byte
	label            string
	aip              [2]byte
	records          [][]byte // SFI 1 records, each a 70 template's value
	odaRecords       int      // how many of them are signed
	pdol, cdol1      []byte
	cdol2            []byte
	oda              odaMethod
	decide           func(requested byte, first bool) byte // the CID the card returns
	atc              uint16
	lastOnlineATC    int // -1: GET DATA refused
	extAuthSW        StatusWord
	scriptSW         StatusWord
	psePresent       bool
	contactless      bool
	gpoExtra         []tlv.TLV // extra data in a contactless GPO response (qVSDC)
	keys             *testKeys

	pdolData, cdolData []byte
	commands           [][]byte
	issuerScripts      int
}

// testKeys is a CA, issuer and ICC key hierarchy, made once per test binary.
type testKeys struct {
	ca, issuer, icc *rsa.PrivateKey
	capk            CAPK
}

var (
	keysOnce   sync.Once
	sharedKeys *testKeys
)

func getTestKeys(t testing.TB) *testKeys {
	keysOnce.Do(func() {
		gen := func(bits int) *rsa.PrivateKey {
			k, err := rsa.GenerateKey(rand.Reader, bits)
			if err != nil {
				panic(err)
			}
			return k
		}
		k := &testKeys{ca: gen(1408), issuer: gen(1152), icc: gen(1024)}
		k.capk = CAPK{RID: [5]byte{0xA0, 0x00, 0x00, 0x03, 0x33}, Index: 0x57,
			Modulus: k.ca.N.Bytes(), Exponent: big.NewInt(int64(k.ca.E)).Bytes()}
		sharedKeys = k
	})
	return sharedKeys
}

// sign is the raw RSA private operation over the recovered-data format.
func sign(k *rsa.PrivateKey, body []byte, hashExtra ...[]byte) []byte {
	size := k.Size()
	h := sha1.New()
	h.Write(body)
	for _, e := range hashExtra {
		h.Write(e)
	}
	rec := append([]byte{0x6A}, body...)
	rec = append(rec, h.Sum(nil)...)
	rec = append(rec, 0xBC)
	if len(rec) != size {
		panic("recovered data of the wrong size")
	}
	c := new(big.Int).Exp(new(big.Int).SetBytes(rec), k.D, k.N)
	return c.FillBytes(make([]byte, size))
}

func padBB(b []byte, n int) []byte {
	for len(b) < n {
		b = append(b, 0xBB)
	}
	return b
}

// newUnionPayCard is a UnionPay debit card (A000000333010101) with CDA, the CVM list
// online PIN, then signature, then no CVM, and the given ODA method.
func newUnionPayCard(t testing.TB, oda odaMethod) *testCard {
	keys := getTestKeys(t)
	c := &testCard{
		aid: unhexS("A000000333010101"), pan: unhexS("6225880123456789"), label: "UnionPay Debit",
		track2: unhexS("6225880123456789D30122010000000000000F"),
		pdol:   unhexS("9F66049F02069F03069F1A0295055F2A029A039C019F3704"),
		cdol1:  unhexS("9F02069F03069F1A0295055F2A029A039C019F37049F21039F4E14"),
		cdol2:  unhexS("8A0291089F3704"),
		oda:    oda, atc: 0x0010, lastOnlineATC: 0x000E, extAuthSW: SWSuccess, scriptSW: SWSuccess,
		psePresent: true, keys: keys,
		decide: func(requested byte, first bool) byte { return requested },
	}
	c.aip = [2]byte{0x18, 0x00} // cardholder verification, terminal risk management
	switch oda {
	case odaSDA:
		c.aip[0] |= 0x40
	case odaDDA:
		c.aip[0] |= 0x20
	case odaCDA:
		c.aip[0] |= 0x21
	}
	c.aip[0] |= 0x04 // issuer authentication
	plain := tlvBytes(
		tlv.New(0x57, c.track2), tlv.New(0x5F20, []byte("TEST/CARDHOLDER")),
		tlv.New(0x9F1F, []byte("0000")))
	signedRec := tlvBytes(
		tlv.New(0x5A, c.pan), tlv.New(0x5F24, unhexS("301231")), tlv.New(0x5F25, unhexS("200101")),
		tlv.New(0x5F34, []byte{0x01}), tlv.New(0x5F28, []byte{0x01, 0x56}), tlv.New(0x9F07, []byte{0xFF, 0x00}),
		tlv.New(0x9F08, []byte{0x00, 0x30}), tlv.New(0x8C, c.cdol1), tlv.New(0x8D, c.cdol2),
		tlv.New(0x8E, unhexS("000000000000000042031E031F03")),
		tlv.New(0x9F0D, unhexS("D868BC2000")), tlv.New(0x9F0E, unhexS("0010000000")), tlv.New(0x9F0F, unhexS("D868BC9800")),
		tlv.New(0x9F14, []byte{0x03}), tlv.New(0x9F23, []byte{0x09}), tlv.New(0x9F42, []byte{0x01, 0x56}),
		tlv.New(0x9F49, unhexS("9F3704")), tlv.New(0x9F4A, []byte{0x82}))
	c.records = [][]byte{signedRec, plain}
	c.odaRecords = 1
	c.addCertificates()
	return c
}

// addCertificates signs the card's static data and appends the ODA record.
func (c *testCard) addCertificates() {
	if c.oda == odaNone {
		return
	}
	k := c.keys
	static := append(bytes.Clone(c.records[0]), c.aip[:]...)
	nca, ni, nic := k.ca.Size(), k.issuer.Size(), k.icc.Size()
	issuerExp := big.NewInt(int64(k.issuer.E)).Bytes()
	iccExp := big.NewInt(int64(k.icc.E)).Bytes()
	im := k.issuer.N.Bytes()
	body := append([]byte{0x02}, 0x62, 0x25, 0x88, 0xFF, 0x12, 0x30, 0x00, 0x00, 0x01, 0x01, 0x01, byte(ni), byte(len(issuerExp)))
	var issuerRem []byte
	if ni <= nca-36 {
		body = append(body, padBB(bytes.Clone(im), nca-36)...)
	} else {
		body, issuerRem = append(body, im[:nca-36]...), im[nca-36:]
	}
	rec := tlvBytes(tlv.New(0x8F, []byte{k.capk.Index}), tlv.New(0x90, sign(k.ca, body, issuerRem, issuerExp)),
		tlv.New(0x9F32, issuerExp))
	if len(issuerRem) > 0 {
		rec = append(rec, tlvBytes(tlv.New(0x92, issuerRem))...)
	}
	if c.oda == odaSDA {
		ssad := padBB([]byte{0x03, 0x01, 0xDA, 0xC1}, ni-22)
		rec = append(rec, tlvBytes(tlv.New(0x93, sign(k.issuer, ssad, static)))...)
	} else {
		icm := k.icc.N.Bytes()
		panField := padF(c.pan, 10)
		body := append([]byte{0x04}, panField...)
		body = append(body, 0x12, 0x30, 0x00, 0x00, 0x02, 0x01, 0x01, byte(nic), byte(len(iccExp)))
		var iccRem []byte
		if nic <= ni-42 {
			body = append(body, padBB(bytes.Clone(icm), ni-42)...)
		} else {
			body, iccRem = append(body, icm[:ni-42]...), icm[ni-42:]
		}
		rec = append(rec, tlvBytes(tlv.New(0x9F46, sign(k.issuer, body, iccRem, iccExp, static)), tlv.New(0x9F47, iccExp))...)
		if len(iccRem) > 0 {
			rec = append(rec, tlvBytes(tlv.New(0x9F48, iccRem))...)
		}
	}
	c.records = append(c.records, rec)
}

func padF(b []byte, n int) []byte {
	out := bytes.Clone(b)
	for len(out) < n {
		out = append(out, 0xFF)
	}
	return out
}

func tlvBytes(objs ...tlv.TLV) []byte {
	b, err := tlv.Encode(objs...)
	if err != nil {
		panic(err)
	}
	return b
}

func ok(data []byte) []byte { return append(bytes.Clone(data), 0x90, 0x00) }

func swBytes(sw StatusWord) []byte { return []byte{sw.SW1(), sw.SW2()} }

// signDynamic makes a signed dynamic data object over dyn, hashed with the
// terminal's dynamic data.
func (c *testCard) signDynamic(dyn, terminal []byte) []byte {
	n := c.keys.icc.Size()
	body := append([]byte{0x05, 0x01, byte(len(dyn))}, dyn...)
	return sign(c.keys.icc, padBB(body, n-22), terminal)
}

// Transmit answers one command.
func (c *testCard) Transmit(apdu []byte) ([]byte, error) {
	c.commands = append(c.commands, bytes.Clone(apdu))
	if len(apdu) < 4 {
		return swBytes(0x6700), nil
	}
	ins, p1, p2 := apdu[1], apdu[2], apdu[3]
	var data []byte
	if len(apdu) > 5 {
		data = apdu[5 : 5+int(apdu[4])]
	}
	switch {
	case ins == 0xA4:
		return c.selectFile(data, p2), nil
	case ins == 0xB2:
		sfi := p2 >> 3
		if sfi != 1 || p1 < 1 || int(p1) > len(c.records) {
			return swBytes(SWRecordNotFound), nil
		}
		return ok(rawTemplate(0x70, c.records[p1-1])), nil
	case ins == 0xA8:
		c.pdolData = data[2:]
		afl := []byte{0x08, 0x01, byte(len(c.records)), byte(c.odaRecords)}
		if c.oda != odaNone {
			afl = []byte{0x08, 0x01, 0x01, 0x01, 0x08, 0x02, byte(len(c.records)), 0x00}
		}
		if c.contactless {
			objs := append([]tlv.TLV{tlv.New(0x82, c.aip[:]), tlv.New(0x94, afl)}, c.gpoExtra...)
			return ok(tlvBytes(tlv.NewTemplate(0x77, objs...))), nil
		}
		return ok(append(append([]byte{0x80, byte(2 + len(afl))}, c.aip[:]...), afl...)), nil
	case ins == 0xCA:
		switch uint16(p1)<<8 | uint16(p2) {
		case 0x9F36:
			return ok(tlvBytes(tlv.New(0x9F36, []byte{byte(c.atc >> 8), byte(c.atc)}))), nil
		case 0x9F13:
			if c.lastOnlineATC < 0 {
				return swBytes(SWReferenceNotFound), nil
			}
			return ok(tlvBytes(tlv.New(0x9F13, []byte{byte(c.lastOnlineATC >> 8), byte(c.lastOnlineATC)}))), nil
		}
		return swBytes(SWReferenceNotFound), nil
	case ins == 0x88:
		dyn := []byte{0x04, 0x01, 0x02, 0x03, 0x04}
		return ok(tlvBytes(tlv.New(0x80, c.signDynamic(dyn, data)))), nil
	case ins == 0xAE:
		return c.generateAC(p1, data), nil
	case ins == 0x82:
		return swBytes(c.extAuthSW), nil
	case apdu[0]&0x0C == 0x04 || ins == 0x1E || ins == 0x18 || ins == 0xDA:
		c.issuerScripts++
		return swBytes(c.scriptSW), nil
	}
	return swBytes(SWInsNotSupported), nil
}

func (c *testCard) selectFile(name []byte, p2 byte) []byte {
	switch {
	case bytes.Equal(name, pseName) && c.psePresent:
		fci := tlv.NewTemplate(0x6F, tlv.New(0x84, pseName), tlv.NewTemplate(0xA5, tlv.New(0x88, []byte{0x02})))
		return ok(tlvBytes(fci))
	case bytes.Equal(name, ppseName) && c.contactless:
		entry := tlv.NewTemplate(0x61, tlv.New(0x4F, c.aid), tlv.New(0x50, []byte(c.label)), tlv.New(0x87, []byte{0x01}))
		fci := tlv.NewTemplate(0x6F, tlv.New(0x84, ppseName), tlv.NewTemplate(0xA5, tlv.NewTemplate(0xBF0C, entry)))
		return ok(tlvBytes(fci))
	case bytes.Equal(name, c.aid) && p2 == 0:
		a5 := tlv.NewTemplate(0xA5, tlv.New(0x50, []byte(c.label)), tlv.New(0x87, []byte{0x01}), tlv.New(0x9F38, c.pdol))
		return ok(tlvBytes(tlv.NewTemplate(0x6F, tlv.New(0x84, c.aid), a5)))
	}
	return swBytes(SWFileNotFound)
}

// generateAC answers GENERATE AC with the CID its decide function picks, with a
// CDA signature when asked for one (and not declining).
func (c *testCard) generateAC(p1 byte, data []byte) []byte {
	first := len(c.cdolData) == 0
	c.cdolData = append(c.cdolData, data...)
	cid := c.decide(p1&0xC0, first)
	c.atc++
	h := sha1.Sum(data)
	ac := h[:8]
	atc := []byte{byte(c.atc >> 8), byte(c.atc)}
	iad := unhexS("07010103A0A802010A010000000000")
	if p1&0x10 != 0 && cid != CryptogramAAC {
		clear := tlvBytes(tlv.New(0x9F27, []byte{cid}), tlv.New(0x9F36, atc), tlv.New(0x9F10, iad))
		th := sha1.New()
		th.Write(c.pdolData)
		th.Write(c.cdolData)
		th.Write(clear)
		dyn := append([]byte{0x04, 0xAA, 0xBB, 0xCC, 0xDD, cid}, ac...)
		dyn = append(dyn, th.Sum(nil)...)
		sdad := c.signDynamic(dyn, c.unpredictable(data))
		return ok(tlvBytes(tlv.NewTemplate(0x77, tlv.New(0x9F27, []byte{cid}), tlv.New(0x9F36, atc),
			tlv.New(0x9F4B, sdad), tlv.New(0x9F10, iad))))
	}
	body := append([]byte{cid}, atc...)
	body = append(body, ac...)
	body = append(body, iad...)
	return ok(tlvBytes(tlv.New(0x80, body)))
}

// unpredictable finds 9F37 in the CDOL data the card received.
func (c *testCard) unpredictable(data []byte) []byte {
	cdol := c.cdol1
	if len(c.cdolData) > len(data) {
		cdol = c.cdol2
	}
	entries, _ := dol.Parse(cdol)
	off := 0
	for _, e := range entries {
		if e.Tag == 0x9F37 {
			return data[off : off+e.Length]
		}
		off += e.Length
	}
	return nil
}

func decodeAll(b []byte) ([]tlv.TLV, error) { return tlv.Decode(b) }

// rawTemplate encodes a one-byte-tag template around already encoded content.
func rawTemplate(tag byte, content []byte) []byte {
	return append(tlv.AppendLength([]byte{tag}, len(content)), content...)
}
