package config

import (
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// decoder walks a parsed file and collects its errors.
type decoder struct {
	file    string
	dir     string // the file's directory: relative paths start there
	errs    []*Error
	anchors map[string]ast.Node // the anchors defined so far, for aliases
}

// pair is one key of a mapping with its value.
type pair struct {
	key   string
	keyAt Pos
	value ast.Node // nil for a key without a value
	path  string   // the value's path: "listeners[0].idle-timeout"
}

func (d *decoder) fail(at Pos, path string, kind error, format string, args ...any) {
	if len(d.errs) <= maxErrors {
		d.errs = append(d.errs, &Error{File: d.file, Pos: at, Path: path, Msg: fmt.Sprintf(format, args...), Kind: kind})
	}
}

func posOf(tk *token.Token) Pos {
	if tk == nil || tk.Position == nil {
		return Pos{}
	}
	return Pos{tk.Position.Line, tk.Position.Column}
}

// at is where a node starts: a mapping at its first key.
func at(n ast.Node) Pos {
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 {
		return posOf(m.Values[0].Key.GetToken())
	}
	return posOf(n.GetToken())
}

// resolve unwraps an anchor and follows an alias to the value it names;
// a tag is refused, since every value's kind follows from its key.
func (d *decoder) resolve(n ast.Node, path string) ast.Node {
	switch v := n.(type) {
	case *ast.AnchorNode:
		d.anchors[v.Name.String()] = v.Value
		return d.resolve(v.Value, path)
	case *ast.AliasNode:
		target, ok := d.anchors[v.Value.String()]
		if !ok {
			d.fail(at(n), path, ErrBadValue, "alias *%s names no anchor defined before it", v.Value)
			return nil
		}
		return target
	case *ast.TagNode:
		d.fail(at(n), path, ErrBadValue, "tags (%s) are not used here: a value's kind follows from its key", v.Start.Value)
		return nil
	case *ast.NullNode:
		return nil
	}
	return n
}

// resolved is resolve's node, and whether resolve reported an error
// (then the node is nil, and nothing more need be said of it).
func (d *decoder) resolved(n ast.Node, path string) (ast.Node, bool) {
	before := len(d.errs)
	n = d.resolve(n, path)
	return n, n == nil && len(d.errs) > before
}

// mapping returns the pairs of a mapping, in order. It reports a value
// that is not a mapping, a key given twice and a merge key.
func (d *decoder) mapping(n ast.Node, path, what string, keyAt Pos) []pair {
	n, reported := d.resolved(n, path)
	if reported {
		return nil
	}
	if n == nil {
		d.fail(keyAt, path, ErrMissing, "expected %s (a mapping of keys to values), got nothing", what)
		return nil
	}
	m, ok := n.(*ast.MappingNode)
	if !ok {
		d.fail(at(n), path, ErrBadValue, "expected %s (a mapping of keys to values), got %s", what, describe(n))
		return nil
	}
	var out []pair
	seen := map[string]Pos{}
	for _, mv := range m.Values {
		if _, merge := mv.Key.(*ast.MergeKeyNode); merge {
			d.fail(posOf(mv.Key.GetToken()), path, ErrBadValue, "merge keys (<<) are not supported: write the keys out")
			continue
		}
		name := keyText(mv.Key)
		p := pair{key: name, keyAt: posOf(mv.Key.GetToken()), value: mv.Value, path: join(path, name)}
		if first, dup := seen[name]; dup {
			d.fail(p.keyAt, p.path, ErrDuplicate, "key %q given twice (first at line %d)", name, first.Line)
			continue
		}
		seen[name] = p.keyAt
		out = append(out, p)
	}
	return out
}

// keyText is a mapping key as text.
func keyText(k ast.MapKeyNode) string {
	if s, ok := k.(*ast.StringNode); ok {
		return s.Value
	}
	return k.String()
}

// sequence returns the items of a sequence, each with its path.
func (d *decoder) sequence(n ast.Node, path, what string, keyAt Pos) []ast.Node {
	n, reported := d.resolved(n, path)
	if reported {
		return nil
	}
	if n == nil {
		d.fail(keyAt, path, ErrMissing, "expected a list of %s, got nothing", what)
		return nil
	}
	s, ok := n.(*ast.SequenceNode)
	if !ok {
		d.fail(at(n), path, ErrBadValue, "expected a list of %s, got %s", what, describe(n))
		return nil
	}
	return s.Values
}

// nonEmptySequence is the items of the list p's value, at least one.
func (d *decoder) nonEmptySequence(p pair, what string) []ast.Node {
	before := len(d.errs)
	items := d.sequence(p.value, p.path, what, p.keyAt)
	if len(items) == 0 && len(d.errs) == before {
		d.fail(valuePos(p), p.path, ErrMissing, "an empty list; expected at least one of the %s", what)
	}
	return items
}

// scalar returns a scalar's text as the file wrote it (a quoted string
// without its quotes) and whether it was written as a string.
func (d *decoder) scalar(p pair, expected string) (text string, isString bool, ok bool) {
	n, reported := d.resolved(p.value, p.path)
	if reported {
		return "", false, false
	}
	switch v := n.(type) {
	case nil:
		d.fail(p.keyAt, p.path, ErrMissing, "expected %s, got nothing", expected)
		return "", false, false
	case *ast.StringNode:
		return v.Value, true, true
	case *ast.LiteralNode:
		return v.Value.Value, true, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return n.GetToken().Value, false, true
	}
	d.fail(at(n), p.path, ErrBadValue, "expected %s, got %s", expected, describe(n))
	return "", false, false
}

// describe names what a node is, for a message.
func describe(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode, *ast.LiteralNode:
		return fmt.Sprintf("the text %q", strings.TrimSpace(n.String()))
	}
	return strings.TrimSpace(n.String())
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// unknownKey reports a key the section does not have, with those it has
// and, when one is close, the one that was likely meant.
func (d *decoder) unknownKey(p pair, what string, known []string) {
	msg := fmt.Sprintf("unknown key %q in %s (expected one of: %s)", p.key, what, strings.Join(known, ", "))
	if guess := closest(p.key, known); guess != "" {
		msg += fmt.Sprintf("; did you mean %q?", guess)
	}
	d.fail(p.keyAt, p.path, ErrUnknownKey, "%s", msg)
}

// closest is the known key nearest to name, if it is near: the same with
// "_" for "-", in other case or with the "upstream-" of proxy's flags, or
// within two edits.
func closest(name string, known []string) string {
	norm := strings.ToLower(strings.ReplaceAll(name, "_", "-"))
	best, bestDist := "", 3
	for _, k := range known {
		if k == norm || k == strings.TrimPrefix(norm, "upstream-") {
			return k
		}
		if dist := editDistance(norm, k); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
