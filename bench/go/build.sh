#!/usr/bin/env bash
# Build the benchmark load generator (bench/go/loadgen) against Debian's grpc-go.
#
#   bench/go/build.sh OUTDIR      -> OUTDIR/loadgen
#
# Same GOPATH-mode trick as test/go/build-routeguide.sh: Debian ships grpc-go as
# a GOPATH source tree under /usr/share/gocode and the route_guide example (with
# its generated routeguide package) only as docs, so we copy that package into a
# private GOPATH. Debian's tree must come FIRST in GOPATH, otherwise go resolves
# google.golang.org/grpc to our partial private copy and reports "no Go files".
#
# Exit codes: 0 ok (built or up to date), 2 prerequisites missing, other: build failed.
set -euo pipefail
# shellcheck source=../../test/go/go-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../test/go/go-env.sh"

die() { echo "bench/go/build.sh: $1" >&2; exit "${2:-1}"; }

[ $# -eq 1 ] || die "usage: $0 OUTDIR"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
EXAMPLE=/usr/share/doc/golang-google-grpc-dev/examples/route_guide

command -v go >/dev/null 2>&1 || die "'go' not found on PATH (apt-get install golang-go)" 2
for f in "$EXAMPLE/routeguide/route_guide.pb.go" "$DEBGOPATH/src/google.golang.org/grpc/server.go"; do
  [ -f "$f" ] || die "missing $f (apt-get install golang-google-grpc-dev golang-google-protobuf-dev golang-github-golang-protobuf-1-5-dev)" 2
done

mkdir -p "$1"
OUT=$(cd "$1" && pwd)
BIN=$OUT/loadgen

# Up to date? (binary newer than this script and the source)
if [ "$BIN" -nt "$HERE/build.sh" ] && [ "$BIN" -nt "$HERE/loadgen/main.go" ]; then
  exit 0
fi

WORK=$(mktemp -d "$OUT/build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
GP=$WORK/gopath
PKG=$GP/src/google.golang.org/grpc/examples/route_guide
mkdir -p "$PKG" "$GP/src/loadgen"
cp -R "$EXAMPLE/routeguide" "$PKG/routeguide"
find "$PKG" -name '*.gz' -exec gunzip -f {} +   # Debian sometimes gzips docs
cp "$HERE/loadgen/main.go" "$GP/src/loadgen/main.go"

go_env "$OUT" "$GP"

cd "$GP/src/loadgen"
go build -trimpath -buildvcs=false -o "$WORK/loadgen" .
mv -f "$WORK/loadgen" "$BIN"
echo "bench/go/build.sh: built $BIN" >&2
