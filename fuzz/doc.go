// Package fuzz holds the go test -fuzz targets that compare the emulator with
// its oracles.
package fuzz
