// Package emukit is the plumbing every vendor emulator shares: an Entra ID
// style token issuer and bearer-token middleware, fault injection, per-key
// rate limits, a request recorder, OData query helpers, a fake clock and a
// deterministic fake world of hosts and users. For the Azure Resource
// Manager providers (Defender for Cloud, Sentinel) it also holds what the
// ARM front door does for all of them: CloudError bodies, the api-version
// check, case-insensitive path segments, per-principal token buckets and
// $skipToken paging.
//
// Emulators model the vendor, not our connectors, so emukit never decides a
// vendor's error body: each emulator supplies an ErrorWriter and emukit
// calls it when a request is throttled, unauthorised or failed on purpose.
// ARMErrors is that writer for ARM, whose front door answers in the same
// words whichever provider is behind it.
package emukit
