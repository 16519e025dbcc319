#!/usr/bin/env bash
# Build the reflection test client (main.go beside this script) against Debian's grpc-go 1.33 in
# GOPATH mode, like ../build-routeguide.sh.
#
#   test/go/reflection/build.sh OUTDIR      → OUTDIR/reflection-client
#
# Exit codes: 0 ok (built or up to date), 2 prerequisites missing, other: the build failed.
set -euo pipefail
# shellcheck source=../go-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../go-env.sh"

die() { echo "reflection/build.sh: $1" >&2; exit "${2:-1}"; }
[ $# -eq 1 ] || die "usage: $0 OUTDIR"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
command -v go >/dev/null 2>&1 || die "'go' not found on PATH (apt-get install golang-go)" 2
for f in "$DEBGOPATH/src/google.golang.org/grpc/reflection/grpc_reflection_v1alpha/reflection_grpc.pb.go" \
         "$DEBGOPATH/src/google.golang.org/protobuf/types/dynamicpb/dynamic.go"; do
  [ -f "$f" ] || die "missing $f (apt-get install golang-google-grpc-dev golang-google-protobuf-dev)" 2
done

mkdir -p "$1"
OUT=$(cd "$1" && pwd)
BIN=$OUT/reflection-client
if [ "$BIN" -nt "$HERE/main.go" ] && [ "$BIN" -nt "$HERE/build.sh" ]; then exit 0; fi

WORK=$(mktemp -d "$OUT/build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
PKG=$WORK/gopath/src/routeguide-h2/reflection-client
mkdir -p "$PKG"
cp "$HERE/main.go" "$PKG/"

go_env "$OUT" "$WORK/gopath"
cd "$PKG"
go build -trimpath -buildvcs=false -o "$WORK/reflection-client" .
mv -f "$WORK/reflection-client" "$BIN"
echo "reflection/build.sh: built $BIN" >&2
