#!/usr/bin/env python3
"""Writes the seed corpus of each fuzz target into fuzz/seeds/TARGET from the torture messages in tests/Corpus
(RFC 4475 / RFC 5118 and the project's own) plus digest credentials and WebSocket framings. fuzz/run.sh starts
afl-fuzz from fuzz/corpus/TARGET when it exists (the minimised corpus kept in git), else from these seeds."""
import base64, glob, os, struct, sys

root = os.path.dirname(os.path.abspath(__file__))
repo = os.path.dirname(root)
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "seeds")
messages = sorted(glob.glob(os.path.join(repo, "tests", "Corpus", "**", "*.sip"), recursive=True))

def write(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

def mask(payload, key=b"\x11\x22\x33\x44"):
    return bytes(b ^ key[i % 4] for i, b in enumerate(payload))

def ws_frame(opcode, payload, fin=True):
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    return head + b"\x11\x22\x33\x44" + mask(payload)

handshake = (b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n"
             b"Origin: http://127.0.0.1\r\n\r\n")

for path in messages:
    data = open(path, "rb").read()
    name = os.path.splitext(os.path.basename(path))[0]
    write("parser", name, data)
    write("pipeline", name, data)
    # a stream: the message twice (the second cut in 7-byte chunks after a CRLF keep-alive), TCP and WebSocket
    write("stream", "tcp-" + name, b"\x00\x06" + data + b"\r\n\r\n" + data)
    write("stream", "ws-" + name, b"\x01\xff" + handshake + ws_frame(1, data) + ws_frame(9, b"ping") + ws_frame(8, b"\x03\xe8"))

write("stream", "tcp-pings", b"\x00\x01\r\n\r\n\r\n\r\n\n\r\n")
write("stream", "ws-fragmented", b"\x01\x10" + handshake + ws_frame(1, b"OPTIONS sip:x", fin=False) + ws_frame(0, b" SIP/2.0\r\n\r\n"))

digest = {
    "md5-auth": 'Digest username="alice", realm="example.com", nonce="@N@", uri="sip:secure.example.com", response="@R@", algorithm=MD5, qop=auth, nc=00000001, cnonce="0a4f113b"',
    "md5-noqop": 'Digest username="alice", realm="example.com", nonce="@N@", uri="sip:secure.example.com", response="@R@"',
    "md5-authint": 'Digest username="alice",realm="example.com",nonce="@N@",uri="sip:secure.example.com",response="@R@",qop=auth-int,nc=00000002,cnonce="x"',
    "md5sess": 'Digest username="alice", realm="example.com", nonce="@N@", uri="sip:secure.example.com", response="@R@", algorithm=MD5-sess, qop=auth, nc=00000001, cnonce="c"',
    "sha256": 'Digest username="alice", realm="example.com", nonce="@N@", uri="sip:secure.example.com", response="@R@", algorithm=SHA-256, qop=auth, nc=00000001, cnonce="c", opaque=""',
    "sha256sess": 'Digest username="alice", realm="example.com", nonce="@N@", uri="sip:secure.example.com", response="@R@", algorithm=SHA-256-sess, qop=auth, nc=0000000a, cnonce="c"',
    "wrong-password": 'Digest username="alice", realm="example.com", nonce="@N@", uri="sip:secure.example.com", response="0123456789abcdef0123456789abcdef", qop=auth, nc=00000001, cnonce="c"',
    "unknown-user": 'Digest username="bob", realm="example.com", nonce="@N@", uri="sip:secure.example.com", response="@R@", qop=auth, nc=00000001, cnonce="c"',
    "forged-nonce": 'Digest username="alice", realm="example.com", nonce="00112233445566778899aabbccddeeff00112233445566778899aabb", uri="sip:a", response="@R@"',
    "other-realm": 'Digest username="alice", realm="other.org", nonce="@N@", uri="sip:a", response="@R@", qop=auth, nc=1, cnonce="c"',
    "escaped": 'Digest username="al\\"ice", realm="example.com", nonce="@N@", uri="sip:a\\\\b", response="@R@", stale=false, domain="sip:x"',
    "basic": 'Basic YWxpY2U6c2VjcmV0',
}
for name, value in digest.items():
    write("digest", name, value.encode())
print(f"seeds written to {out}: {len(messages)} messages")
