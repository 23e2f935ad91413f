package reports

import (
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header []string
		rows   [][]string
		want   string
	}{
		{
			name:   "header case kept, left aligned",
			header: []string{"bytes", "x86asm text", "verdict"},
			rows:   [][]string{{"48 01 d8", "add rax, rbx", "match"}, {"f3 0f 1e fa", "", "known x86asm mistake: endbr"}},
			want: `┌─────────────┬──────────────┬─────────────────────────────┐
│ bytes       │ x86asm text  │ verdict                     │
├─────────────┼──────────────┼─────────────────────────────┤
│ 48 01 d8    │ add rax, rbx │ match                       │
│ f3 0f 1e fa │              │ known x86asm mistake: endbr │
└─────────────┴──────────────┴─────────────────────────────┘
`,
		},
		{
			name:   "no rows",
			header: []string{"field", "emulator", "unicorn"},
			want: `┌───────┬──────────┬─────────┐
│ field │ emulator │ unicorn │
└───────┴──────────┴─────────┘
`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := NewTable(tc.header...)
			for _, r := range tc.rows {
				tab.Add(r...)
			}
			var b strings.Builder
			if err := tab.Render(&b); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tc.want)
			}
		})
	}
}

// A long cell must stay on one line: register values are copied from these
// tables.
func TestRenderDoesNotWrap(t *testing.T) {
	long := "0x" + strings.Repeat("f", 32) + " " + strings.Repeat("word ", 40)
	long = strings.TrimSpace(long)
	tab := NewTable("field", "value")
	tab.Add("xmm0", long)
	var b strings.Builder
	if err := tab.Render(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines, want 5 (borders, header, separator, one row):\n%s", len(lines), b.String())
	}
	if !strings.Contains(lines[3], long) {
		t.Errorf("row does not hold the whole cell:\n%s", b.String())
	}
}

func TestRenderRejectsRaggedRows(t *testing.T) {
	tab := NewTable("a", "b")
	tab.Add("1", "2")
	tab.Add("only one")
	var b strings.Builder
	err := tab.Render(&b)
	if err == nil || !strings.Contains(err.Error(), "row 1 has 1 cells") {
		t.Fatalf("err = %v, want a ragged-row error", err)
	}
	if b.Len() != 0 {
		t.Errorf("wrote %q before failing", b.String())
	}
	if tab.Len() != 2 {
		t.Errorf("Len = %d, want 2", tab.Len())
	}
}
