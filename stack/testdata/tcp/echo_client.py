# The "Sample TCP Client" of seed 004_27f831eadc14eb60.txt, run against
# tcpbox's TCP echo service (RFC 862). Changed from the seed: the server
# address and port come from the command line instead of ('localhost', 10000).
import socket
import sys
# 1. Create a TCP/IP socket
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
# 2. Connect the socket to the port where the server is listening
server_address = (sys.argv[1], int(sys.argv[2]))
print('connecting to %s port %s' % server_address)
sock.connect(server_address)
try:
    # 3. Send data
    message = 'This is the message. It will be repeated'
    print('sending %s' % message)
    sock.sendall(message.encode())
    # 4. Look for the response
    amount_received = 0
    amount_expected = len(message)
    while amount_received < amount_expected:
        data = sock.recv(16)
        amount_received += len(data)
        print('received "%s"' % data.decode())
finally:
    # 5. closesocket
    print('closing socket')
    sock.close()
