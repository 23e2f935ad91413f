// Package reports renders the harness's findings for people. table.go is the
// one terminal-table mechanism: the CLI's step, decode and coverage tables
// and the lockstep summary all go through it, so they look alike and a
// change of style happens in one place.
package reports

import (
	"fmt"
	"io"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// Table is a header and rows of text cells.
type Table struct {
	Header []string
	Rows   [][]string
}

// NewTable returns an empty table with the given column names.
func NewTable(header ...string) *Table { return &Table{Header: header} }

// Add appends a row. A row with the wrong number of cells is a programming
// error, reported by Render rather than silently padded.
func (t *Table) Add(cells ...string) { t.Rows = append(t.Rows, cells) }

// Len is the number of rows.
func (t *Table) Len() int { return len(t.Rows) }

// Render writes the table. Cells are printed exactly as given: headers keep
// their case (tablewriter upper-cases them by default, which would turn
// "x86asm" into "X86ASM") and long cells are never wrapped, so a value such
// as a 128-bit register stays on one line where it can be copied.
func (t *Table) Render(w io.Writer) error {
	for i, r := range t.Rows {
		if len(r) != len(t.Header) {
			return fmt.Errorf("reports: row %d has %d cells, the header %d", i, len(r), len(t.Header))
		}
	}
	tab := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
	)
	tab.Header(anySlice(t.Header)...)
	for _, r := range t.Rows {
		if err := tab.Append(r); err != nil {
			return fmt.Errorf("reports: %w", err)
		}
	}
	if err := tab.Render(); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}

func anySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
