package demo

import "syscall"

// childAttr makes a replica die with the chaos run, so an interrupted
// run leaves no server behind.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
