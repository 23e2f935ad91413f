// Package devices models the twinstep machine's devices (docs/BOOT.md): the
// 16550 UART, the 8042 PS/2 controller with its keyboard, the I/O APIC, the
// local APIC and the debug-exit port. Devices are single-threaded: the
// machine calls them between and during CPU slices, never concurrently.
// Nothing a guest writes makes them panic; odd accesses are ignored or read
// as hardware reads them.
package devices
