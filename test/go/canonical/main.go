// canonical-peer: grpc-go 1.33 and protobuf-go (Debian's golang-google-grpc-dev and
// golang-google-protobuf-dev) sending and answering messages with values chosen by the test, so that
// test/interop/canonical-bytes-go.test.ts can compare our bytes with theirs for the same values.
//
//	canonical-peer -descriptors SET serve -cases CASES [-health SERVICE=STATUS,...]
//	    Prints "listening HOST:PORT". Answers every call: reads the requests to the end, then sends
//	    the responses of the case named by the call's `canonical-case` metadata (an index into
//	    CASES). With -health, grpc.health.v1.Health is grpc-go's own health server with those
//	    statuses ("" is the whole server) instead.
//	canonical-peer -descriptors SET call -addr HOST:PORT -cases CASES
//	    Makes every call of CASES in order on one connection: sends its requests with metadata
//	    `canonical-case: INDEX`, half-closes, reads the responses to the end.
//	canonical-peer -descriptors SET encode
//	    Reads lines of {"type": NAME, "json": VALUE} or {"type": NAME, "hex": BYTES} and prints, per
//	    line, the hex of the message protobuf-go writes for that value (proto3 JSON) or for what it
//	    reads from those bytes, or "error: ...".
//
// SET is a binary FileDescriptorSet of the .proto files in play; CASES a JSON array of
// {"method": "/pkg.Service/Method", "requests": [JSON...], "responses": [JSON...]}, messages in
// proto3 JSON. A message type that grpc-go's packages generate (routeguide.*, grpc.health.v1.*,
// grpc.reflection.v1alpha.*, google.protobuf.*) is that generated type, marshalled as grpc-go's
// codec marshals it; any other is a dynamicpb message from SET, marshalled with protobuf-go's
// deterministic option: without it a dynamic message writes its fields in the random order of a Go
// map; with it, in the order generated code uses (fields outside oneofs by number, then oneofs) and
// map entries by key.
package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	_ "google.golang.org/grpc/examples/route_guide/routeguide"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	_ "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/runtime/protoimpl"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/emptypb"
)

type testCase struct {
	Method    string            `json:"method"`
	Requests  []json.RawMessage `json:"requests"`
	Responses []json.RawMessage `json:"responses"`
}

var files *protoregistry.Files

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "canonical-peer: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	descriptors := flag.String("descriptors", "", "binary FileDescriptorSet")
	flag.Parse()
	if *descriptors == "" || flag.NArg() < 1 {
		fail("usage: canonical-peer -descriptors SET serve|call|encode [flags]")
	}
	raw, err := ioutil.ReadFile(*descriptors)
	if err != nil {
		fail("%v", err)
	}
	set := &descriptorpb.FileDescriptorSet{}
	if err := proto.Unmarshal(raw, set); err != nil {
		fail("descriptor set: %v", err)
	}
	if files, err = protodesc.NewFiles(set); err != nil {
		fail("descriptor set: %v", err)
	}

	mode := flag.NewFlagSet(flag.Arg(0), flag.ExitOnError)
	casesFile := mode.String("cases", "", "JSON cases")
	addr := mode.String("addr", "127.0.0.1:0", "address")
	healthStatuses := mode.String("health", "", "SERVICE=STATUS,... for grpc-go's health server")
	mode.Parse(flag.Args()[1:])
	switch flag.Arg(0) {
	case "serve":
		serve(*addr, readCases(*casesFile), *healthStatuses)
	case "call":
		call(*addr, readCases(*casesFile))
	case "encode":
		encode()
	default:
		fail("unknown mode %q", flag.Arg(0))
	}
}

func readCases(path string) []testCase {
	raw, err := ioutil.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	var cases []testCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		fail("cases: %v", err)
	}
	return cases
}

// deterministic marshals a dynamic message as generated code would (see the top of the file).
type deterministic struct{ *dynamicpb.Message }

func (d deterministic) Marshal() ([]byte, error) {
	return proto.MarshalOptions{Deterministic: true}.Marshal(d.Message)
}

// newMessage is an empty message of the named type: generated when grpc-go's packages have it.
func newMessage(name protoreflect.FullName) (proto.Message, error) {
	if mt, err := protoregistry.GlobalTypes.FindMessageByName(name); err == nil {
		return mt.New().Interface(), nil
	}
	d, err := files.FindDescriptorByName(name)
	if err != nil {
		return nil, err
	}
	md, ok := d.(protoreflect.MessageDescriptor)
	if !ok {
		return nil, fmt.Errorf("%s is not a message", name)
	}
	return dynamicpb.NewMessage(md), nil
}

// marshal: what grpc-go's codec sends for m (SendMsg takes the result of wireForm).
func marshal(m proto.Message) ([]byte, error) {
	if d, ok := m.(*dynamicpb.Message); ok {
		return deterministic{d}.Marshal()
	}
	return proto.Marshal(m)
}

func wireForm(m proto.Message) interface{} {
	if d, ok := m.(*dynamicpb.Message); ok {
		return deterministic{d}
	}
	// The message as grpc-go 1.33's codec takes it: health.pb.go is an older generation of
	// generated code, whose type in the registry is a wrapper around the struct grpc-go expects.
	return protoimpl.X.ProtoMessageV1Of(m)
}

func fromJSON(name protoreflect.FullName, value []byte) (proto.Message, error) {
	m, err := newMessage(name)
	if err != nil {
		return nil, err
	}
	if err := protojson.Unmarshal(value, m); err != nil {
		return nil, fmt.Errorf("%s from %s: %v", name, value, err)
	}
	return m, nil
}

func method(path string) protoreflect.MethodDescriptor {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(parts) != 2 {
		fail("bad method %q", path)
	}
	d, err := files.FindDescriptorByName(protoreflect.FullName(parts[0]))
	if err != nil {
		fail("%s: %v", path, err)
	}
	m := d.(protoreflect.ServiceDescriptor).Methods().ByName(protoreflect.Name(parts[1]))
	if m == nil {
		fail("%s: no such method", path)
	}
	return m
}

func serve(addr string, cases []testCase, healthStatuses string) {
	handler := func(_ interface{}, stream grpc.ServerStream) error {
		md, _ := metadata.FromIncomingContext(stream.Context())
		index, err := strconv.Atoi(strings.Join(md.Get("canonical-case"), ""))
		if err != nil || index < 0 || index >= len(cases) {
			return fmt.Errorf("no canonical-case %v", md.Get("canonical-case"))
		}
		c := cases[index]
		for {
			// The requests are not looked at: the test reads them on the wire.
			if err := stream.RecvMsg(&emptypb.Empty{}); err == io.EOF {
				break
			} else if err != nil {
				return err
			}
		}
		out := method(c.Method).Output().FullName()
		for _, r := range c.Responses {
			m, err := fromJSON(out, r)
			if err != nil {
				return err
			}
			if err := stream.SendMsg(wireForm(m)); err != nil {
				return err
			}
		}
		return nil
	}
	server := grpc.NewServer(grpc.UnknownServiceHandler(handler))
	if healthStatuses != "" {
		h := health.NewServer()
		for _, pair := range strings.Split(healthStatuses, ",") {
			kv := strings.SplitN(pair, "=", 2)
			status, ok := healthpb.HealthCheckResponse_ServingStatus_value[kv[len(kv)-1]]
			if len(kv) != 2 || !ok {
				fail("bad -health entry %q", pair)
			}
			h.SetServingStatus(kv[0], healthpb.HealthCheckResponse_ServingStatus(status))
		}
		healthpb.RegisterHealthServer(server, h)
	}
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		fail("%v", err)
	}
	fmt.Printf("listening %s\n", listener.Addr())
	if err := server.Serve(listener); err != nil {
		fail("%v", err)
	}
}

func call(addr string, cases []testCase) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := grpc.DialContext(ctx, addr, grpc.WithInsecure(), grpc.WithBlock())
	if err != nil {
		fail("dial %s: %v", addr, err)
	}
	defer conn.Close()
	for i, c := range cases {
		m := method(c.Method)
		desc := &grpc.StreamDesc{ClientStreams: m.IsStreamingClient(), ServerStreams: m.IsStreamingServer()}
		callCtx := metadata.AppendToOutgoingContext(ctx, "canonical-case", strconv.Itoa(i))
		stream, err := conn.NewStream(callCtx, desc, c.Method)
		if err != nil {
			fail("case %d %s: %v", i, c.Method, err)
		}
		for _, r := range c.Requests {
			req, err := fromJSON(m.Input().FullName(), r)
			if err != nil {
				fail("case %d: %v", i, err)
			}
			if err := stream.SendMsg(wireForm(req)); err != nil {
				fail("case %d %s: send: %v", i, c.Method, err)
			}
		}
		if err := stream.CloseSend(); err != nil {
			fail("case %d %s: close: %v", i, c.Method, err)
		}
		for {
			err := stream.RecvMsg(&emptypb.Empty{})
			if err == io.EOF {
				break
			}
			if err != nil {
				fail("case %d %s: %v", i, c.Method, err)
			}
			if !desc.ServerStreams {
				break
			}
		}
	}
	fmt.Printf("called %d\n", len(cases))
}

func encode() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	for in.Scan() {
		var line struct {
			Type string          `json:"type"`
			JSON json.RawMessage `json:"json"`
			Hex  string          `json:"hex"`
		}
		out, err := func() ([]byte, error) {
			if err := json.Unmarshal(in.Bytes(), &line); err != nil {
				return nil, err
			}
			name := protoreflect.FullName(line.Type)
			if line.JSON != nil {
				m, err := fromJSON(name, line.JSON)
				if err != nil {
					return nil, err
				}
				return marshal(m)
			}
			bytes, err := hex.DecodeString(line.Hex)
			if err != nil {
				return nil, err
			}
			m, err := newMessage(name)
			if err != nil {
				return nil, err
			}
			if err := proto.Unmarshal(bytes, m); err != nil {
				return nil, err
			}
			return marshal(m)
		}()
		if err != nil {
			fmt.Printf("error: %v\n", err)
		} else {
			fmt.Printf("%x\n", out)
		}
	}
}
