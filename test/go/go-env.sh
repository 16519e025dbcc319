# Sourced by every Go build script of the project (test/go/build-routeguide.sh, test/go/*/build.sh,
# bench/go/build.sh). They all build in GOPATH mode against the grpc-go and protobuf-go sources that
# Debian ships under $DEBGOPATH.
DEBGOPATH=/usr/share/gocode

# go_env OUT PRIVATE_GOPATH: the environment of one `go build`.
#   GOPATH: Debian's tree FIRST, then the script's private tree; the other way round, go resolves
#           google.golang.org/grpc to a partial private copy of that directory ("no Go files").
#   GOCACHE: Go's own per-user build cache where there is one, so that grpc-go and protobuf-go are
#           compiled once per machine and every checkout (a fresh clone included) reuses them;
#           OUT/gocache when there is none (HOME unset, as in some CI containers).
#   GOFLAGS empty (no -mod=… from the environment); CGO off: no C toolchain, static binaries.
go_env() {
  export GO111MODULE=off GOFLAGS= CGO_ENABLED=0
  export GOPATH="$DEBGOPATH:$2"
  local cache
  cache=$(go env GOCACHE 2>/dev/null) || cache=
  if [ -z "$cache" ] || [ "$cache" = off ]; then cache=$1/gocache; fi
  export GOCACHE=$cache
}
