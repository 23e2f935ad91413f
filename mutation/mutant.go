package mutation

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/printer"
	"go/token"
	"reflect"
	"slices"
	"strconv"
)

// ProbePath is the import path of the package a probed mutant calls.
const ProbePath = "github.com/twinstep/twinstep/mutation/probe"

// probeName is the probe's import name in a mutated file, chosen so it
// cannot collide with the emulator's own identifiers.
const probeName = "mutationprobe"

// A Mutant is one change at one place of one file.
type Mutant struct {
	ID string `json:"id"` // stable across edits to other functions

	File    string `json:"file"` // relative to the module root
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Func    string `json:"func"` // the enclosing function, or "" at package level
	Op      string `json:"op"`
	Before  string `json:"before"`
	After   string `json:"after"`
	Ordinal int    `json:"ordinal"` // the change's index in its file's walk
	// Probed: the change is inside a function body, so a call to the
	// probe can go before its statement (changes at package level, in
	// tables, cannot be probed and the checks then skip nothing).
	Probed bool `json:"probed"`
}

func (m *Mutant) String() string {
	return fmt.Sprintf("%s:%d:%d %s: %s -> %s", m.File, m.Line, m.Col, m.Op, m.Before, m.After)
}

// Sites lists every mutant the operators make in one file's source, in a
// fixed order; rel names the file in the results.
func Sites(rel string, src []byte) ([]Mutant, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, rel, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	var out []Mutant
	same := map[string]int{}
	walk(f, func(ctx *walkCtx, ch change) {
		pos := fset.Position(ch.node.Pos())
		m := Mutant{File: rel, Line: pos.Line, Col: pos.Column, Func: ctx.funcName, Op: ch.op,
			Before: ch.before, After: ch.after, Ordinal: len(out), Probed: ctx.anchorOwner != nil || ch.owner != nil}
		// The ID survives edits elsewhere in the file: it names the
		// function, the change, and which of that function's identical
		// changes it is.
		key := fmt.Sprintf("%s|%s|%s|%s|%s", rel, m.Func, m.Op, m.Before, m.After)
		h := sha256.Sum256([]byte(fmt.Sprintf("%s|%d", key, same[key])))
		same[key]++
		m.ID = "m" + hex.EncodeToString(h[:])[:8]
		out = append(out, m)
	})
	return out, nil
}

// Apply returns the file's source with the mutant's change made and, when
// probe is set and the change is probed, a call to the probe before the
// statement that holds it (and an init arming the probe).
func Apply(src []byte, m *Mutant, probe bool) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, m.File, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	i := 0
	done := false
	walk(f, func(ctx *walkCtx, ch change) {
		if i != m.Ordinal || done {
			i++
			return
		}
		i++
		done = true
		if ch.op != m.Op || ch.after != m.After {
			return // a different tree than the one the site came from
		}
		owner, anchor := ctx.anchorOwner, ctx.anchor
		if ch.owner != nil {
			owner, anchor = ch.owner, ch.anchor
		}
		if probe && owner != nil {
			insertBefore(owner, anchor, &ast.ExprStmt{X: &ast.CallExpr{
				Fun: &ast.SelectorExpr{X: ast.NewIdent(probeName), Sel: ast.NewIdent("Hit")}}})
		}
		ch.apply()
	})
	if !done {
		return nil, fmt.Errorf("%s: mutant %s not found in this source", m.File, m.ID)
	}
	if probe && m.Probed {
		addProbe(f)
	}
	var b bytes.Buffer
	if err := (&printer.Config{Mode: printer.UseSpaces | printer.TabIndent, Tabwidth: 8}).Fprint(&b, fset, f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// addProbe imports the probe and arms it from an init function.
func addProbe(f *ast.File) {
	spec := &ast.ImportSpec{Name: ast.NewIdent(probeName), Path: &ast.BasicLit{Kind: token.STRING, Value: strconv.Quote(ProbePath)}}
	f.Imports = append(f.Imports, spec)
	imp := &ast.GenDecl{Tok: token.IMPORT, Specs: []ast.Spec{spec}}
	init := &ast.FuncDecl{Name: ast.NewIdent("init"), Type: &ast.FuncType{Params: &ast.FieldList{}},
		Body: &ast.BlockStmt{List: []ast.Stmt{&ast.ExprStmt{X: &ast.CallExpr{
			Fun: &ast.SelectorExpr{X: ast.NewIdent(probeName), Sel: ast.NewIdent("Arm")}}}}}}
	f.Decls = append(append([]ast.Decl{imp}, f.Decls...), init)
}

// walk visits every node of the file outside constant declarations,
// imports and type expressions, and reports the operators' changes.
func walk(f *ast.File, found siteFn) {
	ctx := &walkCtx{lhs: map[ast.Expr]bool{}}
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GenDecl:
			if n.Tok == token.CONST || n.Tok == token.IMPORT || n.Tok == token.TYPE {
				return false
			}
		case *ast.ArrayType, *ast.StructType, *ast.FuncType, *ast.InterfaceType, *ast.MapType, *ast.ChanType:
			return false
		case *ast.AssignStmt:
			for _, e := range n.Lhs {
				ctx.lhs[e] = true
			}
		case *ast.IncDecStmt:
			ctx.lhs[n.X] = true
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				ctx.lhs[n.X] = true
			}
		}
		ctx.locate(n)
		changesAt(ctx, n, found)
		return true
	}
	var inspect func(n ast.Node)
	inspect = func(n ast.Node) {
		ast.Inspect(n, func(c ast.Node) bool {
			if c == nil {
				return false
			}
			if c == n {
				return visit(c)
			}
			ctx.parents = append(ctx.parents, n)
			inspect(c)
			ctx.parents = ctx.parents[:len(ctx.parents)-1]
			return false
		})
	}
	inspect(f)
}

// locate finds, for the node about to be visited, its enclosing function
// and the statement (in a statement list) a probe would go before.
func (c *walkCtx) locate(n ast.Node) {
	c.funcName, c.anchor, c.anchorOwner = "", nil, nil
	chain := append(c.parents[:len(c.parents):len(c.parents)], n)
	for i := len(chain) - 1; i >= 0; i-- {
		if c.funcName == "" {
			if fd, ok := chain[i].(*ast.FuncDecl); ok {
				c.funcName = funcName(fd)
			}
		}
	}
	for i := len(chain) - 1; i >= 1; i-- {
		s, ok := chain[i].(ast.Stmt)
		if !ok {
			continue
		}
		if owner := chain[i-1]; slices.Contains(stmtList(owner), s) {
			c.anchor, c.anchorOwner = s, owner
			break
		}
	}
}

func funcName(fd *ast.FuncDecl) string {
	if fd.Recv != nil && len(fd.Recv.List) > 0 {
		t := fd.Recv.List[0].Type
		if st, ok := t.(*ast.StarExpr); ok {
			t = st.X
		}
		return "(" + text(t) + ")." + fd.Name.Name
	}
	return fd.Name.Name
}

// insertBefore puts s before the statement at in owner's list.
func insertBefore(owner ast.Node, at, s ast.Stmt) {
	list := stmtList(owner)
	i := slices.Index(list, at)
	if i < 0 {
		return
	}
	nl := slices.Insert(slices.Clone(list), i, s)
	switch o := owner.(type) {
	case *ast.BlockStmt:
		o.List = nl
	case *ast.CaseClause:
		o.Body = nl
	case *ast.CommClause:
		o.Body = nl
	}
}

// replaceChild puts repl where old is among parent's fields of type
// ast.Expr or []ast.Expr, and reports whether it found old there; with a
// nil repl it only looks.
func replaceChild(parent ast.Node, old, repl ast.Expr) bool {
	exprType := reflect.TypeFor[ast.Expr]()
	v := reflect.ValueOf(parent).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		var slot reflect.Value
		switch {
		case f.Type() == exprType:
			if !f.IsNil() && f.Interface() == old {
				slot = f
			}
		case f.Kind() == reflect.Slice && f.Type().Elem() == exprType:
			for j := range f.Len() {
				if f.Index(j).Interface() == old {
					slot = f.Index(j)
				}
			}
		}
		if slot.IsValid() {
			if repl != nil {
				slot.Set(reflect.ValueOf(repl))
			}
			return true
		}
	}
	return false
}

// replaceStmt puts repl where old is in owner's statement list.
func replaceStmt(owner ast.Node, old, repl ast.Stmt) {
	list := stmtList(owner)
	if i := slices.Index(list, old); i >= 0 {
		list[i] = repl
	}
}

// swapStmts exchanges two statements of owner's list.
func swapStmts(owner ast.Node, a, b ast.Stmt) {
	list := stmtList(owner)
	i, j := slices.Index(list, a), slices.Index(list, b)
	if i >= 0 && j >= 0 {
		list[i], list[j] = list[j], list[i]
	}
}

// text prints a node as Go source.
func text(n ast.Node) string {
	var b bytes.Buffer
	if err := format.Node(&b, token.NewFileSet(), n); err != nil {
		return fmt.Sprintf("%T", n)
	}
	return b.String()
}
