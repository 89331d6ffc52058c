package option

// SubOption4 returns the data of the first sub-option with code in a DHCPv4
// option payload made of one-byte code / one-byte length sub-options, such
// as the relay agent information option (82) or an encapsulated space. ok
// is false when there is no such sub-option or the payload is truncated
// before it ends. Pad (0) is not special in these spaces.
func SubOption4(payload []byte, code uint8) (data []byte, ok bool) {
	for len(payload) >= 2 {
		c, n := payload[0], int(payload[1])
		if len(payload) < 2+n {
			return nil, false
		}
		if c == code {
			return payload[2 : 2+n], true
		}
		payload = payload[2+n:]
	}
	return nil, false
}
