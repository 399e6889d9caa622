"""A small loopback HTTP server for benches/smoke.sh: GET /items/N answers {"n": N, "ok": true}
after DELAY_MS milliseconds (a deployed service's latency), one thread per request."""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DELAY = float(sys.argv[1]) / 1000.0 if len(sys.argv) > 1 else 0.05


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self):
        time.sleep(DELAY)
        n = self.path.rsplit("/", 1)[-1]
        body = json.dumps({"n": int(n) if n.isdigit() else n, "ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
