package classify

import "net/netip"

// Field names a fixed header field of a packet (Kea's pkt4.*, pkt6.* and
// relay6[n].* fields).
type Field uint8

// Header fields. Kea's encodings, which AppendField must produce: MAC is
// chaddr's first hlen bytes; HLen, HType, MsgType4, TransID4, MsgType6 and
// TransID6 are 4-byte big-endian integers; the addresses are 4 bytes.
const (
	FieldMAC      Field = iota + 1 // pkt4.mac
	FieldHLen                      // pkt4.hlen
	FieldHType                     // pkt4.htype
	FieldCiaddr                    // pkt4.ciaddr
	FieldGiaddr                    // pkt4.giaddr
	FieldYiaddr                    // pkt4.yiaddr
	FieldSiaddr                    // pkt4.siaddr
	FieldMsgType4                  // pkt4.msgtype (option 53, 0 when absent)
	FieldTransID4                  // pkt4.transid
	FieldMsgType6                  // pkt6.msgtype
	FieldTransID6                  // pkt6.transid (3 bytes in a 4-byte integer)
)

// Packet is the view of a received packet that expressions read. The
// servers implement it (see Packet4 and Packet6 for adapters of
// insomniacslk's messages).
//
// An expression calls the methods of one Packet from the goroutine that
// called Eval; implementations need not be safe for concurrent use. Slices
// returned must stay valid and unmodified during Eval.
type Packet interface {
	// Option returns the data of the top-level option code of the client
	// message (for DHCPv6, the innermost, decapsulated message).
	Option(code uint16) (data []byte, ok bool)
	// AppendField appends the field's value, encoded as Kea encodes it
	// (see Field), to dst. ok is false when the field does not apply to
	// the packet's family.
	AppendField(dst []byte, f Field) (out []byte, ok bool)
	// Relay6Count is the number of DHCPv6 relay encapsulations (0 for a
	// direct message and for DHCPv4).
	Relay6Count() int
	// Relay6Option returns an option of the relay encapsulation nest,
	// 0 being the outermost one (the relay closest to the server).
	Relay6Option(nest int, code uint16) (data []byte, ok bool)
	// Relay6Addrs returns the peer and link addresses of relay nest.
	Relay6Addrs(nest int) (peer, link netip.Addr)
	// Member reports whether the packet is already in the class.
	Member(class string) bool
	// Iface is the name of the interface the packet came in on.
	Iface() string
	// Src and Dst are the source and destination addresses of the
	// datagram.
	Src() netip.Addr
	Dst() netip.Addr
	// Len is the length of the received datagram (UDP payload).
	Len() int
}
