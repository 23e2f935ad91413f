//go:build !(linux && amd64)

package native

// Lengths fails: see Supported.
func (e *Engine) Lengths([]LengthQuery) ([]LengthResult, error) { return nil, Supported() }
