#!/usr/bin/env bash
# Build the fault test client (main.go beside this script) against Debian's grpc-go 1.33 in GOPATH
# mode, with the route_guide example's generated package, like bench/go/build.sh.
#
#   test/go/fault-client/build.sh OUTDIR      → OUTDIR/fault-client
#
# Exit codes: 0 ok (built or up to date), 2 prerequisites missing, other: the build failed.
set -euo pipefail
# shellcheck source=../go-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../go-env.sh"

die() { echo "fault-client/build.sh: $1" >&2; exit "${2:-1}"; }
[ $# -eq 1 ] || die "usage: $0 OUTDIR"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
EXAMPLE=/usr/share/doc/golang-google-grpc-dev/examples/route_guide
command -v go >/dev/null 2>&1 || die "'go' not found on PATH (apt-get install golang-go)" 2
for f in "$EXAMPLE/routeguide/route_guide.pb.go" "$DEBGOPATH/src/google.golang.org/grpc/server.go"; do
  [ -f "$f" ] || die "missing $f (apt-get install golang-google-grpc-dev golang-google-protobuf-dev golang-github-golang-protobuf-1-5-dev)" 2
done

mkdir -p "$1"
OUT=$(cd "$1" && pwd)
BIN=$OUT/fault-client
if [ "$BIN" -nt "$HERE/main.go" ] && [ "$BIN" -nt "$HERE/build.sh" ]; then exit 0; fi

WORK=$(mktemp -d "$OUT/build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
GP=$WORK/gopath
mkdir -p "$GP/src/google.golang.org/grpc/examples/route_guide" "$GP/src/fault-client"
cp -R "$EXAMPLE/routeguide" "$GP/src/google.golang.org/grpc/examples/route_guide/routeguide"
find "$GP" -name '*.gz' -exec gunzip -f {} +   # Debian sometimes gzips docs
cp "$HERE/main.go" "$GP/src/fault-client/"

go_env "$OUT" "$GP"
cd "$GP/src/fault-client"
go build -trimpath -buildvcs=false -o "$WORK/fault-client" .
mv -f "$WORK/fault-client" "$BIN"
echo "fault-client/build.sh: built $BIN" >&2
