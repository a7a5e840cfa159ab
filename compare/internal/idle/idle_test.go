package idle

import "testing"

func TestParseSources(t *testing.T) {
	got, err := ParseSources("127.0.0.2-127.0.0.9")
	if err != nil || len(got) != 8 || got[0].String() != "127.0.0.2" || got[7].String() != "127.0.0.9" {
		t.Fatalf("range = %v, %v", got, err)
	}
	got, err = ParseSources("127.0.0.1, 127.0.0.5")
	if err != nil || len(got) != 2 || got[1].String() != "127.0.0.5" {
		t.Fatalf("list = %v, %v", got, err)
	}
	for _, bad := range []string{"127.0.0.9-127.0.0.2", "127.0.0.2-127.0.1.3", "x", "::1"} {
		if _, err := ParseSources(bad); err == nil {
			t.Errorf("ParseSources(%q) succeeded", bad)
		}
	}
}
