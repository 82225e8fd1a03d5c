"""The unbounded-input attacks of issue 12 (point 8) against a running daemon, with grpcio and hand-encoded
protobuf (no stubs): 15 MiB ids, agents and reasons, and 3,000 refused self-grants as fast as one agent can send
them. Prints one JSON object with the status codes and messages seen.

usage: oversized-calls.py SERVER IDENTITIES_DIR
"""
import json
import sys
import time
from collections import Counter

import grpc

server, identities = sys.argv[1], sys.argv[2]
HUGE = b"a" * (15 << 20)


def field(number, value):
    """A length-delimited protobuf field (wire type 2)."""
    key, length, encoded = number << 3 | 2, len(value), bytearray()
    while key >= 0x80:
        encoded.append(key & 0x7F | 0x80)
        key >>= 7
    encoded.append(key)
    while length >= 0x80:
        encoded.append(length & 0x7F | 0x80)
        length >>= 7
    encoded.append(length)
    return bytes(encoded) + value


def channel(name):
    def read(file):
        with open(f"{identities}/{name}/{file}", "rb") as handle:
            return handle.read()

    credentials = grpc.ssl_channel_credentials(
        root_certificates=read("bundle.pem"), private_key=read("key.pem"), certificate_chain=read("cert.pem"))
    return grpc.secure_channel(server, credentials, options=[("grpc.max_send_message_length", 32 << 20)])


def method(chan, name):
    return chan.unary_unary(f"/aios.security.v1.SecurityService/{name}", request_serializer=lambda b: b,
                            response_deserializer=lambda b: b)


orchestrator, agent = channel("orchestrator"), channel("aios-agent-task")
attacks = [
    (orchestrator, "GrantTemporary", field(1, HUGE) + field(2, b"fs:read:/tmp/*") + field(3, b"1m") + field(4, b"x")),
    (orchestrator, "GrantTemporary", field(1, HUGE) + field(2, b"fs:read:/tmp/*") + field(3, b"1m") + field(4, b"x")),
    (orchestrator, "GrantTemporary", field(1, HUGE) + field(2, b"fs:read:/tmp/*") + field(3, b"1m") + field(4, b"x")),
    (orchestrator, "GrantTemporary", field(1, HUGE) + field(2, b"fs:read:/tmp/*") + field(3, b"1m") + field(4, b"x")),
    (orchestrator, "Confirm", field(1, HUGE)),
    (orchestrator, "Revoke", field(1, HUGE) + field(2, b"x")),
    (agent, "ExecuteTool", field(1, b"fs.read") + field(3, HUGE)),
]
seen = {"oversized": [], "messages": []}
for chan, name, request in attacks:
    try:
        method(chan, name)(request, timeout=60)
        seen["oversized"].append("OK")
    except grpc.RpcError as error:
        seen["oversized"].append(error.code().name)
        seen["messages"].append(error.details())

self_grant = method(agent, "GrantTemporary")
request = field(1, b"aios-agent-task") + field(2, b"fs:write:/etc/*") + field(3, b"1m") + field(4, b"self")
started = time.monotonic()
futures = [self_grant.future(request, timeout=60) for _ in range(3000)]
codes = Counter()
for future in futures:
    try:
        future.result()
        codes["OK"] += 1
    except grpc.RpcError as error:
        codes[error.code().name] += 1
seen["self_grants"] = dict(codes)
seen["self_grant_seconds"] = time.monotonic() - started
print(json.dumps(seen, sort_keys=True))
