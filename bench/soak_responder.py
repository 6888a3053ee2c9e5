#!/usr/bin/env python3
"""Loopback endpoints that fail, for bench/soak.sh: each makes a check take
another error path. All on 127.0.0.1, in one asyncio process.

  wrong-name  plain TLS with a certificate for another name (verify fails)
  silent      accepts and never answers (the check's timeout ends it)
  reset       accepts and resets the connection at once (RST, SO_LINGER 0)
  garbage     answers an HTTP error to whatever it is sent, then closes
  closed      a port nothing listens on (bound once, then closed)

Usage: soak_responder.py CHAIN KEY TARGETS_OUT
Writes "KIND PORT" lines to TARGETS_OUT, then prints "ready" and serves
until killed.
"""
import asyncio
import socket
import ssl
import struct
import sys


async def hold(reader, writer):
    try:
        while await reader.read(4096):
            pass
    except (ConnectionError, ssl.SSLError, OSError):
        pass
    finally:
        writer.close()


async def silent(reader, writer):
    # Read and drop everything, answer nothing: the client's timeout ends it.
    await hold(reader, writer)


async def reset(reader, writer):
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def garbage(reader, writer):
    try:
        await asyncio.wait_for(reader.read(1024), 5)
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
    except (asyncio.TimeoutError, ConnectionError, OSError):
        pass
    finally:
        writer.close()


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


async def main():
    chain, key, out = sys.argv[1], sys.argv[2], sys.argv[3]
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(chain, key)
    lines, servers = [], []
    for kind, handler, tls in [
        ("wrong-name", hold, ctx),
        ("silent", silent, None),
        ("reset", reset, None),
        ("garbage", garbage, None),
    ]:
        s = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=tls, backlog=128)
        servers.append(s)
        lines.append(f"{kind} {s.sockets[0].getsockname()[1]}")
    lines.append(f"closed {closed_port()}")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("ready", flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
