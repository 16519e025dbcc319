#!/usr/bin/python3
"""The canonical RouteGuide client walk-through on python grpcio (Debian python3-grpcio and
python3-protobuf), for recording its traffic: GetFeature twice, ListFeatures, RecordRoute, RouteChat,
in the order grpc-go's examples/route_guide/client makes them.

    /usr/bin/python3 scripts/fuzz/routeguide_client.py HOST:PORT

Debian ships no protoc plugin for Python, so the messages of proto/route_guide.proto are built here
from a descriptor written out by hand (the same five messages, the same field numbers).
"""

import random
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

FIELD = descriptor_pb2.FieldDescriptorProto


def route_guide_messages():
    """Point, Rectangle, Feature, RouteNote and RouteSummary of package routeguide."""
    file = descriptor_pb2.FileDescriptorProto(name="route_guide.proto", package="routeguide", syntax="proto3")

    def message(name, *fields):
        m = file.message_type.add(name=name)
        for number, (field_name, kind, type_name) in enumerate(fields, start=1):
            m.field.add(name=field_name, number=number, type=kind, type_name=type_name,
                        label=FIELD.LABEL_OPTIONAL)

    point = ".routeguide.Point"
    message("Point", ("latitude", FIELD.TYPE_INT32, None), ("longitude", FIELD.TYPE_INT32, None))
    message("Rectangle", ("lo", FIELD.TYPE_MESSAGE, point), ("hi", FIELD.TYPE_MESSAGE, point))
    message("Feature", ("name", FIELD.TYPE_STRING, None), ("location", FIELD.TYPE_MESSAGE, point))
    message("RouteNote", ("location", FIELD.TYPE_MESSAGE, point), ("message", FIELD.TYPE_STRING, None))
    message("RouteSummary", ("point_count", FIELD.TYPE_INT32, None), ("feature_count", FIELD.TYPE_INT32, None),
            ("distance", FIELD.TYPE_INT32, None), ("elapsed_time", FIELD.TYPE_INT32, None))
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return message_factory.MessageFactory(pool).GetMessages([file.name])


def main(address):
    types = route_guide_messages()
    Point, Rectangle, RouteNote = (types[f"routeguide.{n}"] for n in ("Point", "Rectangle", "RouteNote"))
    Feature, RouteSummary = types["routeguide.Feature"], types["routeguide.RouteSummary"]

    with grpc.insecure_channel(address) as channel:
        def method(kind, name, request_type, response_type):
            return getattr(channel, kind)(f"/routeguide.RouteGuide/{name}",
                                          request_serializer=request_type.SerializeToString,
                                          response_deserializer=response_type.FromString)

        get_feature = method("unary_unary", "GetFeature", Point, Feature)
        list_features = method("unary_stream", "ListFeatures", Rectangle, Feature)
        record_route = method("stream_unary", "RecordRoute", Point, RouteSummary)
        route_chat = method("stream_stream", "RouteChat", RouteNote, RouteNote)

        for point in (Point(latitude=409146138, longitude=-746188906), Point(latitude=0, longitude=0)):
            print("GetFeature:", get_feature(point, timeout=10).name or "(no feature)")
        rectangle = Rectangle(lo=Point(latitude=400000000, longitude=-750000000),
                              hi=Point(latitude=420000000, longitude=-730000000))
        print("ListFeatures:", sum(1 for _ in list_features(rectangle, timeout=10)), "features")
        route = [Point(latitude=random.randint(-90, 89) * 10_000_000, longitude=random.randint(-180, 179) * 10_000_000)
                 for _ in range(random.randint(2, 101))]
        print("RecordRoute:", record_route(iter(route), timeout=10).point_count, "points")
        notes = [RouteNote(location=Point(latitude=0, longitude=i % 3 + 1), message=f"{word} message")
                 for i, word in enumerate(("First", "Second", "Third", "Fourth", "Fifth", "Sixth"))]
        print("RouteChat:", sum(1 for _ in route_chat(iter(notes), timeout=10)), "notes back")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} HOST:PORT")
    main(sys.argv[1])
