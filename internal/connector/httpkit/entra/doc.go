// Package entra is the code the Microsoft connectors share on top of
// httpkit: the settings, checks and client of a Microsoft Entra ID app
// registration using the client-credentials grant, its request budget
// shared per app, tenant and API, the Azure Resource Manager defaults and
// its access-pending 403 classification, and the OData and ARM next-link
// names. It lives apart from httpkit so the kit reads the same to every
// vendor's author; a non-Microsoft connector never imports it.
package entra
