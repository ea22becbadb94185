package emukit

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
)

// World is a small fake organisation shared by the emulators' scenario
// generators, so the same hosts, users and files show up in several vendors'
// alerts and cross-vendor correlation can be exercised.
type World struct {
	TenantID string
	Domain   string // e.g. "contoso.com"
	Hosts    []Host
	Users    []User
	Files    []File
	// AttackerIPs are public addresses seen as sources of attacks.
	AttackerIPs []string
}

// Host is a managed device.
type Host struct {
	Name      string // NetBIOS name, e.g. "WS-FIN-0142"
	DNSName   string // fully qualified, lower case
	MachineID string // 40 hex digits, the MDE machine id
	DeviceID  string // GUID, the Entra device id
	OS        string
	OSBuild   int
	IP        string // private address
	RBACGroup string
}

// User is a directory account.
type User struct {
	SAM         string // e.g. "jdoe"
	DisplayName string
	UPN         string
	ObjectID    string // Entra object id (GUID)
	SID         string
	Department  string
}

// File is a binary that alerts refer to.
type File struct {
	Name   string
	Path   string
	SHA1   string
	SHA256 string
	Size   int
	Bad    bool // known-malicious
}

var (
	firstNames  = []string{"Adele", "Alex", "Bianca", "Diego", "Grady", "Henrietta", "Isaiah", "Johanna", "Joni", "Lee", "Lidia", "Lynne", "Megan", "Miriam", "Nestor", "Patti", "Pradeep", "Raul", "Sakura", "Yuki"}
	lastNames   = []string{"Vance", "Wilber", "Lopez", "Archie", "Jacobs", "Gray", "Harris", "Lamb", "Sherman", "Gu", "Holloway", "Robbins", "Bowen", "Hagen", "Wilke", "Fernandez", "Gupta", "Quinn", "Tanaka", "Okafor"}
	departments = []string{"FIN", "HR", "ENG", "OPS", "SALES", "LEGAL", "IT"}
	osNames     = []string{"Windows11", "Windows10", "WindowsServer2022", "WindowsServer2019", "Linux", "macOS"}
	goodFiles   = []string{`C:\Windows\System32\rundll32.exe`, `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `C:\Windows\System32\cmd.exe`, `C:\Windows\System32\mshta.exe`, `C:\Windows\System32\certutil.exe`, `C:\Windows\System32\wmic.exe`}
	badFiles    = []string{`C:\Users\Public\Downloads\invoice_0423.exe`, `C:\ProgramData\svchost32.exe`, `C:\Users\Public\mimikatz.exe`, `C:\Windows\Temp\payload.dll`, `C:\Users\Public\Documents\update.js`, `C:\ProgramData\AnyDesk\AnyDesk.exe`}
)

// NewWorld builds the organisation deterministically from seed.
func NewWorld(seed int64) *World {
	r := NewRand(seed)
	w := &World{TenantID: GUID(r), Domain: "contoso.com"}
	for i := range 24 {
		w.Users = append(w.Users, newUser(r, w.Domain, i))
	}
	for i := range 30 {
		w.Hosts = append(w.Hosts, newHost(r, w.Domain, i))
	}
	for _, p := range goodFiles {
		w.Files = append(w.Files, newFile(r, p, false))
	}
	for _, p := range badFiles {
		w.Files = append(w.Files, newFile(r, p, true))
	}
	for range 12 {
		w.AttackerIPs = append(w.AttackerIPs, fmt.Sprintf("%d.%d.%d.%d", pick(r, []int{45, 91, 103, 185, 194, 203}), r.IntN(256), r.IntN(256), 1+r.IntN(254)))
	}
	return w
}

func newUser(r *rand.Rand, domain string, i int) User {
	first, last := firstNames[i%len(firstNames)], lastNames[(i*7+r.IntN(3))%len(lastNames)]
	sam := strings.ToLower(first[:1] + last)
	if i >= len(firstNames) {
		sam += fmt.Sprint(i)
	}
	return User{
		SAM:         sam,
		DisplayName: first + " " + last,
		UPN:         sam + "@" + domain,
		ObjectID:    GUID(r),
		SID:         fmt.Sprintf("S-1-5-21-%d-%d-%d-%d", 1000000000+r.IntN(99999999), 1000000000+r.IntN(99999999), 1000000000+r.IntN(99999999), 1100+i),
		Department:  pick(r, departments),
	}
}

func newHost(r *rand.Rand, domain string, i int) Host {
	osName := pick(r, osNames)
	prefix := "WS-" + pick(r, departments)
	if strings.HasPrefix(osName, "WindowsServer") || osName == "Linux" {
		prefix = "SRV-" + pick(r, []string{"DC", "SQL", "WEB", "FS", "APP"})
	}
	name := fmt.Sprintf("%s-%04d", prefix, 100+i*37%9000)
	return Host{
		Name:      name,
		DNSName:   strings.ToLower(name) + "." + domain,
		MachineID: HexString(r, 40),
		DeviceID:  GUID(r),
		OS:        osName,
		OSBuild:   pick(r, []int{19045, 22621, 22631, 20348, 17763}),
		IP:        fmt.Sprintf("10.%d.%d.%d", 1+i%4, r.IntN(256), 2+r.IntN(250)),
		RBACGroup: pick(r, []string{"Workstations", "Servers", "Tier0"}),
	}
}

func newFile(r *rand.Rand, path string, bad bool) File {
	salt := HexString(r, 16)
	s1 := sha1.Sum([]byte(path + salt))
	s256 := sha256.Sum256([]byte(path + salt))
	name := path[strings.LastIndexByte(path, '\\')+1:]
	return File{Name: name, Path: path, SHA1: hex.EncodeToString(s1[:]), SHA256: hex.EncodeToString(s256[:]), Size: 20000 + r.IntN(4000000), Bad: bad}
}

// Pick returns a random element of xs drawn from r.
func Pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func pick[T any](r *rand.Rand, xs []T) T { return Pick(r, xs) }

// Dir returns the folder part of a Windows path.
func (f File) Dir() string { return f.Path[:strings.LastIndexByte(f.Path, '\\')] }
