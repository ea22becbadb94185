// Package procstat reads what this process uses of the machine, for the
// figures the demo and the bench report.
package procstat

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// PeakRSSMB is the process's peak resident set size in MB, from
// /proc/self/status (VmHWM). Where there is no /proc it falls back to the
// memory the Go runtime holds from the system, a lower bound.
func PeakRSSMB() float64 {
	if kb, ok := procStatusKB("VmHWM:"); ok {
		return float64(kb) / 1024
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.Sys) / (1 << 20)
}

func procStatusKB(field string) (int64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), field)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// RSSMB is the process's resident set size now, in MB (VmRSS), or the Go
// runtime's share where there is no /proc.
func RSSMB() float64 {
	if kb, ok := procStatusKB("VmRSS:"); ok {
		return float64(kb) / 1024
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.Sys) / (1 << 20)
}
