package secrets

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestSealOpen(t *testing.T) {
	t.Parallel()
	k, err := New("a passphrase that is long enough")
	if err != nil {
		t.Fatal(err)
	}
	blob, err := k.Seal([]byte("client-secret-value"), "graph-1")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(blob, []byte("client-secret-value")) {
		t.Fatal("ciphertext contains plaintext")
	}
	got, err := k.Open(blob, "graph-1")
	if err != nil || string(got) != "client-secret-value" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := k.Open(blob, "other-row"); err == nil {
		t.Fatal("blob opened with another row's aad")
	}
	other, _ := New("another passphrase, also long")
	if _, err := other.Open(blob, "graph-1"); err == nil {
		t.Fatal("blob opened with another key")
	}
}

func TestLoadOrCreate(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "keys", "secret.key")
	k1, err := LoadOrCreate("", file)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v", st.Mode(), err)
	}
	blob, _ := k1.Seal([]byte("x"), "a")
	k2, err := LoadOrCreate("", file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k2.Open(blob, "a"); err != nil {
		t.Fatal("reloaded key cannot open:", err)
	}
	if _, err := New("short"); err == nil {
		t.Fatal("short key accepted")
	}
}
