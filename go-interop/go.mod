module rustplugin/go-interop

go 1.24
