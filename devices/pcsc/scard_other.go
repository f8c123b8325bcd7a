//go:build !(linux && cgo) && !windows

package pcsc

import "time"

type context_ struct{}
type card_ struct{}

func establish() (context_, error)                     { return context_{}, ErrUnsupported }
func (context_) release() error                        { return nil }
func (context_) listReaders() ([]string, error)        { return nil, ErrUnsupported }
func (context_) connect(string) (card_, []byte, error) { return card_{}, nil, ErrUnsupported }
func (card_) transmit([]byte) ([]byte, error)          { return nil, ErrUnsupported }
func (card_) disconnect(bool) error                    { return nil }
func (context_) presence(string, Presence, time.Duration) (Presence, error) {
	return Unknown, ErrUnsupported
}
