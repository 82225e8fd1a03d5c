"""Makes COUNT Status calls, each on a new mTLS connection, with the identity in IDENTITY_DIR (a revoked or
otherwise refused certificate), WORKERS at a time; prints one JSON object counting the status codes seen.

Each call has 5 s and all of them together 90 s: calls not started by then are counted as NOT_STARTED, so a daemon
that stopped answering fails the test in bounded time.

usage: refused-calls.py SERVER IDENTITY_DIR COUNT WORKERS
"""
import json
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import grpc

server, identity, count, workers = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])


def read(name):
    with open(f"{identity}/{name}", "rb") as handle:
        return handle.read()


credentials = grpc.ssl_channel_credentials(
    root_certificates=read("bundle.pem"), private_key=read("key.pem"), certificate_chain=read("cert.pem"))
# No stubs: Status takes an empty message, so the raw bytes are b"".
method = "/aios.security.v1.SecurityService/Status"
# A fresh subchannel per call: grpcio would otherwise share one connection between channels to the same target.
options = [("grpc.use_local_subchannel_pool", 1)]


deadline = time.monotonic() + 90


def call(_):
    if time.monotonic() > deadline:
        return "NOT_STARTED"
    with grpc.secure_channel(server, credentials, options=options) as channel:
        status = channel.unary_unary(method, request_serializer=lambda b: b, response_deserializer=lambda b: b)
        try:
            status(b"", timeout=5)
            return "OK"
        except grpc.RpcError as error:
            return error.code().name


with ThreadPoolExecutor(max_workers=workers) as pool:
    seen = Counter(pool.map(call, range(count)))
print(json.dumps(dict(seen), sort_keys=True))
