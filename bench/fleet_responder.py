#!/usr/bin/env python3
"""Loopback endpoints for bench/fleet.sh: N listeners on 127.0.0.1 in one
asyncio process, half answering as a PostgreSQL server (SSLRequest, 'S',
TLS), half as a plain TLS server, with the same certificate chain. Each TLS
session is held open until the client closes it. (No MySQL: its client sends
the ClientHello right behind the SSLRequest, and asyncio's start_tls loses
bytes already buffered.)

Usage: fleet_responder.py N CHAIN KEY TARGETS_OUT
Writes one target a line to TARGETS_OUT (postgres://, tls://),
then prints "ready" and serves until killed.
"""
import asyncio
import ssl
import struct
import sys

SSL_REQUEST = struct.pack("!II", 8, 80877103)


async def hold(reader):
    try:
        while await reader.read(4096):
            pass
    except (ConnectionError, ssl.SSLError, OSError):
        pass


def handler(kind, ctx):
    async def serve(reader, writer):
        try:
            if kind == "postgres":
                if await reader.readexactly(8) != SSL_REQUEST:
                    return
                writer.write(b"S")
                await writer.drain()
                await writer.start_tls(ctx)
            await hold(reader)
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError, OSError):
            pass
        finally:
            writer.close()

    return serve


async def main():
    n, chain, key, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(chain, key)
    kinds = ["postgres", "tls"]
    servers, targets = [], []
    for i in range(n):
        kind = kinds[i % 2]
        s = await asyncio.start_server(
            handler(kind, ctx), "127.0.0.1", 0, ssl=ctx if kind == "tls" else None, backlog=64
        )
        port = s.sockets[0].getsockname()[1]
        servers.append(s)
        targets.append(f"{kind}://127.0.0.1:{port}" + ("/" if kind != "tls" else ""))
    with open(out, "w") as f:
        f.write("\n".join(targets) + "\n")
    print("ready", flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
