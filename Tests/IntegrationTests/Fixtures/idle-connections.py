"""Plain TCP connections that never send a byte (issue 12, point 9): opens COUNT connections to 127.0.0.1:PORT,
bound in turn to the SOURCE addresses, in batches of 256, each batch awaited (writable: the handshake completed)
before the next: a burst that overflows the listen queue would make the kernel answer with SYN cookies and drop
the final ACK, leaving sockets that believe they are connected to a server that never saw them.

Prints "open N" once they are open. Then, for each line "check SECONDS" on standard input, polls until the daemon
has closed every connection (end of stream or reset) or SECONDS passed, and prints {"open": N, "closed": M}.
Exits when standard input closes. Standard library only.

usage: idle-connections.py PORT COUNT SOURCE...
"""
import errno
import json
import resource
import select
import socket
import sys
import time

port, count, sources = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def await_connected(batch):
    poller = select.poll()
    for sock in batch:
        poller.register(sock, select.POLLOUT)
    pending, deadline = len(batch), time.monotonic() + 10
    while pending and time.monotonic() < deadline:
        for descriptor, _ in poller.poll(100):
            poller.unregister(descriptor)
            pending -= 1


sockets, batch = [], []
for index in range(count):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    sock.bind((sources[index % len(sources)], 0))
    result = sock.connect_ex(("127.0.0.1", port))
    if result not in (0, errno.EINPROGRESS):
        raise OSError(result, f"connect {index}: {errno.errorcode.get(result)}")
    sockets.append(sock)
    batch.append(sock)
    if len(batch) == 256:
        await_connected(batch)
        batch = []
await_connected(batch)
print(f"open {len(sockets)}", flush=True)


def closed_by_peer(sock):
    try:
        return sock.recv(64, socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


for line in sys.stdin:
    seconds = float(line.split()[1])
    deadline, open_ = time.monotonic() + seconds, set(sockets)
    closed = 0
    while open_:
        for sock in [sock for sock in open_ if closed_by_peer(sock)]:
            open_.remove(sock)
            closed += 1
        if not open_ or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    print(json.dumps({"open": len(sockets), "closed": closed}), flush=True)
