//go:build !linux

package dhcp4srv

func openRawSender(ifc *Interface) (rawSender, error) { return nil, errRawUnsupported }
