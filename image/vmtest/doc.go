// Package vmtest holds the tests that boot whole appliance images under
// QEMU: the amd64 image through UEFI with the test NIC on user-mode
// networking and then on a tap device inside a network namespace, a network
// update to the other root partition, and the arm64 image on -M virt. They
// need root (namespaces, tap devices) and QEMU; without them they skip, or
// fail under CI=true. There is no code here besides the tests.
package vmtest
