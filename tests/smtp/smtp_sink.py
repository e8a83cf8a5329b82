"""A real SMTP server for the email notification tests (aiosmtpd).

Usage: smtp_sink.py <directory> [--starttls CERT KEY] [--auth USER PASSWORD]. Listens on
127.0.0.1 on a free port, prints the port on its first line of stdout, and writes every message it
accepts into <directory> as NNNN.json: the envelope, the headers the tests read, and the text and
HTML parts decoded. Exits when stdin closes (the test process that started it ended).

--starttls requires STARTTLS (with that certificate) before any mail is accepted; --auth requires
AUTH with those credentials (offered only over TLS).
"""

import asyncio
import email
import json
import os
import ssl
import sys
from email import policy

from aiosmtpd.smtp import SMTP, AuthResult


class Sink:
    def __init__(self, out):
        self.out = out
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        self.count += 1
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(msg["from"]),
            "to": str(msg["to"]),
            "subject": str(msg["subject"]),
            "content_type": msg.get_content_type(),
            "text": text.get_content() if text is not None else "",
            "html": html.get_content() if html is not None else "",
        }
        # Written whole, then renamed: a reader never sees half a message.
        tmp = os.path.join(self.out, f".{self.count:04}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(self.out, f"{self.count:04}.json"))
        return "250 Message accepted"


def options(argv):
    kwargs = {}
    if "--starttls" in argv:
        i = argv.index("--starttls")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(argv[i + 1], argv[i + 2])
        kwargs.update(tls_context=context, require_starttls=True)
    if "--auth" in argv:
        i = argv.index("--auth")
        user, password = argv[i + 1].encode(), argv[i + 2].encode()

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = getattr(auth_data, "login", None) == user and getattr(auth_data, "password", None) == password
            return AuthResult(success=ok)

        kwargs.update(authenticator=authenticator, auth_required=True)
    return kwargs


async def main():
    out = sys.argv[1]
    kwargs = options(sys.argv[2:])
    loop = asyncio.get_running_loop()
    sink = Sink(out)
    server = await loop.create_server(lambda: SMTP(sink, **kwargs), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


asyncio.run(main())
