//go:build !linux

package demo

import "syscall"

// childAttr is nil where a child cannot be tied to its parent's life.
func childAttr() *syscall.SysProcAttr { return nil }
