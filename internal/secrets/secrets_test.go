package secrets

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
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

func TestNewReadsOneKeyALine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		material string
		previous int
		wantErr  string
	}{
		{"a passphrase that is long enough", 0, ""},
		{"a passphrase that is long enough\n", 0, ""},
		{"the new passphrase, long enough\n\nthe old passphrase, long enough\n", 1, ""},
		{"the new passphrase, long enough\nshort", 0, "line 2"},
		{"\n \n", 0, "empty"},
	}
	for _, tt := range tests {
		k, err := New(tt.material)
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("New(%q) = %v, want an error naming %q", tt.material, err, tt.wantErr)
			}
		case err != nil:
			t.Errorf("New(%q): %v", tt.material, err)
		case k.Previous() != tt.previous:
			t.Errorf("New(%q) holds %d previous keys, want %d", tt.material, k.Previous(), tt.previous)
		}
	}
}

// TestRotation is the rotation an operator runs: data sealed with the old
// key reads once the new key is put first, Reseal seals it with the new
// key, and then the old key is no longer needed.
func TestRotation(t *testing.T) {
	t.Parallel()
	const oldKey, newKey = "the old passphrase, long enough", "the new passphrase, long enough"
	old, err := New(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	blob, err := old.Seal([]byte("client-secret-value"), "graph-1")
	if err != nil {
		t.Fatal(err)
	}
	both, err := New(newKey + "\n" + oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := both.Open(blob, "graph-1"); err != nil || string(got) != "client-secret-value" {
		t.Fatalf("Open with the old key second = %q, %v", got, err)
	}
	resealed, changed, err := both.Reseal(blob, "graph-1")
	if err != nil || !changed || bytes.Equal(resealed, blob) {
		t.Fatalf("Reseal = changed %v, %v", changed, err)
	}
	again, changed, err := both.Reseal(resealed, "graph-1")
	if err != nil || changed || !bytes.Equal(again, resealed) {
		t.Fatalf("Reseal of a blob the current key sealed = changed %v, %v; want it as it is", changed, err)
	}
	newOnly, err := New(newKey)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := newOnly.Open(resealed, "graph-1"); err != nil || string(got) != "client-secret-value" {
		t.Fatalf("Open with the new key alone after Reseal = %q, %v", got, err)
	}
	if _, err := newOnly.Open(blob, "graph-1"); !errors.Is(err, ErrNoKey) {
		t.Fatalf("Open of the old blob with the new key alone: %v, want ErrNoKey", err)
	}
	if _, _, err := newOnly.Reseal(blob, "graph-1"); !errors.Is(err, ErrNoKey) {
		t.Fatalf("Reseal of a blob no key opens: %v, want ErrNoKey", err)
	}
}

// TestAddKeyThenDropPrevious rotates a generated key file: a new key goes
// first, the old one stays until DropPrevious, and the file stays
// owner-only throughout.
func TestAddKeyThenDropPrevious(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "secret.key")
	first, err := LoadOrCreate("", file)
	if err != nil {
		t.Fatal(err)
	}
	blob, _ := first.Seal([]byte("x"), "a")
	rotated, err := AddKey(file)
	if err != nil {
		t.Fatal(err)
	}
	reread, err := LoadOrCreate("", file)
	if err != nil || reread.Previous() != 1 || rotated.Previous() != 1 {
		t.Fatalf("after AddKey: %v, previous keys %d", err, rotated.Previous())
	}
	resealed, changed, err := reread.Reseal(blob, "a")
	if err != nil || !changed {
		t.Fatalf("Reseal after AddKey = changed %v, %v", changed, err)
	}
	if err := DropPrevious(file); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v", st.Mode(), err)
	}
	last, err := LoadOrCreate("", file)
	if err != nil || last.Previous() != 0 {
		t.Fatalf("after DropPrevious: %v, previous keys %d", err, last.Previous())
	}
	if got, err := last.Open(resealed, "a"); err != nil || string(got) != "x" {
		t.Fatalf("the resealed blob with the new key alone = %q, %v", got, err)
	}
	if _, err := last.Open(blob, "a"); !errors.Is(err, ErrNoKey) {
		t.Fatalf("the first key was not dropped: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(file))
	if len(entries) != 1 {
		t.Errorf("the key dir holds %d files, want only the key file (no temporary left)", len(entries))
	}
}
