#!/usr/bin/env python3
"""A stand-in for the `claude` executable, for launch tests (no model runs here).

It does what Claude Code's documented contract says a `claude -p` run does with what the
wrapper gives it, and records what it was given:
- reads every `--mcp-config <file>` (several are allowed) and the `--settings <file>` hooks;
- runs the settings' SessionStart hook commands with the documented event on stdin
  (session_id, transcript_path, cwd, hook_event_name, source: "startup", or "resume" for
  `--resume <id>`, which keeps the resumed session's id);
- writes {argv, mcp_configs, session_id} to $STAND_IN_RECORD_DIR/<SWITCHBOARD_SESSION_ID>.json
  and exits 0.
"""
import json
import os
import subprocess
import sys
import uuid

args = sys.argv[1:]
mcp_configs, settings = [], {}
i = 0
while i < len(args):
    if args[i] == "--mcp-config":
        with open(args[i + 1]) as f:
            mcp_configs.append(json.load(f))
        i += 2
    elif args[i] == "--settings":
        with open(args[i + 1]) as f:
            settings = json.load(f)
        i += 2
    else:
        i += 1

resumed = "--resume" in args
session_id = args[args.index("--resume") + 1] if resumed else str(uuid.uuid4())
event = {
    "session_id": session_id,
    "transcript_path": "/dev/null",
    "cwd": os.getcwd(),
    "hook_event_name": "SessionStart",
    "source": "resume" if resumed else "startup",
}
for group in settings.get("hooks", {}).get("SessionStart", []):
    for hook in group.get("hooks", []):
        subprocess.run(hook["command"], shell=True, input=json.dumps(event).encode(), check=True)

record = {"argv": args, "mcp_configs": mcp_configs, "session_id": session_id}
path = os.path.join(os.environ["STAND_IN_RECORD_DIR"], os.environ["SWITCHBOARD_SESSION_ID"] + ".json")
with open(path, "w") as f:
    json.dump(record, f)
