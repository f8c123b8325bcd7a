//go:build !linux

package discovery

import "go.bug.st/serial/enumerator"

// defaultSerialPorts uses go.bug.st/serial's enumerator, with active USB probing when
// probe is set.
func defaultSerialPorts(probe bool) ([]*enumerator.PortDetails, error) {
	if probe {
		return enumerator.GetDetailedPortsList(enumerator.All)
	}
	return enumerator.GetDetailedPortsList()
}
