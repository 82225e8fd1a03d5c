"""The task agent of the end-to-end test, run by the daemon inside its sandbox (as its own uid, in its own view).

It knows the daemon only from its environment (AIOS_SOCKET, AIOS_IDENTITY). argv: the SDK's site-packages, the
data directory. Exit 0 when every step went as the policy says; another status names the step that did not.
"""
import sys
import time

sys.path.insert(0, sys.argv[1])
from aios_security import Denied, SyncSecurityClient  # noqa: E402

DATA = sys.argv[2]
OUT = DATA + "/out.txt"
TASK = "task-e2e"


def wait(condition, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


with SyncSecurityClient.from_environment() as security:
    if not security.status().caller.endswith("/agent/aios-agent-task"):
        sys.exit(2)
    text = security.execute_tool("fs.read", {"path": DATA + "/input.txt"}, reason="read the input").output.decode()
    try:
        security.execute_tool("fs.write", {"path": OUT, "content": text}, reason="write the output", task_id=TASK)
        sys.exit(3)
    except Denied:
        pass
    # The orchestrator sees the denial in the ledger and grants the task's write.
    if not wait(lambda: security.authorize(capability="fs:write:" + OUT, task_id=TASK).allowed):
        sys.exit(4)
    security.execute_tool("fs.write", {"path": OUT, "content": text.upper()}, reason="write the output", task_id=TASK)
    # The orchestrator completes the task: the grant ends with it.
    if not wait(lambda: not security.authorize(capability="fs:write:" + OUT, task_id=TASK).allowed):
        sys.exit(5)
    try:
        security.execute_tool("fs.write", {"path": OUT, "content": "again"}, reason="after the task", task_id=TASK)
        sys.exit(6)
    except Denied:
        pass
sys.exit(0)
