// Package entra plays Microsoft Entra ID for the Microsoft emulators: app
// registrations, the v1 and v2 client-credentials token endpoints with
// their AADSTS error bodies, and the opaque tokens every Microsoft API
// emulator validates through emukit.Stack.
package entra
