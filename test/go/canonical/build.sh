#!/usr/bin/env bash
# Build canonical-peer (main.go beside this script) against Debian's grpc-go 1.33 and protobuf-go in
# GOPATH mode, like ../build-routeguide.sh, with the route_guide example's generated package.
#
#   test/go/canonical/build.sh OUTDIR      → OUTDIR/canonical-peer
#
# Exit codes: 0 ok (built or up to date), 2 prerequisites missing, other: the build failed.
set -euo pipefail
# shellcheck source=../go-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../go-env.sh"

die() { echo "canonical/build.sh: $1" >&2; exit "${2:-1}"; }
[ $# -eq 1 ] || die "usage: $0 OUTDIR"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
EXAMPLE=/usr/share/doc/golang-google-grpc-dev/examples/route_guide
command -v go >/dev/null 2>&1 || die "'go' not found on PATH (apt-get install golang-go)" 2
for f in "$EXAMPLE/routeguide/route_guide.pb.go" \
         "$DEBGOPATH/src/google.golang.org/grpc/health/grpc_health_v1/health.pb.go" \
         "$DEBGOPATH/src/google.golang.org/grpc/reflection/grpc_reflection_v1alpha/reflection.pb.go" \
         "$DEBGOPATH/src/google.golang.org/protobuf/types/dynamicpb/dynamic.go"; do
  [ -f "$f" ] || die "missing $f (apt-get install golang-google-grpc-dev golang-google-protobuf-dev)" 2
done

mkdir -p "$1"
OUT=$(cd "$1" && pwd)
BIN=$OUT/canonical-peer
if [ "$BIN" -nt "$HERE/main.go" ] && [ "$BIN" -nt "$HERE/build.sh" ]; then exit 0; fi

# A fresh directory per build, renamed into place: concurrent test files never see half a binary.
WORK=$(mktemp -d "$OUT/build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
GP=$WORK/gopath
PKG=$GP/src/routeguide-h2/canonical-peer
mkdir -p "$PKG" "$GP/src/google.golang.org/grpc/examples/route_guide"
cp "$HERE/main.go" "$PKG/"
cp -R "$EXAMPLE/routeguide" "$GP/src/google.golang.org/grpc/examples/route_guide/"
find "$GP/src/google.golang.org/grpc/examples" -name '*.gz' -exec gunzip -f {} +

go_env "$OUT" "$GP"
cd "$PKG"
go build -trimpath -buildvcs=false -o "$WORK/canonical-peer" .
mv -f "$WORK/canonical-peer" "$BIN"
echo "canonical/build.sh: built $BIN" >&2
