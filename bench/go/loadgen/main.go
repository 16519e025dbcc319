// Command loadgen drives a RouteGuide server for the benchmarks and verifies every answer.
//
//	loadgen -addr 127.0.0.1:P routechat -n 100000 -streams 1 [-base 1000000] [-size 1024]
//	loadgen -addr 127.0.0.1:P listfeatures -repeat 200
//	loadgen -addr 127.0.0.1:P recordroute -points 200000
//	loadgen -addr 127.0.0.1:P unary -n 10000 -c 8 [-point LAT,LNG]
//
// Prints one JSON line {"ops":..,"seconds":..,"rate":..} on stdout; exits 1 with a message on
// stderr when an answer is wrong. Built in GOPATH mode against Debian's grpc-go by bench/go/build.sh.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"

	pb "google.golang.org/grpc/examples/route_guide/routeguide"
)

type dbFeature struct {
	Location struct {
		Latitude  int32 `json:"latitude"`
		Longitude int32 `json:"longitude"`
	} `json:"location"`
	Name string `json:"name"`
}

var (
	addr     = flag.String("addr", "127.0.0.1:50051", "server host:port")
	dbFile   = flag.String("db", "data/route_guide_db.json", "the feature database the server uses")
	deadline = flag.Duration("deadline", 10*time.Minute, "deadline of each call")
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "loadgen: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: loadgen [-addr H:P] [-db FILE] [-deadline D] routechat|listfeatures|recordroute|unary [mode flags]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() < 1 {
		flag.Usage()
		os.Exit(2)
	}
	mode, rest := flag.Arg(0), flag.Args()[1:]
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	n := fs.Int("n", 100000, "routechat: notes in total; unary: calls")
	streams := fs.Int("streams", 1, "routechat: concurrent streams (notes are split between them)")
	base := fs.Int("base", 1000000, "routechat: latitude of the first note (notes are at distinct locations)")
	size := fs.Int("size", 0, "routechat: pad each message to this many bytes")
	repeat := fs.Int("repeat", 100, "listfeatures: calls")
	points := fs.Int("points", 200000, "recordroute: points")
	conc := fs.Int("c", 8, "unary: concurrent callers")
	pointFlag := fs.String("point", "", "unary: ask only for this LAT,LNG")
	fs.Parse(rest)
	messageSize = *size

	db := loadDb(*dbFile)
	dialCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	conn, err := grpc.DialContext(dialCtx, *addr, grpc.WithInsecure(), grpc.WithBlock())
	cancel()
	if err != nil {
		fail("dial %s: %v", *addr, err)
	}
	defer conn.Close()
	client := pb.NewRouteGuideClient(conn)

	start := time.Now()
	var ops int
	switch mode {
	case "routechat":
		ops = routeChat(client, *n, *streams, int32(*base))
	case "listfeatures":
		ops = listFeatures(client, db, *repeat)
	case "recordroute":
		ops = recordRoute(client, db, *points)
	case "unary":
		ops = unary(client, db, *n, *conc, *pointFlag)
	default:
		flag.Usage()
		os.Exit(2)
	}
	seconds := time.Since(start).Seconds()
	out, _ := json.Marshal(map[string]interface{}{"ops": ops, "seconds": seconds, "rate": float64(ops) / seconds})
	fmt.Println(string(out))
}

func loadDb(path string) []dbFeature {
	data, err := ioutil.ReadFile(path)
	if err != nil {
		fail("read db: %v", err)
	}
	var db []dbFeature
	if err := json.Unmarshal(data, &db); err != nil {
		fail("parse db %s: %v", path, err)
	}
	return db
}

func callCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), *deadline)
}

// routechat -size: messages are padded to this many bytes.
var messageSize int

// The note a stream sends at index i: a location used by no other note, so the server answers
// it with exactly that one note (RouteChat replies with all notes stored at the location).
func noteAt(lat int32) *pb.RouteNote {
	message := "note " + strconv.Itoa(int(lat))
	if len(message) < messageSize {
		message += strings.Repeat("x", messageSize-len(message))
	}
	return &pb.RouteNote{Location: &pb.Point{Latitude: lat, Longitude: -1}, Message: message}
}

func routeChat(client pb.RouteGuideClient, n, streams int, base int32) int {
	if streams < 1 || n < streams {
		fail("routechat: need 1 <= streams <= n")
	}
	var wg sync.WaitGroup
	var replies int64
	per := n / streams
	for s := 0; s < streams; s++ {
		count := per
		if s == streams-1 {
			count = n - per*(streams-1)
		}
		first := base + int32(s*per)
		wg.Add(1)
		go func() {
			defer wg.Done()
			atomic.AddInt64(&replies, int64(chatStream(client, first, count)))
		}()
	}
	wg.Wait()
	if int(replies) != n {
		fail("routechat: %d replies for %d notes", replies, n)
	}
	return n
}

// One RouteChat stream: send count notes while receiving; reply k must equal note k.
func chatStream(client pb.RouteGuideClient, first int32, count int) int {
	ctx, cancel := callCtx()
	defer cancel()
	stream, err := client.RouteChat(ctx)
	if err != nil {
		fail("routechat: open stream: %v", err)
	}
	sendErr := make(chan error, 1)
	go func() {
		for i := 0; i < count; i++ {
			if err := stream.Send(noteAt(first + int32(i))); err != nil {
				sendErr <- err
				return
			}
		}
		sendErr <- stream.CloseSend()
	}()
	got := 0
	for {
		reply, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			fail("routechat: after %d replies: %v", got, err)
		}
		want := noteAt(first + int32(got))
		if got >= count || reply.GetLocation().GetLatitude() != want.Location.Latitude ||
			reply.GetLocation().GetLongitude() != want.Location.Longitude || reply.GetMessage() != want.Message {
			fail("routechat: reply %d is %v, want %v", got, reply, want)
		}
		got++
	}
	if err := <-sendErr; err != nil && err != io.EOF {
		fail("routechat: send: %v", err)
	}
	if got != count {
		fail("routechat: %d replies for %d notes", got, count)
	}
	return got
}

// ListFeatures over the whole world, repeat times; each call must return the db in order.
func listFeatures(client pb.RouteGuideClient, db []dbFeature, repeat int) int {
	rect := &pb.Rectangle{
		Lo: &pb.Point{Latitude: -900000000, Longitude: -1800000000},
		Hi: &pb.Point{Latitude: 900000000, Longitude: 1800000000},
	}
	total := 0
	for r := 0; r < repeat; r++ {
		ctx, cancel := callCtx()
		stream, err := client.ListFeatures(ctx, rect)
		if err != nil {
			fail("listfeatures: %v", err)
		}
		got := 0
		for {
			f, err := stream.Recv()
			if err == io.EOF {
				break
			}
			if err != nil {
				fail("listfeatures: call %d after %d features: %v", r, got, err)
			}
			if got >= len(db) || f.GetName() != db[got].Name ||
				f.GetLocation().GetLatitude() != db[got].Location.Latitude ||
				f.GetLocation().GetLongitude() != db[got].Location.Longitude {
				fail("listfeatures: call %d feature %d is %v", r, got, f)
			}
			got++
		}
		cancel()
		if got != len(db) {
			fail("listfeatures: call %d returned %d features, want %d", r, got, len(db))
		}
		total += got
	}
	return total
}

// RecordRoute: points alternate between two nearby places, and every 1000th point is a named
// feature of the db (so feature_count is known).
func recordRoute(client pb.RouteGuideClient, db []dbFeature, points int) int {
	var named []*pb.Point
	for _, f := range db {
		if f.Name != "" {
			named = append(named, &pb.Point{Latitude: f.Location.Latitude, Longitude: f.Location.Longitude})
		}
	}
	ctx, cancel := callCtx()
	defer cancel()
	stream, err := client.RecordRoute(ctx)
	if err != nil {
		fail("recordroute: %v", err)
	}
	wantFeatures := 0
	for i := 0; i < points; i++ {
		p := &pb.Point{Latitude: 400000000 + int32(i%2)*1000, Longitude: -740000000}
		if i%1000 == 999 && len(named) > 0 {
			p = named[wantFeatures%len(named)]
			wantFeatures++
		}
		if err := stream.Send(p); err != nil {
			fail("recordroute: send point %d: %v", i, err)
		}
	}
	summary, err := stream.CloseAndRecv()
	if err != nil {
		fail("recordroute: %v", err)
	}
	if int(summary.GetPointCount()) != points || int(summary.GetFeatureCount()) != wantFeatures {
		fail("recordroute: summary %v, want point_count %d feature_count %d", summary, points, wantFeatures)
	}
	return points
}

func parsePoint(s string) *pb.Point {
	parts := strings.Split(s, ",")
	if len(parts) != 2 {
		fail("-point wants LAT,LNG")
	}
	lat, err1 := strconv.ParseInt(parts[0], 10, 32)
	lng, err2 := strconv.ParseInt(parts[1], 10, 32)
	if err1 != nil || err2 != nil {
		fail("-point wants integers LAT,LNG")
	}
	return &pb.Point{Latitude: int32(lat), Longitude: int32(lng)}
}

// GetFeature n times from conc goroutines on one connection, alternating between a feature of the
// db and a point with no feature (answered with an unnamed feature at that point).
func unary(client pb.RouteGuideClient, db []dbFeature, n, conc int, pointFlag string) int {
	var asks []*pb.Point
	if pointFlag != "" {
		asks = []*pb.Point{parsePoint(pointFlag)}
	} else {
		f := db[0].Location
		asks = []*pb.Point{{Latitude: f.Latitude, Longitude: f.Longitude}, {Latitude: 1, Longitude: 2}}
	}
	wantName := func(p *pb.Point) string {
		for _, f := range db {
			if f.Location.Latitude == p.Latitude && f.Location.Longitude == p.Longitude {
				return f.Name
			}
		}
		return ""
	}
	var next int64 = -1
	var wg sync.WaitGroup
	for g := 0; g < conc; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := atomic.AddInt64(&next, 1)
				if i >= int64(n) {
					return
				}
				p := asks[int(i)%len(asks)]
				ctx, cancel := callCtx()
				f, err := client.GetFeature(ctx, p)
				cancel()
				if err != nil {
					fail("unary: call %d: %v", i, err)
				}
				if f.GetName() != wantName(p) || f.GetLocation().GetLatitude() != p.Latitude ||
					f.GetLocation().GetLongitude() != p.Longitude {
					fail("unary: GetFeature(%v) = %v, want name %q", p, f, wantName(p))
				}
			}
		}()
	}
	wg.Wait()
	return n
}
