#!/usr/bin/env python3
"""A stand-in for vext's phone-system look-ups, for testing the Kamailio config without vext.

Implements the text form of the two look-ups the config calls:

  GET /v1/vext/route?location=L&dialed=D&format=text
      200 "NUMBER\\n" | 404 (empty body)
  GET /v1/vext/callerId?number=N&location=L&format=text
      200 "DISPLAY NAME\\nSHOWN NUMBER\\n" | 404 (empty body)

Authentication as vext: HTTP Basic (any user name, the token as password) or
"Authorization: Bearer TOKEN"; anything else is 401. A missing `dialed`/`number`, or a
location the fixture does not know, is 400 (as vext answers "no such location").

The answers come from a JSON fixture (see sipp/fixture.json):

  {"token": "vext_mock",
   "locations": [{"id": "loc-bos", "name": "Boston"}],
   "routes":    [{"location": "Boston", "dialed": "2001", "number": "+15552220101"},
                 {"location": "*",      "dialed": "1000", "number": "+15552220100"}],
   "callerIds": [{"number": "+15552220101", "location": "Boston",
                  "name": "Alice Remote", "shown": "2001"}]}

"location" in an entry or a query is a location's id or name (names case-insensitively);
"*" in an entry matches any location and no location. An exact location wins over "*".

Extra endpoints for test drivers: GET /v1/mock/stats (JSON request counters, no auth).
Options --delay-ms and --status make every look-up slow or fail, to test the proxy's timeout
and its "vext is down" path. Python 3 standard library only; HTTP/1.1 keep-alive.
"""

import argparse
import base64
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Fixture:
    def __init__(self, data):
        self.token = data.get("token", "")
        self.ids = {}  # lower-cased id or name -> canonical id
        for loc in data.get("locations", []):
            canonical = loc.get("id") or loc["name"]
            for key in (loc.get("id"), loc.get("name")):
                if key:
                    self.ids[key.lower()] = canonical
        self.routes = {}
        for r in data.get("routes", []):
            self.routes[(self.entry_location(r.get("location")), r["dialed"])] = r["number"]
        self.caller_ids = {}
        for c in data.get("callerIds", []):
            key = (self.entry_location(c.get("location")), c["number"])
            self.caller_ids[key] = (c["name"], c["shown"])

    def entry_location(self, loc):
        if loc in (None, "", "*"):
            return "*"
        return self.ids.get(loc.lower(), loc)

    def query_location(self, loc):
        """Canonical id, "*" for none, or None when the location is unknown (vext: 400)."""
        if loc is None or loc == "":
            return "*"
        return self.ids.get(loc.lower())

    def lookup(self, table, loc, key):
        for k in ((loc, key), ("*", key)):
            if k in table:
                return table[k]
        return None


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}

    def add(self, name):
        with self.lock:
            self.counts[name] = self.counts.get(name, 0) + 1

    def snapshot(self):
        with self.lock:
            return dict(self.counts)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the proxy reuses one connection per worker
    disable_nagle_algorithm = True
    server_version = "mock-vext/1"

    # set by main()
    fixture = None
    stats = None
    options = None

    def setup(self):
        super().setup()
        self.stats.add("connections")  # keep-alive: one per proxy worker, not one per look-up

    def log_message(self, fmt, *args):
        if self.options.log:
            sys.stderr.write("mock_vext: %s\n" % (fmt % args))

    def reply(self, status, body=b"", ctype="text/plain; charset=utf-8", extra=()):
        reason = self.responses.get(status, ("",))[0]
        head = ["HTTP/1.1 %d %s" % (status, reason), "Content-Length: %d" % len(body)]
        if body:
            head.append("Content-Type: " + ctype)
        head.extend(extra)
        if self.close_connection:
            head.append("Connection: close")
        # One write per response: no small-segment delays.
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        if self.options.log:
            self.log_request(status, len(body))

    def authorized(self):
        auth = self.headers.get("Authorization", "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer":
            return value.strip() == self.fixture.token
        if scheme.lower() == "basic":
            try:
                user_pass = base64.b64decode(value.strip(), validate=True).decode("utf-8")
            except Exception:
                return False
            return user_pass.partition(":")[2] == self.fixture.token
        return False

    def do_GET(self):
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        path = url.path.rstrip("/")
        if path == "/v1/mock/stats":
            self.reply(200, json.dumps(self.stats.snapshot()).encode(), "application/json")
            return
        if path not in ("/v1/vext/route", "/v1/vext/callerId"):
            self.stats.add("not_found_path")
            self.reply(404, b'{"error":"no such path"}', "application/json")
            return
        if not self.authorized():
            self.stats.add("unauthorized")
            self.reply(401, b'{"error":"give an API token"}', "application/json",
                       ['WWW-Authenticate: Basic realm="vext"', 'WWW-Authenticate: Bearer'])
            return
        if self.options.delay_ms:
            time.sleep(self.options.delay_ms / 1000.0)
        if self.options.status:
            self.stats.add("forced_%d" % self.options.status)
            self.reply(self.options.status, b'{"error":"forced by --status"}', "application/json")
            return
        loc = self.fixture.query_location(query.get("location"))
        if loc is None:
            self.stats.add("bad_location")
            self.reply(400, b'{"error":"no such location"}', "application/json")
            return
        text = query.get("format", "") == "text"
        if path == "/v1/vext/route":
            dialed = query.get("dialed")
            if not dialed:
                self.stats.add("bad_request")
                self.reply(400, b'{"error":"dialed is missing"}', "application/json")
                return
            number = self.fixture.lookup(self.fixture.routes, loc, dialed)
            self.stats.add("route_200" if number else "route_404")
            if number is None:
                self.reply(404)
            elif text:
                self.reply(200, (number + "\n").encode())
            else:
                self.reply(200, json.dumps({"number": number}).encode(), "application/json")
        else:
            number = query.get("number")
            if not number:
                self.stats.add("bad_request")
                self.reply(400, b'{"error":"number is missing"}', "application/json")
                return
            found = self.fixture.lookup(self.fixture.caller_ids, loc, number)
            self.stats.add("callerid_200" if found else "callerid_404")
            if found is None:
                self.reply(404)
            elif text:
                self.reply(200, ("%s\n%s\n" % found).encode("utf-8"))
            else:
                body = {"displayName": found[0], "number": found[1]}
                self.reply(200, json.dumps(body).encode(), "application/json")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fixture", required=True, help="JSON fixture (see the module doc)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 (default): a free port")
    ap.add_argument("--port-file", help="write the port here once listening")
    ap.add_argument("--token", help="API token (default: the fixture's \"token\")")
    ap.add_argument("--delay-ms", type=int, default=0, help="answer every look-up this late")
    ap.add_argument("--status", type=int, default=0, help="answer every look-up with this status")
    ap.add_argument("--log", action="store_true", help="log every request to stderr")
    options = ap.parse_args()

    with open(options.fixture, encoding="utf-8") as f:
        fixture = Fixture(json.load(f))
    if options.token:
        fixture.token = options.token
    Handler.fixture, Handler.stats, Handler.options = fixture, Stats(), options

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer((options.host, options.port), Handler)
    port = server.server_address[1]
    if options.port_file:
        with open(options.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.replace(options.port_file + ".tmp", options.port_file)
    print("mock_vext: listening on http://%s:%d" % (options.host, port), flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
