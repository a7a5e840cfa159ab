package holdfast_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"holdfast"
)

// The persistence rules of RFC 9112 §9.3 and the Policy, over real sockets.

func TestHTTP11PersistsByDefault(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, connID)
		c := ts.dial(t)
		r1, b1 := c.get("/one")
		r2, b2 := c.get("/two")
		id1, _, _ := strings.Cut(b1, " ")
		id2, _, _ := strings.Cut(b2, " ")
		if id1 != id2 {
			t.Fatalf("requests rode connections %s and %s, want one", id1, id2)
		}
		for _, r := range []*http.Response{r1, r2} {
			if r.Close {
				t.Fatal("HTTP/1.1 response closes the connection")
			}
		}
		if st := ts.Stats(); st.RequestsReused != 1 || st.Requests != 2 {
			t.Fatalf("requests %d reused %d, want 2 and 1", st.Requests, st.RequestsReused)
		}
	})
}

func TestConnectionCloseTokens(t *testing.T) {
	for _, conn := range []string{"close", "Close", "CLOSE", "keep-alive, close", "foo,close", "foo , close ,bar"} {
		t.Run(conn, func(t *testing.T) {
			run(t, func(t *testing.T, e holdfast.Engine) {
				ts := newServer(t, e, connID)
				c := ts.dial(t)
				c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: " + conn + "\r\n\r\n")
				if resp, _ := c.response("GET"); !resp.Close {
					t.Fatal("response does not carry Connection: close")
				}
				c.expectClosed()
				waitStats(t, ts.Server, "client-close", closedBy(holdfast.CloseClient, 1))
			})
		})
	}
}

func TestHTTP10ClosesWithoutKeepAlive(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, connID)
		c := ts.dial(t)
		c.send("GET / HTTP/1.0\r\n\r\n")
		resp, _ := c.response("GET")
		if resp.Header.Get("Keep-Alive") != "" || !resp.Close {
			t.Fatalf("HTTP/1.0 response kept the connection: %v", resp.Header)
		}
		c.expectClosed()
		waitStats(t, ts.Server, "client-close", closedBy(holdfast.CloseClient, 1))
	})
}

func TestHTTP10KeepAlive(t *testing.T) {
	for _, v := range []string{"keep-alive", "Keep-Alive", "KEEP-ALIVE", "foo, keep-alive"} {
		t.Run(v, func(t *testing.T) {
			run(t, func(t *testing.T, e holdfast.Engine) {
				ts := newServer(t, e, connID)
				c := ts.dial(t)
				for i := 0; i < 3; i++ {
					c.send("GET / HTTP/1.0\r\nConnection: " + v + "\r\n\r\n")
					resp, _ := c.response("GET")
					if got := resp.Header.Get("Connection"); got != "keep-alive" {
						t.Fatalf("request %d: Connection %q, want keep-alive", i, got)
					}
				}
			})
		})
	}
}

func TestHTTP10KeepAliveAndClose(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, connID)
		c := ts.dial(t)
		c.send("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n")
		c.response("GET")
		c.expectClosed()
	})
}

// An HTTP/1.0 client cannot take chunked coding: a response of unknown
// length is delimited by closing, even with keep-alive asked for.
func TestHTTP10UnknownLengthCloses(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("part one "))
			w.(http.Flusher).Flush()
			w.Write([]byte("part two"))
		})
		ts := newServer(t, e, h)
		c := ts.dial(t)
		c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		resp, body := c.response("GET")
		if body != "part one part two" || resp.ContentLength != -1 || len(resp.TransferEncoding) != 0 {
			t.Fatalf("body %q length %d TE %v", body, resp.ContentLength, resp.TransferEncoding)
		}
		if !resp.Close {
			t.Fatal("response does not carry Connection: close")
		}
		c.expectClosed()
		waitStats(t, ts.Server, "handler-close", closedBy(holdfast.CloseHandler, 1))
	})
}

func TestKeepAliveHint(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, connID, func(s *holdfast.Server) {
			s.Policy.IdleTimeout = 7 * time.Second
			s.Policy.MaxRequests = 5
		})
		c := ts.dial(t)
		for i := 1; i <= 4; i++ {
			resp, _ := c.get("/")
			want := "timeout=7, max=" + string(rune('0'+5-i))
			if got := resp.Header.Get("Keep-Alive"); got != want {
				t.Fatalf("request %d: Keep-Alive %q, want %q", i, got, want)
			}
		}
		resp, _ := c.get("/")
		if resp.Header.Get("Keep-Alive") != "" || !resp.Close {
			t.Fatalf("last response: close=%v %v", resp.Close, resp.Header)
		}
	})
}

// The advertised timeout never promises more than the age cap leaves.
func TestKeepAliveHintBoundedByAge(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, connID, func(s *holdfast.Server) {
			s.Policy.IdleTimeout = time.Hour
			s.Policy.MaxAge = 10 * time.Second
		})
		c := ts.dial(t)
		resp, _ := c.get("/")
		ka := resp.Header.Get("Keep-Alive")
		if ka != "timeout=9, max=999" && ka != "timeout=10, max=999" {
			t.Fatalf("Keep-Alive %q, want timeout at most 10", ka)
		}
	})
}

func TestAdvertiseOff(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, connID, func(s *holdfast.Server) { s.Policy.AdvertiseKeepAlive = holdfast.Off })
		c := ts.dial(t)
		resp, _ := c.get("/")
		if resp.Header.Get("Keep-Alive") != "" || resp.Header.Get("Connection") != "" {
			t.Fatalf("HTTP/1.1 response advertises: %v", resp.Header)
		}
		c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		resp, _ = c.response("GET")
		if resp.Header.Get("Keep-Alive") != "" || resp.Header.Get("Connection") != "keep-alive" {
			t.Fatalf("HTTP/1.0 response: %v", resp.Header)
		}
	})
}

func TestMaxRequests(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, connID, func(s *holdfast.Server) { s.Policy.MaxRequests = 3 })
		c := ts.dial(t)
		for i := 1; i <= 3; i++ {
			resp, _ := c.get("/")
			if last := i == 3; resp.Close != last {
				t.Fatalf("request %d: close=%v", i, resp.Close)
			}
		}
		c.expectClosed()
		st := waitStats(t, ts.Server, "max-requests", closedBy(holdfast.CloseMaxRequests, 1))
		if h := st.RequestsPerConnection; h.Count != 1 || h.Sum != 3 || h.Buckets[2].Count != 0 || h.Buckets[3].Count != 1 || h.Buckets[3].UpperBound != 4 {
			t.Fatalf("histogram: %+v", h)
		}
	})
}

// A response written after the age cap passed closes the connection.
func TestMaxAge(t *testing.T) {
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(400 * time.Millisecond)
		}
	})
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, slow, func(s *holdfast.Server) { s.Policy.MaxAge = 300 * time.Millisecond })
		c := ts.dial(t)
		if resp, _ := c.get("/"); resp.Close {
			t.Fatal("young connection closed")
		}
		resp, _ := c.get("/slow")
		if !resp.Close {
			t.Fatal("old connection kept")
		}
		c.expectClosed()
		waitStats(t, ts.Server, "max-age", closedBy(holdfast.CloseMaxAge, 1))
	})
}

// An idle connection whose age cap comes before its hold time closes at the
// cap, with that reason.
func TestMaxAgeWhileIdle(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, connID, func(s *holdfast.Server) { s.Policy.MaxAge = 300 * time.Millisecond })
		c := ts.dial(t)
		c.get("/")
		c.expectClosed()
		waitStats(t, ts.Server, "max-age", closedBy(holdfast.CloseMaxAge, 1))
	})
}

func TestIdleTimeout(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, connID, func(s *holdfast.Server) { s.Policy.IdleTimeout = 200 * time.Millisecond })
		c := ts.dial(t)
		c.get("/")
		c.expectClosed() // silently: no 408 on an idle connection
		waitStats(t, ts.Server, "idle-timeout", closedBy(holdfast.CloseIdleTimeout, 1))
		// A connection that never sent anything is held the same time.
		ts.dial(t).expectClosed()
		waitStats(t, ts.Server, "idle-timeout", closedBy(holdfast.CloseIdleTimeout, 2))
	})
}

func TestHeaderTimeout(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, connID, func(s *holdfast.Server) { s.Policy.HeaderTimeout = 200 * time.Millisecond })
		c := ts.dial(t)
		c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
		resp, _ := c.response("GET")
		if resp.StatusCode != http.StatusRequestTimeout {
			t.Fatalf("status %d, want 408", resp.StatusCode)
		}
		c.expectClosed()
		waitStats(t, ts.Server, "header-timeout", closedBy(holdfast.CloseHeaderTimeout, 1))
	})
}

// The header timeout runs from the first byte of each head, not from the
// previous request: a kept connection that idles, then sends, is not cut.
func TestHeaderTimeoutStartsAtFirstByte(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, connID, func(s *holdfast.Server) { s.Policy.HeaderTimeout = 300 * time.Millisecond })
		c := ts.dial(t)
		c.get("/")
		time.Sleep(500 * time.Millisecond)
		c.expectOpen()
	})
}

func TestKeepAliveOff(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, connID, func(s *holdfast.Server) { s.Policy.KeepAlive = holdfast.Off })
		c := ts.dial(t)
		if resp, _ := c.get("/"); !resp.Close {
			t.Fatal("response does not carry Connection: close")
		}
		c.expectClosed()
		waitStats(t, ts.Server, "keepalive-off", closedBy(holdfast.CloseKeepAliveOff, 1))
	})
}

func TestClientCloseBetweenRequests(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, connID)
		c := ts.dial(t)
		c.get("/")
		c.nc.Close()
		waitStats(t, ts.Server, "client-close", closedBy(holdfast.CloseClient, 1))
	})
}

func TestDrainLimit(t *testing.T) {
	ignoreBody := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ignored")) })
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, ignoreBody, func(s *holdfast.Server) { s.Policy.DrainLimit = 1000 })
		c := ts.dial(t)
		// Under the limit: drained, the connection is kept.
		c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n" + strings.Repeat("a", 900))
		if resp, _ := c.response("POST"); resp.Close {
			t.Fatal("connection closed for a body under the drain limit")
		}
		c.expectOpen()
		// Over it: closed instead of read.
		c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + strings.Repeat("a", 2000))
		c.response("POST")
		c.expectClosed()
		waitStats(t, ts.Server, "unread-body", closedBy(holdfast.CloseUnreadBody, 1))
	})
}

func TestDrainLimitChunked(t *testing.T) {
	ignoreBody := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, ignoreBody, func(s *holdfast.Server) { s.Policy.DrainLimit = 1000 })
		c := ts.dial(t)
		c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
		c.response("POST")
		c.expectOpen()
		big := strings.Repeat("400\r\n"+strings.Repeat("b", 0x400)+"\r\n", 4)
		c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + big)
		c.response("POST")
		c.expectClosed()
	})
}
