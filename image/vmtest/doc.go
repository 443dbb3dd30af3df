// Package vmtest holds the tests that boot whole appliance images under
// QEMU and check them from outside, as a user would:
//
//   - TestAmd64 (UEFI through OVMF and systemd-boot): gokrazy's page on 80
//     and tcpbox's admin page on 8080 of the management address, both
//     with authentication; UDP, TCP and framed echo and a 64 MiB HTTP
//     PUT/GET (SHA-256 checked both ways) on tcpbox's own address through
//     QEMU's user-mode networking; a configuration change through the admin
//     API that survives a reboot and a network update to the other root
//     partition; /perm clean afterwards.
//   - TestTapInNamespace (-kernel): tcpbox's NIC on a tap device in a
//     network namespace, reached by the kernel there at layer 2 (arping,
//     ping, UDP, TCP and framed echo).
//   - TestArm64 (qemu-system-aarch64 -M virt, UEFI through AAVMF and the
//     image's systemd-bootaa64; -kernel when hack/fetch-efi-arm64.sh was
//     not run, a failure under CI=true): DHCP from tcpbox's own client,
//     UDP and TCP echo.
//   - TestMacvlanShared: the Raspberry Pi's layout (one NIC, tcpbox on a
//     macvlan child) on amd64.
//
// Each prints the time from QEMU's start to "tcpbox: ready". They need
// root (namespaces, tap devices) and QEMU; without them they skip, or fail
// under CI=true. There is no code here besides the tests.
package vmtest
