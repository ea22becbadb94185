// Package arm is what the Azure Resource Manager front door does for every
// resource provider the emulators play (Defender for Cloud, Sentinel):
// CloudError bodies, the api-version check, case-insensitive path
// segments, routing by provider namespace, per-principal token buckets and
// $skipToken paging.
//
// Errors is the emukit.ErrorWriter for ARM, whose front door answers in the
// same words whichever provider is behind it.
package arm
