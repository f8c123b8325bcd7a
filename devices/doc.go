// Package devices will hold the hardware adapters (serial, USB HID, PC/SC, keyboard
// wedge; scanners, PIN pads, card readers, receipt printers) behind small interfaces
// that app declares, and simulators that speak the same protocols over
// pseudo-terminals. The walking skeleton takes cash only and has no device yet; until
// the device layer lands, a keyboard-wedge scanner types into the cashier screen's scan
// field, which always has focus.
package devices
