"""python grpcio (C-core) as a RouteGuide client for the fault table (scripts/faults-table/).

Reads one JSON command a line on stdin and answers one JSON line on stdout, so that one Python
process serves every case (grpcio takes a while to import):

  {"target": "127.0.0.1:PORT", "kind": "unary|server|client|bidi", "deadline": 10.0,
   "calls": 1, "pause": 0.2, "requests": ["<hex of a serialized request>", ...]}
  -> {"calls": [{"code": "OK", "message": "", "messages": 1, "ms": 3.2}, ...]}

The requests come serialized (the runner encodes them with protobufjs): grpcio's generic calls send
and receive bytes, so no generated code is needed.
"""

import json
import sys
import time

import grpc

METHODS = {
    "unary": "/routeguide.RouteGuide/GetFeature",
    "server": "/routeguide.RouteGuide/ListFeatures",
    "client": "/routeguide.RouteGuide/RecordRoute",
    "bidi": "/routeguide.RouteGuide/RouteChat",
}


def one_call(channel, kind, deadline, requests, got):
    """Makes one call; `got` counts the response messages as they come."""
    path = METHODS[kind]
    if kind == "unary":
        channel.unary_unary(path)(requests[0], timeout=deadline)
        got[0] += 1
    elif kind == "client":
        channel.stream_unary(path)(iter(requests), timeout=deadline)
        got[0] += 1
    else:
        call = channel.unary_stream(path)(requests[0], timeout=deadline) if kind == "server" else \
            channel.stream_stream(path)(iter(requests), timeout=deadline)
        for _ in call:
            got[0] += 1


def run(command):
    requests = [bytes.fromhex(r) for r in command["requests"]]
    results = []
    with grpc.insecure_channel(command["target"]) as channel:
        for i in range(command["calls"]):
            if i > 0:
                time.sleep(command["pause"])
            start = time.monotonic()
            got = [0]
            try:
                one_call(channel, command["kind"], command["deadline"], requests, got)
                results.append({"code": "OK", "message": ""})
            except grpc.RpcError as error:
                results.append({"code": error.code().name, "message": error.details() or ""})
            results[-1]["messages"] = got[0]
            results[-1]["ms"] = (time.monotonic() - start) * 1000
    return {"calls": results}


def main():
    print(json.dumps({"version": grpc.__version__}), flush=True)
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(run(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
