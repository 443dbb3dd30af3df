# A scripted DHCP server (RFC 2131) for tcpbox's interop test: it offers
# 198.18.0.50/24 to whoever asks on the interface given as argv[1], acks
# requests for it, and prints one line per message it gets, so the test
# can see DISCOVER, REQUEST and RELEASE arrive from tcpbox's own client.
import socket
import struct
import sys

IFACE = sys.argv[1]
SERVER = bytes([198, 18, 0, 1])
OFFER = bytes([198, 18, 0, 50])
LEASE = int(sys.argv[2]) if len(sys.argv) > 2 else 60

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, IFACE.encode())
s.bind(('0.0.0.0', 67))
print('listening', flush=True)


def options(b):
    out = {}
    i = 240
    while i < len(b):
        code = b[i]
        if code == 0:
            i += 1
            continue
        if code == 255:
            break
        n = b[i + 1]
        out[code] = b[i + 2:i + 2 + n]
        i += 2 + n
    return out


while True:
    data, addr = s.recvfrom(2048)
    if len(data) < 240 or data[0] != 1:
        continue
    opts = options(data)
    mtype = opts.get(53, b'\0')[0]
    xid, flags = data[4:8], data[10:12]
    chaddr = data[28:44]
    cid = opts.get(61, b'').hex()
    names = {1: 'DISCOVER', 3: 'REQUEST', 7: 'RELEASE'}
    print('%s from %s:%d client-id %s ciaddr %s' % (names.get(mtype, mtype), addr[0], addr[1], cid,
          socket.inet_ntoa(data[12:16])), flush=True)
    if mtype == 1:
        reply = 2
    elif mtype == 3:
        reply = 5
    else:
        continue
    b = bytearray(240)
    b[0], b[1], b[2] = 2, 1, 6
    b[4:8] = xid
    b[10:12] = flags
    b[16:20] = OFFER
    b[20:24] = SERVER
    b[28:44] = chaddr
    b[236:240] = bytes([99, 130, 83, 99])
    b += bytes([53, 1, reply, 54, 4]) + SERVER + bytes([51, 4]) + struct.pack('!I', LEASE)
    b += bytes([1, 4, 255, 255, 255, 0, 3, 4]) + SERVER + bytes([255])
    dst = '255.255.255.255'
    if addr[0] != '0.0.0.0':
        dst = addr[0]  # a renewing client has its address
    s.sendto(bytes(b), (dst, 68))
