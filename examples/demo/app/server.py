"""The drafts service: a small collaborative-drafts API that the demo deploys and smoke-checks.

Standard library only, so the image needs nothing but Python. Listens on $HOST:$PORT
(default 127.0.0.1:8080), reports the build it came from at /version, is ready once its
start-up work is done, and serves the user path of ../smoke.yml: create a draft, add a
collaborator, append a segment, and hear the segment in the draft's room over WebSocket.
"""

import base64
import hashlib
import json
import os
import re
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# How long start-up work takes before /readyz answers 200; None means it never finishes.
READY_AFTER_SECONDS = 0.2
# Every Nth read of a draft fails with a 500 (a fault the e2e deploys for watch to catch); None: never.
FAIL_ONE_IN = None

STARTED = time.monotonic()
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_BODY = 64 * 1024
MAX_FRAME = 64 * 1024


class Drafts:
    """Every draft in memory, with the events its room has heard."""

    def __init__(self):
        self.lock = threading.Condition()
        self.drafts = {}

    def create(self, title):
        with self.lock:
            draft_id = f"d{len(self.drafts) + 1}"
            draft = {"id": draft_id, "title": title, "collaborators": [], "segments": [], "holder": None}
            self.drafts[draft_id] = {"draft": draft, "events": []}
            return draft

    def get(self, draft_id):
        entry = self.drafts.get(draft_id)
        return entry["draft"] if entry else None

    def add_collaborator(self, draft_id, user):
        with self.lock:
            draft = self.drafts[draft_id]["draft"]
            if user not in draft["collaborators"]:
                draft["collaborators"].append(user)
            return draft

    def append(self, draft_id, text):
        with self.lock:
            entry = self.drafts[draft_id]
            entry["draft"]["segments"].append(text)
            number = len(entry["draft"]["segments"])
            entry["events"].append({"type": "segment-appended", "segment": number, "text": text})
            self.lock.notify_all()
            return number

    def events_after(self, draft_id, seen, timeout):
        """Events of a room past the first `seen`, waiting up to `timeout` seconds for one."""
        with self.lock:
            events = self.drafts[draft_id]["events"]
            self.lock.wait_for(lambda: len(events) > seen, timeout)
            return events[seen:]


DRAFTS = Drafts()


class Requests:
    """Responses served to users, by status code: http_requests_total at /metrics, labelled with
    the build's commit (`version`), the series watch compares across a deploy."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_code = {}
        self.draft_reads = 0

    def served(self, status):
        with self.lock:
            self.by_code[status] = self.by_code.get(status, 0) + 1

    def draft_read_fails(self):
        with self.lock:
            self.draft_reads += 1
            return FAIL_ONE_IN is not None and self.draft_reads % FAIL_ONE_IN == 0

    def exposition(self):
        version = os.environ.get("BUILD_SHA", "").replace("\\", "").replace('"', "")
        with self.lock:
            lines = [f'http_requests_total{{code="{code}",version="{version}"}} {n}' for code, n in sorted(self.by_code.items())]
        return "# TYPE http_requests_total counter\n" + "".join(line + "\n" for line in lines)


REQUESTS = Requests()


def ready():
    return READY_AFTER_SECONDS is not None and time.monotonic() - STARTED >= READY_AFTER_SECONDS


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "drafts"

    def log_message(self, fmt, *args):
        pass

    def send_json(self, status, body, headers=()):
        # Users' requests only: the probes say nothing of what users get (a 503 before ready).
        if self.path.split("?", 1)[0] not in ("/healthz", "/readyz"):
            REQUESTS.served(status)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("body too large")
        raw = self.rfile.read(length) if length else b""
        kind = self.headers.get("Content-Type", "")
        if "application/x-www-form-urlencoded" in kind:
            from urllib.parse import parse_qs

            return {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        return json.loads(raw or b"{}")

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self.send_json(200, {"status": "ok"})
        elif path == "/readyz":
            if ready():
                self.send_json(200, {"status": "ready"})
            else:
                self.send_json(503, {"status": "starting"})
        elif path == "/version":
            self.send_json(
                200,
                {
                    "commit": os.environ.get("BUILD_SHA", ""),
                    "date": os.environ.get("BUILD_DATE", ""),
                    "actor": os.environ.get("BUILD_ACTOR", ""),
                },
            )
        elif (m := re.fullmatch(r"/drafts/(d\d+)/room", path)) and DRAFTS.get(m[1]):
            self.room(m[1])
        elif path == "/metrics":
            data = REQUESTS.exposition().encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif re.fullmatch(r"/drafts/d\d+", path) and REQUESTS.draft_read_fails():
            self.send_json(500, {"error": "the draft store did not answer"})
        elif (m := re.fullmatch(r"/drafts/(d\d+)", path)) and DRAFTS.get(m[1]):
            self.send_json(200, DRAFTS.get(m[1]))
        else:
            self.send_json(404, {"error": "not found"})

    def do_POST(self):
        path = self.path.split("?", 1)[0]
        try:
            body = self.read_body()
        except ValueError:
            self.send_json(400, {"error": "the body is not JSON or a form, or is over 64 KiB"})
            return
        if path == "/drafts":
            title = body.get("title")
            if not isinstance(title, str) or not title:
                self.send_json(422, {"error": "title is required"})
                return
            self.send_json(201, DRAFTS.create(title))
            return
        m = re.fullmatch(r"/drafts/(d\d+)/(collaborators|segments|ring)", path)
        if not m or not DRAFTS.get(m[1]):
            self.send_json(404, {"error": "not found"})
        elif m[2] == "collaborators":
            self.send_json(201, DRAFTS.add_collaborator(m[1], str(body.get("user", ""))))
        elif m[2] == "segments":
            number = DRAFTS.append(m[1], str(body.get("text", "")))
            self.send_json(201, {"segment": number}, [("Location", f"/drafts/{m[1]}/segments/{number}")])
        else:
            draft = DRAFTS.get(m[1])
            draft["holder"] = body.get("to")
            self.send_json(200, draft)

    def room(self, draft_id):
        """The draft's room over WebSocket: after {"type": "subscribe", "after": n}, every
        segment from n on, as it is appended."""
        key = self.headers.get("Sec-WebSocket-Key")
        if self.headers.get("Upgrade", "").lower() != "websocket" or not key:
            self.send_json(426, {"error": "WebSocket upgrade required"})
            return
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.close_connection = True
        message = read_frame(self.rfile)
        if message is None:
            return
        try:
            after = int(json.loads(message).get("after", 1))
        except (ValueError, AttributeError, TypeError):
            write_frame(self.wfile, 0x8, struct.pack("!H", 1007))
            return
        seen = max(after - 1, 0)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            events = DRAFTS.events_after(draft_id, seen, deadline - time.monotonic())
            for event in events:
                write_frame(self.wfile, 0x1, json.dumps(event).encode())
            seen += len(events)
            if events:
                break
        write_frame(self.wfile, 0x8, struct.pack("!H", 1000))


def read_frame(stream):
    """One client text frame's payload (clients mask theirs), or None on close or error."""
    header = stream.read(2)
    if len(header) < 2:
        return None
    opcode, length = header[0] & 0x0F, header[1] & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", stream.read(2))
    elif length == 127:
        (length,) = struct.unpack("!Q", stream.read(8))
    if opcode == 0x8 or length > MAX_FRAME or not header[1] & 0x80:
        return None
    mask = stream.read(4)
    payload = stream.read(length)
    return bytes(b ^ mask[i % 4] for i, b in enumerate(payload)).decode()


def write_frame(stream, opcode, payload):
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, length)
    stream.write(header + payload)
    stream.flush()


def main():
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8080"))
    ThreadingHTTPServer((host, port), Handler).serve_forever()


if __name__ == "__main__":
    main()
