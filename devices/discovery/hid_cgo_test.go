//go:build cgo

package discovery

import (
	"reflect"
	"testing"

	"github.com/karalabe/usb"
)

func TestFromHIDInfos(t *testing.T) {
	got := fromHIDInfos([]usb.DeviceInfo{
		{Path: "0001:0007:01", VendorID: 0x05e0, ProductID: 0x1200, Serial: "S2", Product: "POS Scanner", Manufacturer: "Zebra", Interface: 1},
		{Path: ""},
		{Path: "0001:0007:00", VendorID: 0x05e0, ProductID: 0x1200, Serial: "S2", Interface: 0},
	})
	want := []Device{
		{Kind: KindHID, Path: "0001:0007:00", VID: 0x05e0, PID: 0x1200, Serial: "S2", USB: true},
		{Kind: KindHID, Path: "0001:0007:01", VID: 0x05e0, PID: 0x1200, Serial: "S2", Product: "POS Scanner", Manufacturer: "Zebra", USB: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("fromHIDInfos =\n%+v\nwant\n%+v", got, want)
	}
}
