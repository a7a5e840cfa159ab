// Package enum gives the small enumerations of the public packages (the
// server's connection states and close reasons, the client's close
// reasons) their text forms and lists, written once.
package enum

import "fmt"

// Name returns names[v], or "typ(v)" for a value the table does not name.
func Name[T ~uint8](names []string, v T, typ string) string {
	if int(v) < len(names) && names[v] != "" {
		return names[v]
	}
	return fmt.Sprintf("%s(%d)", typ, uint8(v))
}

// Values lists the values from first up to, not including, end.
func Values[T ~uint8](first, end T) []T {
	vs := make([]T, 0, max(int(end)-int(first), 0))
	for v := first; v < end; v++ {
		vs = append(vs, v)
	}
	return vs
}
