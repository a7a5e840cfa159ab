package enum

import (
	"slices"
	"testing"
)

type color uint8

func TestName(t *testing.T) {
	names := []string{"red", "", "blue"}
	for _, c := range []struct {
		v    color
		want string
	}{{0, "red"}, {1, "color(1)"}, {2, "blue"}, {7, "color(7)"}} {
		if got := Name(names, c.v, "color"); got != c.want {
			t.Errorf("Name(%d) = %q, want %q", c.v, got, c.want)
		}
	}
}

func TestValues(t *testing.T) {
	if got := Values[color](1, 4); !slices.Equal(got, []color{1, 2, 3}) {
		t.Errorf("Values(1, 4) = %v", got)
	}
	if got := Values[color](3, 3); len(got) != 0 {
		t.Errorf("Values(3, 3) = %v", got)
	}
}
