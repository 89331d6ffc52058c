package d2client

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFQDN4Codec(t *testing.T) {
	tests := []struct {
		name string
		wire []byte
		opt  FQDN4
	}{
		{"canonical full", append([]byte{0x05, 0, 0}, "\x06myhost\x07example\x03com\x00"...),
			FQDN4{Flags: FlagS | FlagE4, Name: "myhost.example.com"}},
		{"canonical partial", append([]byte{0x04, 0, 0}, "\x06myhost"...),
			FQDN4{Flags: FlagE4, Name: "myhost", Partial: true}},
		{"canonical empty", []byte{0x04, 0, 0},
			FQDN4{Flags: FlagE4, Partial: true}},
		{"canonical root", []byte{0x04, 0, 0, 0},
			FQDN4{Flags: FlagE4}},
		{"ascii full", append([]byte{0x01, 0, 0}, "myhost.example.com."...),
			FQDN4{Flags: FlagS, Name: "myhost.example.com"}},
		{"ascii partial", append([]byte{0x08, 255, 255}, "myhost"...),
			FQDN4{Flags: FlagN4, RCode1: 255, RCode2: 255, Name: "myhost", Partial: true}},
		{"ascii empty", []byte{0, 0, 0}, FQDN4{Partial: true}},
		{"escaped dot in a label", append([]byte{0x04, 0, 0}, "\x03a.b\x03com\x00"...),
			FQDN4{Flags: FlagE4, Name: `a\.b.com`}},
		{"binary label", append([]byte{0x04, 0, 0}, "\x02\x00\xff\x00"...),
			FQDN4{Flags: FlagE4, Name: `\000\255`}},
		{"must-be-zero bits kept", append([]byte{0xf4, 1, 2}, "\x01a"...),
			FQDN4{Flags: 0xf4, RCode1: 1, RCode2: 2, Name: "a", Partial: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got FQDN4
			require.NoError(t, got.UnmarshalBinary(tt.wire))
			require.Equal(t, tt.opt, got)
			b, err := tt.opt.MarshalBinary()
			require.NoError(t, err)
			require.Equal(t, tt.wire, b)
		})
	}
}

func TestFQDN4Errors(t *testing.T) {
	bad := [][]byte{
		nil, {0}, {0, 0},
		append([]byte{0x04, 0, 0}, "\x06myho"...),                        // label runs past the end
		append([]byte{0x04, 0, 0}, "\x01a\x00\x01b"...),                  // data after the root label
		append([]byte{0x04, 0, 0}, 0xc0, 0x0c),                           // compression pointer
		append([]byte{0x04, 0, 0, 64}, bytes.Repeat([]byte{'a'}, 64)...), // label over 63
		append([]byte{0x00, 0, 0}, "a..b"...),                            // ASCII empty label
		append([]byte{0x00, 0, 0}, ".a"...),                              // ASCII leading dot
		append([]byte{0x00, 0, 0}, `a\`...),                              // ASCII bad escape
		append([]byte{0x00, 0, 0}, `a\25`...),                            // ASCII short \DDD
		append([]byte{0x00, 0, 0}, `a\256`...),                           // ASCII \DDD > 255
	}
	long := []byte{0x04, 0, 0}
	for i := 0; i < 5; i++ {
		long = append(long, 63)
		long = append(long, bytes.Repeat([]byte{'x'}, 63)...)
	}
	bad = append(bad, long)
	for i, b := range bad {
		var f FQDN4
		require.Error(t, f.UnmarshalBinary(b), "case %d", i)
	}
}

func TestFQDN6Codec(t *testing.T) {
	tests := []struct {
		name string
		wire []byte
		opt  FQDN6
	}{
		{"full", append([]byte{0x01}, "\x04host\x07example\x03org\x00"...), FQDN6{Flags: FlagS, Name: "host.example.org"}},
		{"partial", append([]byte{0x04}, "\x04host"...), FQDN6{Flags: FlagN6, Name: "host", Partial: true}},
		{"empty", []byte{0}, FQDN6{Partial: true}},
		{"root", []byte{0, 0}, FQDN6{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got FQDN6
			require.NoError(t, got.UnmarshalBinary(tt.wire))
			require.Equal(t, tt.opt, got)
			b, err := tt.opt.MarshalBinary()
			require.NoError(t, err)
			require.Equal(t, tt.wire, b)
		})
	}
	var f FQDN6
	require.ErrorIs(t, f.UnmarshalBinary(nil), ErrShortOption)
	require.ErrorIs(t, f.UnmarshalBinary([]byte{0, 3, 'a'}), ErrInvalidName)
}

func TestFQDNValidate(t *testing.T) {
	require.ErrorIs(t, (&FQDN4{Flags: FlagS | FlagN4}).Validate(), ErrInvalidFlags)
	require.ErrorIs(t, (&FQDN4{Flags: 0x10}).Validate(), ErrInvalidFlags)
	require.NoError(t, (&FQDN4{Flags: FlagS | FlagO | FlagE4}).Validate())
	require.ErrorIs(t, (&FQDN6{Flags: FlagS | FlagN6}).Validate(), ErrInvalidFlags)
	require.ErrorIs(t, (&FQDN6{Flags: 0x08}).Validate(), ErrInvalidFlags)
	require.ErrorIs(t, (&FQDN6{Name: "a..b"}).Validate(), ErrInvalidName)
	f := FQDN4{Name: "host.example.org", Partial: false}
	require.Equal(t, "host.example.org.", f.FQDN())
	f.Partial = true
	require.Equal(t, "host.example.org", f.FQDN())
	// A trailing dot on Name does not change the encoding: Partial decides.
	g := FQDN6{Name: "host.", Partial: true}
	b, err := g.MarshalBinary()
	require.NoError(t, err)
	require.Equal(t, []byte("\x00\x04host"), b)
}

func FuzzFQDN4(f *testing.F) {
	f.Add([]byte("\x05\x00\x00\x06myhost\x07example\x03com\x00"))
	f.Add([]byte("\x04\x00\x00\x06myhost"))
	f.Add([]byte("\x00\x00\x00myhost.example.com."))
	f.Add([]byte("\x00\x00\x00a\\.b\\255."))
	f.Add([]byte("\x04\x00\x00\x03a.b\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var a FQDN4
		if a.UnmarshalBinary(b) != nil {
			return
		}
		_ = a.Validate()
		w, err := a.MarshalBinary()
		if err != nil {
			t.Fatalf("decoded %+v does not encode: %v", a, err)
		}
		var c FQDN4
		if err := c.UnmarshalBinary(w); err != nil {
			t.Fatalf("re-decode of %x: %v", w, err)
		}
		if a != c {
			t.Fatalf("unstable: %+v then %+v", a, c)
		}
		w2, _ := c.MarshalBinary()
		if !bytes.Equal(w, w2) {
			t.Fatalf("unstable encoding %x then %x", w, w2)
		}
	})
}

func FuzzFQDN6(f *testing.F) {
	f.Add([]byte("\x01\x04host\x07example\x03org\x00"))
	f.Add([]byte("\x04\x04host"))
	f.Add([]byte("\x00"))
	f.Add([]byte("\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var a FQDN6
		if a.UnmarshalBinary(b) != nil {
			return
		}
		_ = a.Validate()
		w, err := a.MarshalBinary()
		if err != nil {
			t.Fatalf("decoded %+v does not encode: %v", a, err)
		}
		if !bytes.Equal(w, b) {
			t.Fatalf("wire not preserved: %x then %x", b, w)
		}
		var c FQDN6
		if err := c.UnmarshalBinary(w); err != nil || a != c {
			t.Fatalf("unstable: %+v then %+v (%v)", a, c, err)
		}
	})
}
