package emukit

import (
	crand "crypto/rand"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
)

// NewRand returns a deterministic generator for seed, so a scenario or a
// fault sequence replays identically.
func NewRand(seed int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))
}

// GUID returns a random RFC 4122 version 4 GUID drawn from r.
func GUID(r *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// HexString returns n random lowercase hex digits drawn from r.
func HexString(r *rand.Rand, n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[r.IntN(16)]
	}
	return string(b)
}

// OpaqueToken returns an unguessable token; it uses crypto/rand because a
// token must not be predictable even in a seeded emulator.
func OpaqueToken() string {
	b := make([]byte, 32)
	_, _ = crand.Read(b) // crypto/rand.Read never fails on supported platforms
	return "emu." + base64.RawURLEncoding.EncodeToString(b)
}

// RequestID returns a random GUID for request-id and correlation fields.
func RequestID() string {
	b := make([]byte, 16)
	_, _ = crand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
