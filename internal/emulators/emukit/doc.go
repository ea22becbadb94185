// Package emukit is the plumbing every vendor emulator shares: bearer-token
// middleware over a pluggable TokenIssuer, fault injection, per-key rate
// limits, a request recorder, offset paging, a fake clock and a
// deterministic fake world of hosts and users.
//
// Emulators model the vendor, not our connectors, so emukit never decides a
// vendor's error body: each emulator supplies an ErrorWriter and emukit
// calls it when a request is throttled, unauthorised or failed on purpose.
//
// What only one vendor family shares lives in a sub-package named for it:
// entra for the Entra ID token issuer every Microsoft API trusts, odata for
// the OData query options Graph, Defender for Endpoint and Sentinel accept,
// arm for the Azure Resource Manager front door.
package emukit
