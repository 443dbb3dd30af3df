import socket
import sys
# 1. Create a TCP/IP socket
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server_address = ('198.18.0.2', 7)
message = 'This is the message. It will be repeated'
try:
    # 2. Send data
    print('sending %s' % message)
    sent = sock.sendto(message.encode(), server_address)
    # 3. Receive response
    print('waiting to receive')
    data, server = sock.recvfrom(4096)
    print('received "%s"' % data.decode())
finally:
    # 4. closesocket
    print('closing socket')
    sock.close()
