"""A web push service stand-in (RFC 8030) for the integration tests, written apart from the
server's code: it plays the browser's side of a subscription (its own P-256 key pair and auth
secret), decrypts each push with `http_ece` (RFC 8188/8291, aes128gcm) and checks the VAPID
token (RFC 8292) with pyca/cryptography.

Started as `python push_service.py`; prints one JSON line with its port and the subscription's
keys, then one JSON line per push received, with what it checked:

    {"path", "status", "headers": {...lower-case names...}, "vapid": {"ok", "error", "claims",
     "k"}, "payload": <decrypted JSON> or null, "decrypt_error"}

The endpoint path chooses the answer: /push/<status>/<anything> answers <status> (201 for a
path without one), so a test can make a subscription that is gone (410) or unknown (404).
Exits when its standard input closes (the test process ended).
"""

import base64
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def b64url_decode(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64url(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


PRIVATE = ec.generate_private_key(ec.SECP256R1())
P256DH = PRIVATE.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
AUTH = os.urandom(16)
OUT = threading.Lock()


def emit(obj) -> None:
    with OUT:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


def check_vapid(authorization: str, origin: str) -> dict:
    """Checks `vapid t=<jwt>, k=<key>` the way a push service does (RFC 8292 §3)."""
    result = {"ok": False, "error": None, "claims": None, "k": None}
    try:
        scheme, _, params = authorization.partition(" ")
        if scheme.lower() != "vapid":
            raise ValueError(f"scheme {scheme!r} is not vapid")
        fields = dict(p.strip().split("=", 1) for p in params.split(","))
        token, key = fields["t"], fields["k"]
        result["k"] = key
        header_b64, claims_b64, sig_b64 = token.split(".")
        header = json.loads(b64url_decode(header_b64))
        if header.get("alg") != "ES256":
            raise ValueError(f"alg {header.get('alg')!r} is not ES256")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
        sig = b64url_decode(sig_b64)
        if len(sig) != 64:
            raise ValueError(f"an ES256 signature is 64 bytes, not {len(sig)}")
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        claims = json.loads(b64url_decode(claims_b64))
        result["claims"] = claims
        now = time.time()
        if claims.get("aud") != origin:
            raise ValueError(f"aud {claims.get('aud')!r} is not this origin {origin!r}")
        if not (now < claims.get("exp", 0) <= now + 24 * 3600):
            raise ValueError(f"exp {claims.get('exp')} is not within the next 24 hours")
        sub = claims.get("sub", "")
        if not (sub.startswith("mailto:") or sub.startswith("https:")):
            raise ValueError(f"sub {sub!r} is neither mailto: nor https:")
        result["ok"] = True
    except InvalidSignature:
        result["error"] = "the signature does not verify with k"
    except Exception as e:  # noqa: BLE001 - reported to the test
        result["error"] = f"{type(e).__name__}: {e}"
    return result


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet: stdout carries the records
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        parts = self.path.split("/")
        status = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 201
        origin = f"http://{self.headers.get('Host')}"
        record = {
            "path": self.path,
            "status": status,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "vapid": check_vapid(self.headers.get("Authorization", ""), origin),
            "payload": None,
            "decrypt_error": None,
        }
        try:
            if self.headers.get("Content-Encoding") != "aes128gcm":
                raise ValueError(f"Content-Encoding {self.headers.get('Content-Encoding')!r}")
            if len(body) > 4096:
                raise ValueError(f"{len(body)} bytes: a push service takes at most 4096")
            plain = http_ece.decrypt(body, private_key=PRIVATE, auth_secret=AUTH, version="aes128gcm")
            record["payload"] = json.loads(plain)
        except Exception as e:  # noqa: BLE001 - reported to the test
            record["decrypt_error"] = f"{type(e).__name__}: {e}"
        emit(record)
        reply = b"" if status < 300 else b"push subscription has unsubscribed or expired"
        self.send_response(status)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    emit({"port": server.server_address[1], "p256dh": b64url(P256DH), "auth": b64url(AUTH)})
    sys.stdin.read()  # until the test process closes it
    server.shutdown()


if __name__ == "__main__":
    main()
