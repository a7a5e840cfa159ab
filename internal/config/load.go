package config

import (
	"cmp"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Load reads and checks the file at path. Its error, when the file is
// wrong, joins an *Error for each problem (errors.Join), in the file's
// order, each on a line of its own.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: unwrapPath(err).Error(), Kind: ErrUnreadable}
	}
	return Parse(path, data)
}

// Parse checks data as the file at path (which names it in errors and is
// where its relative paths start).
func Parse(path string, data []byte) (*File, error) {
	d := &decoder{file: path, dir: filepath.Dir(path), anchors: map[string]ast.Node{}}
	if abs, err := filepath.Abs(d.dir); err == nil {
		d.dir = abs
	}
	root, err := d.parse(data)
	if err != nil {
		return nil, err
	}
	f := d.top(root)
	d.crossCheck(f)
	if len(d.errs) > 0 {
		return nil, d.joined()
	}
	return f, nil
}

// parse parses data as one YAML document.
func (d *decoder) parse(data []byte) (ast.Node, error) {
	parsed, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, d.syntaxError(err)
	}
	var docs []*ast.DocumentNode
	for _, doc := range parsed.Docs {
		if doc.Body != nil {
			docs = append(docs, doc)
		}
	}
	switch {
	case len(docs) == 0:
		return nil, &Error{File: d.file, Msg: "the file is empty; expected a mapping with listeners", Kind: ErrMissing}
	case len(docs) > 1:
		return nil, &Error{File: d.file, Pos: at(docs[1].Body), Msg: "a second YAML document; expected one", Kind: ErrSyntax}
	}
	return docs[0].Body, nil
}

// syntaxError is the parser's error with its position.
func (d *decoder) syntaxError(err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		return &Error{File: d.file, Pos: posOf(ye.GetToken()), Msg: ye.GetMessage(), Kind: ErrSyntax}
	}
	return &Error{File: d.file, Msg: strings.TrimSpace(err.Error()), Kind: ErrSyntax}
}

// joined is the decoder's errors as one, one per line.
func (d *decoder) joined() error {
	slices.SortStableFunc(d.errs, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Column, b.Pos.Column))
	})
	errs := make([]error, 0, len(d.errs)+1)
	for _, e := range d.errs[:min(len(d.errs), maxErrors)] {
		errs = append(errs, e)
	}
	if len(d.errs) > maxErrors {
		errs = append(errs, &Error{File: d.file, Msg: "more errors follow; fix these first", Kind: ErrBadValue})
	}
	return errors.Join(errs...)
}
