module rustplugin/go-interop/reva

go 1.26.0

require (
	github.com/cs3org/go-cs3apis v0.0.0-20210325133324-32b03d75a535
	github.com/cs3org/reva v1.7.0
	github.com/golang/protobuf v1.5.4
	github.com/mitchellh/mapstructure v1.4.1
	github.com/pkg/errors v0.9.1
	rustplugin/go-interop v0.0.0
)

require (
	golang.org/x/net v0.60.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	golang.org/x/text v0.42.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260817212433-ac3dfec99bb1 // indirect
	google.golang.org/grpc v1.85.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)

replace rustplugin/go-interop => ../
