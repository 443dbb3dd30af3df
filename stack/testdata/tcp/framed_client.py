# The framed client of seed 000_973bf13700604c5c.txt (tutorial04_tcp.py),
# with only its Python 2 syntax converted to Python 3 (print(), input(),
# bytes joined with b'') and the address changed: HOST and PORT come from
# the command line, and the message is read from stdin by input().
import socket
import struct
import sys

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)

HOST = sys.argv[1]
PORT = int(sys.argv[2])
RECEIVE_SIZE = 2


def recv_msg(sock):
    data = []
    received_length = 0
    data_length = struct.unpack('>I', sock.recv(4))[0]
    while received_length < data_length:
        p = sock.recv(RECEIVE_SIZE)
        data.append(p)
        received_length += RECEIVE_SIZE

    response = b''.join(data).decode('UTF-8')
    print(response)
    return response


def send_msg(sock, message):
    message = message.encode('UTF-8')
    length = len(message)
    packed = struct.pack('>I', length)
    sock.sendall(packed + message)


sock.connect((HOST, PORT))
print('Client has been assigned socket name', sock.getsockname())

text = input('메세지:')
send_msg(sock, text)
reply = recv_msg(sock)
print('the Server said:', reply)
sock.close()
print('Good bye')
