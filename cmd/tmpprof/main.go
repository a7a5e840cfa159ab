package main

import (
	"flag"
	"io"
	"log"
	"net/http"
	_ "net/http/pprof"
	"os"

	"holdfast"
	"holdfast/proxy"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:19002", "")
	up := flag.String("upstream", "http://127.0.0.1:19001", "")
	eng := flag.String("engine", "epoll", "")
	flag.Parse()
	go http.ListenAndServe("127.0.0.1:6060", nil)
	p, err := proxy.New(proxy.Config{Upstreams: []string{*up}, ErrorLog: log.New(os.Stderr, "", 0)})
	if err != nil {
		log.Fatal(err)
	}
	e, _ := holdfast.ParseEngine(*eng)
	srv := &holdfast.Server{Addr: *addr, Handler: p, Engine: e, Policy: holdfast.Policy{MaxRequests: -1}, ErrorLog: log.New(io.Discard, "", 0)}
	log.Fatal(srv.ListenAndServe())
}
