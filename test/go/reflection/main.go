// reflection-client: what grpcurl does, with grpc-go's own reflection stubs (Debian's grpc-go 1.33,
// google.golang.org/grpc/reflection/grpc_reflection_v1alpha).
//
//   reflection-client -addr 127.0.0.1:PORT [-symbol routeguide.RouteGuide] [-call JSON]
//
// Lists the services, fetches the file declaring -symbol and every dependency by file name, builds
// them with protodesc (strict validation, as Go tools do), prints the service's methods, checks that
// an unknown symbol gets NOT_FOUND inside the stream, and, with -call, invokes the service's first
// method with a JSON request through dynamicpb, printing the JSON response.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	rpb "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "reflection-client: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:50051", "server address")
	symbol := flag.String("symbol", "routeguide.RouteGuide", "service to resolve")
	call := flag.String("call", "", "JSON request for the service's first method")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := grpc.DialContext(ctx, *addr, grpc.WithInsecure(), grpc.WithBlock())
	if err != nil {
		fail("dial: %v", err)
	}
	defer conn.Close()
	stream, err := rpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		fail("ServerReflectionInfo: %v", err)
	}
	ask := func(req *rpb.ServerReflectionRequest) *rpb.ServerReflectionResponse {
		if err := stream.Send(req); err != nil {
			fail("send: %v", err)
		}
		res, err := stream.Recv()
		if err != nil {
			fail("recv: %v", err)
		}
		return res
	}

	list := ask(&rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_ListServices{ListServices: "*"}})
	for _, s := range list.GetListServicesResponse().GetService() {
		fmt.Printf("service %s\n", s.GetName())
	}

	files := map[string]*descriptorpb.FileDescriptorProto{}
	add := func(res *rpb.ServerReflectionResponse) {
		if e := res.GetErrorResponse(); e != nil {
			fail("error_response %d: %s", e.GetErrorCode(), e.GetErrorMessage())
		}
		for _, b := range res.GetFileDescriptorResponse().GetFileDescriptorProto() {
			fd := &descriptorpb.FileDescriptorProto{}
			if err := proto.Unmarshal(b, fd); err != nil {
				fail("bad FileDescriptorProto: %v", err)
			}
			files[fd.GetName()] = fd
		}
	}
	add(ask(&rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: *symbol}}))
	for missing := true; missing; {
		missing = false
		for _, fd := range files {
			for _, dep := range fd.GetDependency() {
				if files[dep] == nil {
					missing = true
					add(ask(&rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_FileByFilename{FileByFilename: dep}}))
				}
			}
		}
	}
	set := &descriptorpb.FileDescriptorSet{}
	names := []string{}
	for name, fd := range files {
		names = append(names, name)
		set.File = append(set.File, fd)
	}
	sort.Strings(names)
	fmt.Printf("files %v\n", names)
	registry, err := protodesc.NewFiles(set)
	if err != nil {
		fail("protodesc rejected the descriptors: %v", err)
	}
	d, err := registry.FindDescriptorByName(protoreflect.FullName(*symbol))
	if err != nil {
		fail("%s not in the descriptors: %v", *symbol, err)
	}
	service, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		fail("%s is not a service", *symbol)
	}
	for i := 0; i < service.Methods().Len(); i++ {
		m := service.Methods().Get(i)
		fmt.Printf("rpc %s(%s%s) returns (%s%s)\n", m.Name(), streamWord(m.IsStreamingClient()), m.Input().FullName(),
			streamWord(m.IsStreamingServer()), m.Output().FullName())
	}

	unknown := ask(&rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: "no.such.Symbol"}})
	fmt.Printf("unknown symbol: %s\n", codes.Code(unknown.GetErrorResponse().GetErrorCode()))
	if err := stream.CloseSend(); err != nil {
		fail("close send: %v", err)
	}

	if *call != "" {
		m := service.Methods().Get(0)
		req := dynamicpb.NewMessage(m.Input())
		if err := protojson.Unmarshal([]byte(*call), req); err != nil {
			fail("request JSON: %v", err)
		}
		res := dynamicpb.NewMessage(m.Output())
		path := fmt.Sprintf("/%s/%s", service.FullName(), m.Name())
		if err := conn.Invoke(ctx, path, req, res); err != nil {
			fail("%s: %v", path, err)
		}
		out, _ := protojson.Marshal(res)
		fmt.Printf("response %s\n", out)
	}
}

func streamWord(streaming bool) string {
	if streaming {
		return "stream "
	}
	return ""
}
