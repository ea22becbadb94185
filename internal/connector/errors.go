package connector

import (
	"errors"
	"fmt"
	"time"
)

// Class is how an error should be handled, decided once by the connector
// so the outbox and the poller never parse vendor messages.
type Class string

// Error classes.
const (
	ClassRetryable   Class = "retryable"
	ClassRateLimited Class = "rate_limited"
	ClassAuth        Class = "auth"
	ClassNotFound    Class = "not_found"
	ClassConflict    Class = "conflict"
	ClassPermanent   Class = "permanent"
)

// Error is a classified vendor error. Message must never carry a secret; the
// HTTP kit redacts known secrets before building one.
type Error struct {
	Class      Class
	Status     int
	Code       string
	Message    string
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	s := string(e.Class)
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// ClassOf returns the class of err, treating unclassified errors (network
// failures, timeouts) as retryable.
func ClassOf(err error) Class {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Class
	}
	return ClassRetryable
}

// RetryAfterOf returns the vendor's requested wait, or zero.
func RetryAfterOf(err error) time.Duration {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.RetryAfter
	}
	return 0
}

// Permanent builds a permanent error, for input the vendor will never accept.
func Permanent(format string, args ...any) error {
	return &Error{Class: ClassPermanent, Message: fmt.Sprintf(format, args...)}
}

// Unsupported is returned when an action asks for a capability the connector
// lacks; the outbox dead-letters it at once.
var Unsupported = &Error{Class: ClassPermanent, Message: "capability not supported by this connector"}
