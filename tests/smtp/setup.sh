#!/usr/bin/env bash
# The real SMTP server the email notification tests start (tests/smtp/smtp_sink.py, aiosmtpd),
# installed into its own venv, tests/smtp/.venv. Run by scripts/test.sh; run it once by hand
# before `cargo test` on a fresh checkout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
AIOSMTPD_VERSION=1.4.6
[ -x "$here/.venv/bin/python" ] || python3 -m venv "$here/.venv"
if ! "$here/.venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('aiosmtpd') != '$AIOSMTPD_VERSION')" 2>/dev/null; then
  "$here/.venv/bin/pip" install -q --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION"
fi
