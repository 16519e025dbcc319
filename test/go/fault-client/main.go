// fault-client: grpc-go's client through the tap's faults (test/faults/peers.test.ts). On one
// ClientConn it makes a first call, of the kind the fault is about, then -then unary calls, one
// after the other, and prints one JSON line per call: what grpc-go made of it.
//
//	fault-client -addr 127.0.0.1:PORT -first get|list|chat|record [-then 100] [-timeout 5s]
//
// {"call":1,"method":"ListFeatures","code":"Internal","message":"…","messages":3,"ms":1.2}
//
// Built against Debian's grpc-go 1.33 in GOPATH mode by build.sh beside it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	pb "google.golang.org/grpc/examples/route_guide/routeguide"
)

type outcome struct {
	Call     int     `json:"call"`
	Method   string  `json:"method"`
	Code     string  `json:"code"`
	Message  string  `json:"message,omitempty"`
	Messages int     `json:"messages"`
	Ms       float64 `json:"ms"`
}

var point = &pb.Point{Latitude: 409146138, Longitude: -746188906}

func main() {
	addr := flag.String("addr", "127.0.0.1:50051", "server host:port")
	first := flag.String("first", "get", "the first call: get, list, chat or record")
	then := flag.Int("then", 100, "unary calls after the first")
	timeout := flag.Duration("timeout", 5*time.Second, "deadline of each call")
	flag.Parse()

	dial, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := grpc.DialContext(dial, *addr, grpc.WithInsecure(), grpc.WithBlock())
	if err != nil {
		fmt.Fprintf(os.Stderr, "fault-client: dial: %v\n", err)
		os.Exit(1)
	}
	defer conn.Close()
	client := pb.NewRouteGuideClient(conn)
	out := json.NewEncoder(os.Stdout)

	run := func(n int, kind string) {
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		defer cancel()
		start := time.Now()
		method, messages, err := call(ctx, client, kind)
		st := status.Convert(err)
		out.Encode(outcome{
			Call:     n,
			Method:   method,
			Code:     st.Code().String(),
			Message:  st.Message(),
			Messages: messages,
			Ms:       float64(time.Since(start).Microseconds()) / 1000,
		})
	}
	run(1, *first)
	for i := 0; i < *then; i++ {
		run(i+2, "get")
	}
}

func call(ctx context.Context, client pb.RouteGuideClient, kind string) (string, int, error) {
	switch kind {
	case "get":
		_, err := client.GetFeature(ctx, point)
		if err != nil {
			return "GetFeature", 0, err
		}
		return "GetFeature", 1, nil
	case "list":
		stream, err := client.ListFeatures(ctx, &pb.Rectangle{
			Lo: &pb.Point{Latitude: 400000000, Longitude: -750000000},
			Hi: &pb.Point{Latitude: 420000000, Longitude: -730000000},
		})
		if err != nil {
			return "ListFeatures", 0, err
		}
		n := 0
		for {
			if _, err := stream.Recv(); err == io.EOF {
				return "ListFeatures", n, nil
			} else if err != nil {
				return "ListFeatures", n, err
			}
			n++
		}
	case "chat":
		stream, err := client.RouteChat(ctx)
		if err != nil {
			return "RouteChat", 0, err
		}
		n := 0
		for i := 0; i < 3; i++ {
			note := &pb.RouteNote{Location: &pb.Point{Latitude: 1, Longitude: int32(i)}, Message: fmt.Sprintf("note %d", i)}
			if err := stream.Send(note); err != nil {
				break
			}
		}
		stream.CloseSend()
		for {
			if _, err := stream.Recv(); err == io.EOF {
				return "RouteChat", n, nil
			} else if err != nil {
				return "RouteChat", n, err
			}
			n++
		}
	case "record":
		stream, err := client.RecordRoute(ctx)
		if err != nil {
			return "RecordRoute", 0, err
		}
		for i := 0; i < 5; i++ {
			if err := stream.Send(&pb.Point{Latitude: 400000000 + int32(i), Longitude: -740000000}); err != nil {
				break
			}
		}
		_, err = stream.CloseAndRecv()
		if err != nil {
			return "RecordRoute", 0, err
		}
		return "RecordRoute", 1, nil
	}
	fmt.Fprintf(os.Stderr, "fault-client: -first %q: get, list, chat or record\n", kind)
	os.Exit(2)
	return "", 0, nil
}
