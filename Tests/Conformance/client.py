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
records = list(orchestrator.QueryAudit(pb.QueryAuditRequest(filters=["agent=aios-agent-task"]), timeout=10))
seen["audit_records"] = len(records)
seen["audit_first"] = json.loads(records[0].json)["event_type"] if records else None
print(json.dumps(seen, sort_keys=True))
