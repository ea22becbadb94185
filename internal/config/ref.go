package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
)

// A secret value may be written in place or, as it should be outside a
// test, as a reference that is resolved when the config is loaded:
//
//	${env:NAME}  the value of the environment variable NAME
//	${file:PATH} the content of the file at PATH, without trailing newlines
//
// The whole value must be the reference; nothing is interpolated into a
// longer string. One syntax serves every secret: the Secret fields of this
// package and every secret setting a connector's spec declares, so a
// config file can be committed and shared while the credentials live in
// the environment, a mounted secret or a file only the service can read.
const (
	envRefPrefix  = "${env:"
	fileRefPrefix = "${file:"
	refSuffix     = "}"
)

// IsSecretRef reports whether v is written as a secret reference.
func IsSecretRef(v string) bool {
	return strings.HasSuffix(v, refSuffix) && (strings.HasPrefix(v, envRefPrefix) || strings.HasPrefix(v, fileRefPrefix))
}

// ResolveSecretRef returns the value a reference points at, or v itself
// when v is not a reference. An unset or empty variable and an empty or
// unreadable file are errors: a credential silently resolved to "" would
// surface much later as a vendor's 401. Errors name the variable or the
// path, never a value.
func ResolveSecretRef(v string) (string, error) {
	switch {
	case !IsSecretRef(v):
		return v, nil
	case strings.HasPrefix(v, envRefPrefix):
		name := strings.TrimSuffix(strings.TrimPrefix(v, envRefPrefix), refSuffix)
		if name == "" {
			return "", errors.New("${env:} names no variable")
		}
		val, ok := os.LookupEnv(name)
		if !ok || val == "" {
			return "", fmt.Errorf("environment variable %s is not set", name)
		}
		return val, nil
	}
	path := strings.TrimSuffix(strings.TrimPrefix(v, fileRefPrefix), refSuffix)
	if path == "" {
		return "", errors.New("${file:} names no file")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read secret file: %w", err)
	}
	// Files written by echo, editors and secret managers often end in a
	// newline that is not part of the credential.
	val := strings.TrimRight(string(b), "\r\n")
	if val == "" {
		return "", fmt.Errorf("secret file %s is empty", path)
	}
	return val, nil
}

// resolveSecretRefs replaces every Secret written as a reference with the
// value it points at, naming the field when that fails.
func (c *Config) resolveSecretRefs() error {
	return walkSecrets(reflect.ValueOf(c).Elem(), "", func(path string, s *Secret) error {
		v, err := ResolveSecretRef(s.Reveal())
		if err != nil {
			return &FieldError{Field: path, Problem: err.Error()}
		}
		*s = NewSecret(v)
		return nil
	})
}
