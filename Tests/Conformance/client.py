"""An independent client for the daemon's gRPC API: Python's grpcio over mTLS, with stubs generated from the same
.proto at test time (never committed). Drives status, a grant, a tool call through the Broker, a denial, a refused
self-grant and the audit stream, and prints one JSON object with what it saw.

usage: client.py STUBS_DIR SERVER IDENTITIES_DIR DEMO_DIR
"""
import json
import sys

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
from aios.security.v1 import security_pb2 as pb  # noqa: E402
from aios.security.v1 import security_pb2_grpc as rpc  # noqa: E402

server, identities, demo = sys.argv[2], sys.argv[3], sys.argv[4]


def stub(name):
    def read(file):
        with open(f"{identities}/{name}/{file}", "rb") as handle:
            return handle.read()

    credentials = grpc.ssl_channel_credentials(
        root_certificates=read("bundle.pem"), private_key=read("key.pem"), certificate_chain=read("cert.pem"))
    return rpc.SecurityServiceStub(grpc.secure_channel(server, credentials))


seen = {}
orchestrator, agent = stub("orchestrator"), stub("aios-agent-task")
seen["status_caller"] = orchestrator.Status(pb.StatusRequest(), timeout=10).caller
grant = orchestrator.GrantTemporary(
    pb.GrantTemporaryRequest(
        agent="aios-agent-task", capability=f"fs:write:{demo}/*", duration="10m", reason="conformance",
        task_id="py-1"), timeout=10)
seen["grant_id"] = grant.grant.id
written = agent.ExecuteTool(
    pb.ExecuteToolRequest(tool="fs.write", arguments={"path": f"{demo}/py.txt", "content": "from python"}), timeout=10)
seen["write_allowed"] = written.decision.allowed
seen["bytes_written"] = written.details.get("bytes_written")
denied = agent.Authorize(pb.AuthorizeRequest(tool="fs.write", arguments={"path": "/etc/passwd", "content": "x"}),
                         timeout=10)
seen["passwd_allowed"] = denied.decision.allowed
try:
    agent.GrantTemporary(pb.GrantTemporaryRequest(agent="aios-agent-task", capability="fs:write:/etc/*",
                                                  duration="1m", reason="self"), timeout=10)
    seen["self_grant"] = "allowed"
except grpc.RpcError as error:
    seen["self_grant"] = error.code().name
try:
    agent.ExecuteTool(pb.ExecuteToolRequest(tool="no.such.tool"), timeout=10)
    seen["unknown_tool"] = "ok"
except grpc.RpcError as error:
    seen["unknown_tool"] = error.code().name
# A path that is not UTF-8 (raw protobuf bytes: field 3, capability) is refused with a clear status.
def read(name, file):
    with open(f"{identities}/{name}/{file}", "rb") as handle:
        return handle.read()


raw = grpc.secure_channel(server, grpc.ssl_channel_credentials(
    root_certificates=read("aios-agent-task", "bundle.pem"), private_key=read("aios-agent-task", "key.pem"),
    certificate_chain=read("aios-agent-task", "cert.pem")))
authorize_raw = raw.unary_unary("/aios.security.v1.SecurityService/Authorize", request_serializer=lambda b: b,
                                response_deserializer=pb.AuthorizeResponse.FromString)
bad_path = b"fs:read:/tmp/\xff\xfe"
try:
    authorize_raw(bytes([0x1A, len(bad_path)]) + bad_path, timeout=10)
    seen["invalid_utf8"] = "OK"
except grpc.RpcError as error:
    seen["invalid_utf8"] = error.code().name
# An oversized message is refused with a clear status, on a connection that stays usable.
try:
    agent.ExecuteTool(pb.ExecuteToolRequest(tool="fs.write", arguments={"path": f"{demo}/big", "content": "x" * (5 << 20)}),
                      timeout=30)
    seen["oversized"] = "accepted"
except grpc.RpcError as error:
    seen["oversized"] = error.code().name
    seen["oversized_message"] = error.details()
# 1,000 concurrent callers: every one gets an answer (allowed, or denied by the rate limit), none an error.
futures = [agent.Authorize.future(pb.AuthorizeRequest(capability=f"fs:write:{demo}/n{index}"), timeout=60)
           for index in range(1000)]
outcomes = {"allowed": 0, "denied": 0, "error": 0}
for future in futures:
    try:
        outcomes["allowed" if future.result().decision.allowed else "denied"] += 1
    except grpc.RpcError:
        outcomes["error"] += 1
        outcomes.setdefault("codes", []).append(future.exception().code().name)
seen["concurrent"] = outcomes
records = list(orchestrator.QueryAudit(pb.QueryAuditRequest(filters=["agent=aios-agent-task"]), timeout=10))
seen["audit_records"] = len(records)
seen["audit_first"] = json.loads(records[0].json)["event_type"] if records else None
print(json.dumps(seen, sort_keys=True))
