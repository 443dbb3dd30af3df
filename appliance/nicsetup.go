package appliance

import "github.com/tcpbox/tcpbox/appliance/nicsetup"

// NIC setup lives in appliance/nicsetup, which the image's init also uses
// (it cannot import this package without the whole stack). These names
// let the program say appliance.SetupNIC.
type (
	NICMode  = nicsetup.Mode
	NICSetup = nicsetup.Config
	NIC      = nicsetup.NIC
)

const (
	NICDedicated = nicsetup.Dedicated
	NICMacvlan   = nicsetup.Macvlan
)

// SetupNIC prepares tcpbox's interface: see nicsetup.Setup.
func SetupNIC(s NICSetup) (*NIC, error) { return nicsetup.Setup(s) }
