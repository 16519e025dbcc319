#!/usr/bin/env bash
# Build the Debian-packaged grpc-go route_guide example (client + server).
#
#   test/go/build-routeguide.sh OUTDIR
#
# Produces OUTDIR/routeguide-client and OUTDIR/routeguide-server.
# Needs (Debian 12): golang-go golang-google-grpc-dev golang-google-protobuf-dev
#                    golang-github-golang-protobuf-1-5-dev
#
# Exit codes: 0 ok (built or already up to date)
#             2 prerequisites missing (no `go`, or no Debian example/library sources)
#             other: the build itself failed
#
# Builds in GOPATH mode: Debian ships the libraries as GOPATH source trees under
# /usr/share/gocode, and the example only as docs, so we copy the example into a
# private GOPATH under OUTDIR. /usr/share/gocode must come FIRST in GOPATH,
# otherwise go resolves google.golang.org/grpc to our (partial) private copy of
# that directory and reports "no Go files".
set -euo pipefail
# shellcheck source=go-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-env.sh"

die() { echo "build-routeguide.sh: $1" >&2; exit "${2:-1}"; }

[ $# -eq 1 ] || die "usage: $0 OUTDIR"
OUT=$1
SCRIPT=${BASH_SOURCE[0]}
EXAMPLE=/usr/share/doc/golang-google-grpc-dev/examples/route_guide

command -v go >/dev/null 2>&1 ||
  die "'go' not found on PATH (apt-get install golang-go)" 2
for f in "$EXAMPLE/client/client.go" "$EXAMPLE/server/server.go" \
         "$EXAMPLE/routeguide/route_guide.pb.go" "$DEBGOPATH/src/google.golang.org/grpc/server.go" \
         "$DEBGOPATH/src/google.golang.org/protobuf/proto/proto.go" \
         "$DEBGOPATH/src/github.com/golang/protobuf/proto/proto.go"; do
  # Note: Docker's "slim" images path-exclude /usr/share/doc, which removes the example.
  [ -f "$f" ] || die "missing $f (apt-get install golang-google-grpc-dev golang-google-protobuf-dev golang-github-golang-protobuf-1-5-dev)" 2
done

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)   # absolute: we cd into the GOPATH below
CLIENT=$OUT/routeguide-client
SERVER=$OUT/routeguide-server

# Up to date? (binaries newer than this script)
if [ "$CLIENT" -nt "$SCRIPT" ] && [ "$SERVER" -nt "$SCRIPT" ]; then
  exit 0
fi

# Work in a fresh temp dir inside OUT and rename the binaries into place at the
# end, so concurrent invocations (tap runs files in parallel) never see a
# half-written binary.
WORK=$(mktemp -d "$OUT/build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
GP=$WORK/gopath
PKG=$GP/src/google.golang.org/grpc/examples

mkdir -p "$PKG/data"
cp -R "$EXAMPLE" "$PKG/route_guide"
# Debian sometimes gzips docs; undo that if it happened.
find "$PKG/route_guide" -name '*.gz' -exec gunzip -f {} +

# Stand-in for upstream's google.golang.org/grpc/examples/data (not packaged by
# Debian). Upstream resolves rel against its own dir, which holds x509/ certs;
# Debian has no such files (and our temp GOPATH is deleted after the build), so
# we simply return rel. With -tls, pass -cert_file/-key_file/-ca_file explicitly.
cat > "$PKG/data/data.go" <<'GO'
// Package data is a stand-in for google.golang.org/grpc/examples/data.
package data

// Path returns rel unchanged (absolute, or relative to the process's cwd).
func Path(rel string) string { return rel }
GO

go_env "$OUT" "$GP"

# -trimpath and -buildvcs=false: binaries don't depend on OUTDIR/temp paths or
# on the surrounding git checkout, so rebuilds are byte-identical.
cd "$PKG/route_guide"
go build -trimpath -buildvcs=false -o "$WORK/routeguide-client" ./client
go build -trimpath -buildvcs=false -o "$WORK/routeguide-server" ./server
mv -f "$WORK/routeguide-client" "$CLIENT"
mv -f "$WORK/routeguide-server" "$SERVER"
echo "build-routeguide.sh: built $CLIENT and $SERVER" >&2
