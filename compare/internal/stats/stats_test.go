package stats

import (
	"math"
	"testing"
)

func TestSummarize(t *testing.T) {
	cases := []struct {
		in   []float64
		want Summary
	}{
		{[]float64{5}, Summary{1, 5, 5, 5}},
		{[]float64{3, 1, 2}, Summary{3, 2, 1, 3}},
		{[]float64{4, 1, 3, 2}, Summary{4, 2.5, 1, 4}},
		{[]float64{7, 7, 1, 100, 7}, Summary{5, 7, 1, 100}},
	}
	for _, c := range cases {
		in := append([]float64(nil), c.in...)
		if got := Summarize(c.in); got != c.want {
			t.Errorf("Summarize(%v) = %+v, want %+v", in, got, c.want)
		}
		for i := range in {
			if in[i] != c.in[i] {
				t.Fatalf("Summarize reordered its input: %v", c.in)
			}
		}
	}
	if s := Summarize(nil); s.N != 0 || !math.IsNaN(s.Median) {
		t.Errorf("Summarize(nil) = %+v", s)
	}
}

func TestRatio(t *testing.T) {
	if r := Ratio(3, 2); r != 1.5 {
		t.Errorf("Ratio(3,2) = %v", r)
	}
	for _, c := range [][2]float64{{1, 0}, {math.NaN(), 1}, {1, math.NaN()}} {
		if r := Ratio(c[0], c[1]); !math.IsNaN(r) {
			t.Errorf("Ratio(%v,%v) = %v, want NaN", c[0], c[1], r)
		}
	}
}
