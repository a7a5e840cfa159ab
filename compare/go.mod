module holdfast/compare

go 1.26.0

require (
	github.com/lesismal/nbio v1.6.8
	github.com/valyala/fasthttp v1.78.0
	go.uber.org/goleak v1.3.0
	holdfast v0.0.0
)

require (
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/lesismal/llib v1.2.2 // indirect
	github.com/molecule-man/go-brrr v1.3.1 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	golang.org/x/crypto v0.59.0 // indirect
	golang.org/x/net v0.63.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/text v0.44.0 // indirect
)

replace holdfast => ../
