// Package emukit is the plumbing every vendor emulator shares: an Entra ID
// style token issuer and bearer-token middleware, fault injection, per-key
// rate limits, a request recorder, OData query helpers, a fake clock and a
// deterministic fake world of hosts and users.
//
// Emulators model the vendor, not our connectors, so emukit never decides a
// vendor's error body: each emulator supplies an ErrorWriter and emukit
// calls it when a request is throttled, unauthorised or failed on purpose.
package emukit
