// Package cardtest joins the EMV kernel (core/emv/kernel) to the devices it runs on
// at the till, for end-to-end tests: the virtual cards of devices/sim/emvcard, held
// straight to the kernel (Direct), or through the real PC/SC stack (pcscd with
// vsmartcard's vpcd) or the serial reader (devices/cardreader/crt over a
// pseudo-terminal); the issuer's side in core/emv/issuer answering online (Issuer);
// and the simulated PIN pad on a pseudo-terminal driven by devices/pinpad, with a
// customer typing the PIN (StartPINPad).
//
// It lives under devices because it needs devices (readers, simulators, the PIN pad)
// and nothing of the app: core/emv/kernel must not import devices, and app's tests
// would drag in every other part of the till. Its tests are the transaction matrix:
// every card profile through every interface it has, over each reader.
package cardtest
