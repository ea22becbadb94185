package connectortest

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Golden reads testdata/name of the test's package: the vendor payloads a
// connector's mapping tests run over.
func Golden(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read golden: %v", err)
	}
	return b
}

// Time parses an RFC 3339 time of a test table, in UTC. It panics on a
// malformed value, so a typo in a table fails the test at once.
func Time(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}
