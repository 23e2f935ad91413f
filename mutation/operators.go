// Package mutation plants one realistic bug at a time in the emulator's
// semantic code (emulator/cpu, emulator/decoder) and runs the project's
// checks against each, cheapest first, to measure what they catch.
//
// Mutants are made on the Go syntax tree (go/ast): an operator recognizes a
// node shape and changes that node; the file is printed again with
// go/printer and handed to the go command through -overlay, so the tree on
// disk is never touched. No existing Go mutation library fits: they offer
// generic operators (arithmetic, boundaries) and one `go test` per mutant,
// not the bugs emulator authors make or checks ordered by cost.
package mutation

import (
	"go/ast"
	"go/token"
	"strconv"
	"strings"
)

// An Operator is one kind of planted bug, modelled on the bugs emulator
// authors make. Its Name is the stable ID results and reports use.
type Operator struct {
	Name   string
	Models string
}

// Operators lists every operator, in the order reports show them.
var Operators = []Operator{
	{"mask", "a wrong width or mask: a width or mask constant set to the neighbouring width (0xff, 0xffff, 0xffffffff; 31 and 63 (0x1f, 0x3f); 7, 15; 8, 16, 32, 64; 0x80, 0x8000, 0x80000000)"},
	{"boundary", "an off-by-one comparison: < and <=, > and >= exchanged"},
	{"offbyone", "an off-by-one count, size or index: a constant from 1 to 64 one more or one less"},
	{"direction", "a wrong direction: + and -, += and -=, ++ and -- exchanged"},
	{"negate", "a condition inverted: an if condition negated, == and != exchanged"},
	{"flag", "a bit not set or not cleared: the right operand of | or &^ replaced with 0"},
	{"operand", "a value taken from the wrong operand: two adjacent arguments of a call exchanged"},
	{"extend", "sign and zero extension swapped: a conversion to intN and to uintN exchanged"},
	{"prefix", "a prefix ignored: a decoded prefix read as absent (66, 67, REX.W/R/X/B, F2/F3, LOCK, segment)"},
	{"exception", "an exception not raised, raised with the wrong vector or with the wrong error code"},
	{"order", "a memory write committed early: a store moved before the statement preceding it"},
	{"drop", "an update dropped: an assignment or increment removed (a register, flag or prefix state not written)"},
}

// The mask operator's neighbouring widths.
var maskSwap = map[uint64]uint64{
	0xff: 0xffff, 0xffff: 0xff, 0xffffffff: 0xffff,
	0x1f: 0x3f, 0x3f: 0x1f,
	7: 15, 15: 7,
	8: 16, 16: 32, 32: 16, 64: 32,
	0x80: 0x8000, 0x8000: 0x80, 0x80000000: 0x8000,
}

// The prefix operator: decoded-instruction fields and the value each has
// when its prefix is absent.
var prefixAbsent = map[string]string{
	"OpSize": "4", "AddrSize": "8", "Rep": "0", "Lock": "false", "Prefix66": "false",
	"REX": "0", "SegOverride": "false", "SegFSGS": "0", "BothReps": "false",
}

// The decoder's REX bit names: `rex&rexW` read as 0 ignores REX.W.
var rexBits = map[string]bool{"rexW": true, "rexR": true, "rexX": true, "rexB": true}

// The exception operator's wrong vectors.
var vectorSwap = map[string]string{
	"VecGP": "VecSS", "VecSS": "VecGP", "VecUD": "VecGP", "VecDE": "VecUD", "VecNM": "VecUD",
	"VecAC": "VecGP", "VecMF": "VecXM", "VecXM": "VecUD", "VecNP": "VecGP", "VecTS": "VecGP",
	"VecDB": "VecUD", "VecPF": "VecGP", "VecBR": "VecUD",
}

// The operators that exchange one binary operator for another.
var opSwaps = map[token.Token]struct {
	op string
	to token.Token
}{
	token.LSS: {"boundary", token.LEQ}, token.LEQ: {"boundary", token.LSS},
	token.GTR: {"boundary", token.GEQ}, token.GEQ: {"boundary", token.GTR},
	token.EQL: {"negate", token.NEQ}, token.NEQ: {"negate", token.EQL},
	token.ADD: {"direction", token.SUB}, token.SUB: {"direction", token.ADD},
}

// The extend operator's exchanged conversions.
var signSwap = map[string]string{
	"int8": "uint8", "int16": "uint16", "int32": "uint32", "int64": "uint64",
	"uint8": "int8", "uint16": "int16", "uint32": "int32", "uint64": "int64",
}

// A change is one mutation of the syntax tree found by the walk: what it
// does, and how to make it on the tree being walked.
type change struct {
	op     string
	node   ast.Node // the node changed, for its position and text
	before string
	after  string
	apply  func()
	// For a change of a statement list: the list's owner and the
	// statement a probe goes before (otherwise the walk's context says).
	owner  ast.Node
	anchor ast.Stmt
}

// siteFn receives each change the walk finds; ctx is where the node sits.
type siteFn func(ctx *walkCtx, ch change)

// walkCtx is what the walk knows about the node being visited.
type walkCtx struct {
	parents []ast.Node        // outermost first; the last is the node's parent
	lhs     map[ast.Expr]bool // expressions being assigned to
	// Set by locate for the node visited: the enclosing function's name,
	// and the statement a probe goes before with the node holding its list.
	funcName    string
	anchor      ast.Stmt
	anchorOwner ast.Node
}

func (c *walkCtx) parent() ast.Node {
	if len(c.parents) == 0 {
		return nil
	}
	return c.parents[len(c.parents)-1]
}

// changesAt calls found for every change the operators make at node n.
func changesAt(ctx *walkCtx, n ast.Node, found siteFn) {
	switch n := n.(type) {
	case *ast.BasicLit:
		literalChanges(ctx, n, found)
	case *ast.BinaryExpr:
		binaryChanges(ctx, n, found)
	case *ast.IfStmt:
		cond := n.Cond
		found(ctx, change{op: "negate", node: cond, before: text(cond), after: "!(" + text(cond) + ")",
			apply: func() { n.Cond = &ast.UnaryExpr{Op: token.NOT, X: &ast.ParenExpr{X: cond}} }})
	case *ast.AssignStmt:
		switch n.Tok {
		case token.ADD_ASSIGN, token.SUB_ASSIGN:
			tok := map[token.Token]token.Token{token.ADD_ASSIGN: token.SUB_ASSIGN, token.SUB_ASSIGN: token.ADD_ASSIGN}[n.Tok]
			found(ctx, change{op: "direction", node: n, before: n.Tok.String(), after: tok.String(),
				apply: func() { n.Tok = tok }})
		}
	case *ast.IncDecStmt:
		tok := map[token.Token]token.Token{token.INC: token.DEC, token.DEC: token.INC}[n.Tok]
		found(ctx, change{op: "direction", node: n, before: n.Tok.String(), after: tok.String(),
			apply: func() { n.Tok = tok }})
	case *ast.CallExpr:
		callChanges(ctx, n, found)
	case *ast.SelectorExpr:
		if v, ok := prefixAbsent[n.Sel.Name]; ok && !ctx.lhs[n] && !isCallee(ctx, n) {
			if p := ctx.parent(); p != nil && replaceChild(p, n, nil) {
				found(ctx, change{op: "prefix", node: n, before: text(n), after: v,
					apply: func() { replaceChild(p, n, ast.NewIdent(v)) }})
			}
		}
	case *ast.KeyValueExpr:
		if k, ok := n.Key.(*ast.Ident); ok && k.Name == "ErrorCode" && text(n.Value) != "0" {
			v := n.Value
			found(ctx, change{op: "exception", node: v, before: text(v), after: "0",
				apply: func() { n.Value = ast.NewIdent("0") }})
		}
	}
	if list := stmtList(n); list != nil {
		stmtChanges(ctx, n, list, found)
	}
}

func literalChanges(ctx *walkCtx, n *ast.BasicLit, found siteFn) {
	if n.Kind != token.INT {
		return
	}
	v, err := strconv.ParseUint(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
	if err != nil {
		return
	}
	hex := strings.HasPrefix(strings.ToLower(n.Value), "0x")
	lit := func(u uint64) string {
		if hex {
			return "0x" + strconv.FormatUint(u, 16)
		}
		return strconv.FormatUint(u, 10)
	}
	old := n.Value
	set := func(op, val string) {
		found(ctx, change{op: op, node: n, before: old, after: val, apply: func() { n.Value = val }})
	}
	if w, ok := maskSwap[v]; ok {
		set("mask", lit(w))
		return
	}
	if v >= 1 && v <= 64 {
		set("offbyone", lit(v+1))
		set("offbyone", lit(v-1))
	}
}

func binaryChanges(ctx *walkCtx, n *ast.BinaryExpr, found siteFn) {
	swap := func(op string, to token.Token) {
		from := n.Op
		found(ctx, change{op: op, node: n, before: from.String(), after: to.String(), apply: func() { n.Op = to }})
	}
	if sw, ok := opSwaps[n.Op]; ok {
		swap(sw.op, sw.to)
	}
	switch n.Op {
	case token.OR, token.AND_NOT:
		if text(n.Y) != "0" {
			y := n.Y
			found(ctx, change{op: "flag", node: y, before: text(y), after: "0",
				apply: func() { n.Y = &ast.BasicLit{Kind: token.INT, Value: "0"} }})
		}
	case token.AND:
		for _, side := range []ast.Expr{n.X, n.Y} {
			if id, ok := side.(*ast.Ident); ok && rexBits[id.Name] {
				if p := ctx.parent(); p != nil && replaceChild(p, n, nil) {
					found(ctx, change{op: "prefix", node: n, before: text(n), after: "0",
						apply: func() { replaceChild(p, n, &ast.BasicLit{Kind: token.INT, Value: "0"}) }})
				}
				break
			}
		}
	}
}

func callChanges(ctx *walkCtx, n *ast.CallExpr, found siteFn) {
	name := calleeName(n)
	if to, ok := signSwap[name]; ok && len(n.Args) == 1 {
		if id, ok := n.Fun.(*ast.Ident); ok {
			found(ctx, change{op: "extend", node: n, before: name + "(...)", after: to + "(...)",
				apply: func() { id.Name = to }})
		}
		return
	}
	if (name == "raise" || name == "raiseCode") && len(n.Args) > 0 {
		if sel, ok := n.Args[0].(*ast.SelectorExpr); ok {
			if to, ok := vectorSwap[sel.Sel.Name]; ok {
				found(ctx, change{op: "exception", node: sel, before: text(sel), after: text(sel.X) + "." + to,
					apply: func() { sel.Sel.Name = to }})
			}
		}
		if name == "raiseCode" && len(n.Args) == 2 {
			code := n.Args[1]
			to := "0"
			if text(code) == "0" {
				to = "4"
			}
			found(ctx, change{op: "exception", node: code, before: text(code), after: to,
				apply: func() { n.Args[1] = &ast.BasicLit{Kind: token.INT, Value: to} }})
		}
		return
	}
	for i := 0; i+1 < len(n.Args); i++ {
		a, b := n.Args[i], n.Args[i+1]
		if !plainOperand(a) || !plainOperand(b) || text(a) == text(b) {
			continue
		}
		found(ctx, change{op: "operand", node: n, before: text(a) + ", " + text(b), after: text(b) + ", " + text(a),
			apply: func() { n.Args[i], n.Args[i+1] = b, a }})
	}
}

// stmtChanges: statements removed (drop, exception) and stores moved
// before their predecessor (order), in the list owner holds.
func stmtChanges(ctx *walkCtx, owner ast.Node, list []ast.Stmt, found siteFn) {
	remove := func(op string, s ast.Stmt) {
		found(ctx, change{op: op, node: s, before: text(s), after: "(removed)", owner: owner, anchor: s,
			apply: func() { replaceStmt(owner, s, &ast.EmptyStmt{Semicolon: s.Pos(), Implicit: true}) }})
	}
	for i, s := range list {
		switch s := s.(type) {
		case *ast.AssignStmt:
			if s.Tok != token.DEFINE {
				remove("drop", s)
			}
		case *ast.IncDecStmt:
			remove("drop", s)
		case *ast.ExprStmt:
			call, ok := s.X.(*ast.CallExpr)
			if !ok {
				continue
			}
			switch name := calleeName(call); {
			case name == "raise" || name == "raiseCode" || name == "panic" && raisesException(call):
				remove("exception", s)
			case i > 0 && isStore(name):
				prev := list[i-1]
				if _, decl := prev.(*ast.DeclStmt); decl {
					continue
				}
				found(ctx, change{op: "order", node: s, before: text(prev) + "; " + text(s), after: text(s) + "; " + text(prev),
					owner: owner, anchor: prev,
					apply: func() { swapStmts(owner, prev, s) }})
			}
		}
	}
}

// isStore: the memory-writing helpers of emulator/cpu (store, write8,
// writeMem, storeVec, ...).
func isStore(name string) bool {
	l := strings.ToLower(name)
	return strings.HasPrefix(l, "store") || strings.HasPrefix(l, "write")
}

func raisesException(call *ast.CallExpr) bool {
	if len(call.Args) != 1 {
		return false
	}
	u, ok := call.Args[0].(*ast.UnaryExpr)
	if !ok || u.Op != token.AND {
		return false
	}
	lit, ok := u.X.(*ast.CompositeLit)
	return ok && text(lit.Type) == "Exception"
}

// plainOperand: an identifier or a field, such as the operands a flag
// helper takes.
func plainOperand(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name != "nil" && e.Name != "true" && e.Name != "false"
	case *ast.SelectorExpr:
		return true
	}
	return false
}

func calleeName(n *ast.CallExpr) string {
	switch f := n.Fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

func isCallee(ctx *walkCtx, n ast.Expr) bool {
	call, ok := ctx.parent().(*ast.CallExpr)
	return ok && call.Fun == n
}

// stmtList is the statement list a node holds, if any.
func stmtList(n ast.Node) []ast.Stmt {
	switch n := n.(type) {
	case *ast.BlockStmt:
		return n.List
	case *ast.CaseClause:
		return n.Body
	case *ast.CommClause:
		return n.Body
	}
	return nil
}
