"""A real SMTP server for the email notification tests (aiosmtpd).

Usage: smtp_sink.py <directory>. Listens on 127.0.0.1 on a free port, prints the port on its first
line of stdout, and writes every message it accepts into <directory> as NNNN.json: the envelope,
the headers the tests read, and the text and HTML parts decoded. Exits when stdin closes (the
test process that started it ended).
"""

import asyncio
import email
import json
import os
import sys
from email import policy

from aiosmtpd.smtp import SMTP


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


async def main():
    out = sys.argv[1]
    loop = asyncio.get_running_loop()
    sink = Sink(out)
    server = await loop.create_server(lambda: SMTP(sink), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


asyncio.run(main())
