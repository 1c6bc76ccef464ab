module zfwd.dev/zfwd/clients/go

go 1.19
