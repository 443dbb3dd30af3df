# Opens N connections to HOST:PORT at once, echoes a line on each (all
# must come back), prints "ready", waits for a line on stdin, echoes again
# on every connection (still open), prints "done" and closes them all.
# Used by TestTCPKernelManyConnections; bounded by the caller's timeout.
import selectors
import socket
import sys

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sel = selectors.DefaultSelector()
socks = []
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.connect_ex((host, port))
    socks.append(s)


def round_trip(tag):
    pending = {}
    for i, s in enumerate(socks):
        msg = ('%s %d\n' % (tag, i)).encode()
        pending[s.fileno()] = [s, msg, b'', False]
        sel.register(s, selectors.EVENT_WRITE | selectors.EVENT_READ)
    left = len(pending)
    while left:
        events = sel.select(timeout=30)
        if not events:
            sys.exit('stalled with %d connections unanswered' % left)
        for key, ev in events:
            st = pending[key.fd]
            s = st[0]
            if ev & selectors.EVENT_WRITE and not st[3]:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    sys.exit('connect %d: errno %d' % (key.fd, err))
                s.send(st[1])
                st[3] = True
                sel.modify(s, selectors.EVENT_READ)
            elif ev & selectors.EVENT_READ:
                data = s.recv(100)
                if not data:
                    sys.exit('connection closed early')
                st[2] += data
                if st[2] == st[1]:
                    sel.unregister(s)
                    left -= 1
    return True


round_trip('one')
print('ready', flush=True)
sys.stdin.readline()
round_trip('two')
print('done', flush=True)
for s in socks:
    s.close()
