"""An STS stand-in for the chaos run: answers AssumeRoleWithSAML with a fixed reply (each
with an access key ID of its own, so two calls never look alike), counts the calls it gets
per SAML NameID, and can be made slow or failing on command.

    python sts.py PORT REPLY_FILE

Control (GET): /_mode?set=ok|slow|fail, /_calls?sub=SUB (calls for that NameID, as JSON),
/_calls (all calls). Slow answers after SLOW_SECONDS; fail answers 500 InternalFailure.
"""

import base64
import json
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW_SECONDS = 3.0
NAME_ID = re.compile(rb"<saml:NameID[^>]*>([^<]*)</saml:NameID>")
KEY_ID = re.compile(r"<AccessKeyId>[^<]*</AccessKeyId>")
FAILURE = (
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Receiver'
    "</Type><Code>InternalFailure</Code><Message>injected</Message></Error>"
    "<RequestId>chaos</RequestId></ErrorResponse>"
)


class State:
    def __init__(self, reply):
        self.reply = reply
        self.mode = "ok"
        self.calls = {}
        self.total = 0
        self.lock = threading.Lock()

    def count(self, sub):
        """Counts a call; returns the reply, with an access key ID of its own."""
        with self.lock:
            self.calls[sub] = self.calls.get(sub, 0) + 1
            self.total += 1
            n = self.total
        return KEY_ID.sub(f"<AccessKeyId>ASIACHAOS{n:011d}</AccessKeyId>", self.reply, count=1)


def subject(form):
    """The NameID of the posted assertion ('?' when there is none)."""
    assertion = form.get("SAMLAssertion", [""])[0]
    try:
        xml = base64.b64decode(assertion)
    except ValueError:
        return "?"
    found = NAME_ID.search(xml)
    return found.group(1).decode() if found else "?"


def handler(state):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def send(self, status, body, content_type="text/xml"):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            query = urllib.parse.parse_qs(url.query)
            if url.path == "/_mode":
                state.mode = query.get("set", ["ok"])[0]
                self.send(200, state.mode, "text/plain")
            elif url.path == "/_calls" and "sub" in query:
                with state.lock:
                    n = state.calls.get(query["sub"][0], 0)
                self.send(200, json.dumps({"calls": n}), "application/json")
            elif url.path == "/_calls":
                with state.lock:
                    self.send(200, json.dumps({"calls": state.total}), "application/json")
            else:
                self.send(404, "not found", "text/plain")

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            mode = state.mode
            if mode == "slow":
                time.sleep(SLOW_SECONDS)
            if mode == "fail":
                self.send(500, FAILURE)
                return
            self.send(200, state.count(subject(form)))

    return Handler


class Quiet(ThreadingHTTPServer):
    """A caller that gave up (the server's STS timeout) closes the connection mid-reply."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


def main():
    port, reply_file = int(sys.argv[1]), sys.argv[2]
    with open(reply_file) as f:
        reply = f.read().strip()
    server = Quiet(("127.0.0.1", port), handler(State(reply)))
    server.serve_forever()


if __name__ == "__main__":
    main()
