package arch

import "fmt"

// A field is one named, fixed-width part of State. The field list below is the
// single description of the state's layout: the JSON form, the binary form and
// the differ all walk it, so a register added here is serialized and compared
// everywhere at once.
type field struct {
	Name  string
	Width int // bytes: 1, 2, 4, 8, 10 or 16
	get   func(*State) []byte
}

// Field is the exported view of a field: its stable name and width.
type Field struct {
	Name  string
	Width int
}

var (
	fields       []field
	fieldOffsets []int // where each field lies in a State's memory (Raw)
)

// Fields lists the state's fields in their stable order.
func Fields() []Field {
	out := make([]Field, len(fields))
	for i, f := range fields {
		out[i] = Field{f.Name, f.Width}
	}
	return out
}

func init() {
	for i := range 16 {
		addU64(RegNames64[i], func(s *State) *uint64 { return &s.GPR[i] })
	}
	addU64("rip", func(s *State) *uint64 { return &s.RIP })
	addU64("rflags", func(s *State) *uint64 { return &s.RFLAGS })
	for i := range 6 {
		n := SegNames[i]
		addSegment(n, func(s *State) *Segment { return &s.Seg[i] })
	}
	addU64("kernel_gs_base", func(s *State) *uint64 { return &s.KernelGSBase })
	for i := range 16 {
		fields = append(fields, field{fmt.Sprintf("xmm%d", i), 16, func(s *State) []byte { return vecBytes(&s.XMM[i]) }})
	}
	addU32("mxcsr", func(s *State) *uint32 { return &s.MXCSR })
	addU16("fcw", func(s *State) *uint16 { return &s.X87.FCW })
	addU16("fsw", func(s *State) *uint16 { return &s.X87.FSW })
	addU8("ftw", func(s *State) *uint8 { return &s.X87.FTW })
	addU16("fop", func(s *State) *uint16 { return &s.X87.FOP })
	addU64("fip", func(s *State) *uint64 { return &s.X87.FIP })
	addU64("fdp", func(s *State) *uint64 { return &s.X87.FDP })
	for i := range 8 {
		fields = append(fields, field{fmt.Sprintf("st%d", i), 10, func(s *State) []byte { return s.X87.ST[i][:] }})
	}
	addU64("cr0", func(s *State) *uint64 { return &s.CR0 })
	addU64("cr2", func(s *State) *uint64 { return &s.CR2 })
	addU64("cr3", func(s *State) *uint64 { return &s.CR3 })
	addU64("cr4", func(s *State) *uint64 { return &s.CR4 })
	addU64("cr8", func(s *State) *uint64 { return &s.CR8 })
	addU64("efer", func(s *State) *uint64 { return &s.EFER })
	addU64("star", func(s *State) *uint64 { return &s.MSR.STAR })
	addU64("lstar", func(s *State) *uint64 { return &s.MSR.LSTAR })
	addU64("cstar", func(s *State) *uint64 { return &s.MSR.CSTAR })
	addU64("sfmask", func(s *State) *uint64 { return &s.MSR.SFMASK })
	addU64("tsc_aux", func(s *State) *uint64 { return &s.MSR.TSCAux })
	addU64("apic_base", func(s *State) *uint64 { return &s.MSR.APICBase })
	addU64("pat", func(s *State) *uint64 { return &s.MSR.PAT })
	addU64("tsc", func(s *State) *uint64 { return &s.MSR.TSC })
	addU64("gdtr.base", func(s *State) *uint64 { return &s.GDTR.Base })
	addU16("gdtr.limit", func(s *State) *uint16 { return &s.GDTR.Limit })
	addU64("idtr.base", func(s *State) *uint64 { return &s.IDTR.Base })
	addU16("idtr.limit", func(s *State) *uint16 { return &s.IDTR.Limit })
	addSegment("ldtr", func(s *State) *Segment { return &s.LDTR })
	addSegment("tr", func(s *State) *Segment { return &s.TR })
	addU8("cpl", func(s *State) *uint8 { return &s.CPL })
	fieldOffsets = offsetsOf()
}

func addSegment(name string, seg func(*State) *Segment) {
	addU16(name+".sel", func(s *State) *uint16 { return &seg(s).Selector })
	addU64(name+".base", func(s *State) *uint64 { return &seg(s).Base })
	addU32(name+".limit", func(s *State) *uint32 { return &seg(s).Limit })
	addU16(name+".attr", func(s *State) *uint16 { return &seg(s).Attr })
}

func addU64(name string, p func(*State) *uint64) {
	fields = append(fields, field{name, 8, func(s *State) []byte { return u64Bytes(p(s)) }})
}

func addU32(name string, p func(*State) *uint32) {
	fields = append(fields, field{name, 4, func(s *State) []byte { return u32Bytes(p(s)) }})
}

func addU16(name string, p func(*State) *uint16) {
	fields = append(fields, field{name, 2, func(s *State) []byte { return u16Bytes(p(s)) }})
}

func addU8(name string, p func(*State) *uint8) {
	fields = append(fields, field{name, 1, func(s *State) []byte { return u8Bytes(p(s)) }})
}
