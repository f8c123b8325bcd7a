// Package crt drives serial smart-card readers that speak the command protocol of
// Creator (China) Tech's CRT reader family (创自 CRT-310/CRT-571/CRT-591 style
// readers, and compatible ones sold under other names) on RS-232 or USB CDC: power a
// chip card on and read its ATR, exchange APDUs with it (T=0 or T=1, the reader does
// the transport protocol), ask whether a card is in, and activate an ISO/IEC 14443
// contactless card in the antenna's field and exchange APDUs with it.
//
// Source, public: "QU-TK-F3 Series Communication Protocol", QUIO, version 1.03,
// 2019/1/10 (a card dispenser whose firmware identifies itself as "C571_V1.00", i.e.
// Creator's CRT-571 command set), cited as "F3 manual" with page:
//
//   - p. 4-5: the packet formats. Command: STX(F2H) ADDR LENH LENL 'C' CM PM DATA
//     ETX(03H) BCC; positive response: ... 'P' CM PM st0 st1 st2 DATA ...; negative
//     response: ... 'N' CM PM e1 e0 DATA ...; LEN counts the text ('C'/'P'/'N' to the
//     end of DATA), DATA is 0 to 512 bytes, a packet at most 1024 bytes, BCC is the
//     XOR check byte.
//   - p. 4, 6-7: the exchange. The host sends a command, the reader answers ACK
//     (06H) and later the response, which the host ACKs. A reader that does not ACK
//     within 300 ms gets the command again; a corrupt packet is answered NAK (15H)
//     and sent again; EOT (04H) from the host discontinues a command.
//   - p. 16-19: contact CPU card: 51H 30H cold reset (Vcc 30H: 5 V, EMV mode; the
//     response carries the protocol type, 30H T=0 or 31H T=1, and the ATR), 51H 31H
//     power down, 51H 32H status, 51H 33H/34H APDU by T=0/T=1, 51H 38H warm reset,
//     51H 39H APDU by whichever protocol the card uses; error codes "60" power
//     failure, "62" wrong protocol, "63" no answer in the waiting time, "64" protocol
//     error, "65" card not activated, "69" ATR not EMV-compliant.
//   - p. 13: 31H 30H status inquiry (st0 st1 st2).
//   - p. 35-37, 43: contactless: 60H 30H activate (Set1 Set2 = 'A' '0': type A only;
//     the response gives Rtype 'A', ATQA, UID length, UID, SAK and ATS), 60H 31H
//     deactivate, 60H 32H status, 60H 34H APDU by ISO/IEC 14443-4 type A.
//
// Not in the pages read, and so this package's own choices: BCC covers every byte
// from STX to ETX; st0 reads '0' no card, '1' card at the slot's entrance, '2' card in
// the reading position (the insert readers' meaning); the code a reader gives when no
// contactless card answers is not relied on (any negative answer to an activation
// means "no card in the field").
//
// The package never logs frame contents: they carry APDUs, and so card data.
package crt
