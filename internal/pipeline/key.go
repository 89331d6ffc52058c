package pipeline

// FNV-1a, 64 bit. Keys only pick a worker, so any fast, allocation-free hash
// with a good spread of the low bits will do.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// Key hashes b (a client identity: a hardware address, a client-id, a DUID)
// into a dispatch key. It does not allocate.
func Key(b []byte) uint64 {
	return KeyAdd(fnvOffset, b)
}

// KeyAdd mixes b into the key h, so a key can be built from several parts
// (a type byte and an identifier) without concatenating them.
func KeyAdd(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

// KeyByte mixes one byte into h.
func KeyByte(h uint64, c byte) uint64 {
	h ^= uint64(c)
	h *= fnvPrime
	return h
}

// Mix finalizes a key so that its low bits (those that pick the worker)
// depend on every input byte.
func Mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}
