"""A scriptable SMTP server for Herald's integration tests (aiosmtpd), run by tests/common/smtp.rs.

    python server.py CONFIG.json

CONFIG (written by the harness):
    security      "plain" | "starttls" | "tls" (implicit TLS from the first byte)
    require_starttls   with "starttls": refuse everything but EHLO/NOOP/QUIT before STARTTLS
    cert, key     PEM files of the server certificate (for "starttls" and "tls")
    auth          {"user": U, "password": P} or null; when set, MAIL needs a successful AUTH
    auth_without_tls   offer AUTH on a connection that is not encrypted (only if a test says so)
    out_dir       where each accepted message goes: NNNN.eml (the DATA bytes exactly as received,
                  dot-unstuffed) and then NNNN.json (its envelope), so a .json means "complete"
    rcpt          {"pattern": "452 4.2.2 mailbox full", ...}: a RCPT whose address contains the
                  pattern (ASCII case ignored) gets that reply instead of 250
    fail_first    {"pattern": {"times": N, "reply": "451 4.3.0 try later"}}: the first N RCPTs of
                  each matching address get the reply, later ones are accepted
    data          a reply given at the end of every DATA instead of accepting it (e.g. "554 ...")
    data_delay_ms wait this long before answering the end of DATA (a slow server); the message
                  is kept before the wait, as a server that has queued it but answers late

Listens on 127.0.0.1 only, on a port the OS picks, and prints one line {"port": N} once it
accepts connections. Every RCPT and its reply is appended to out_dir/rcpt.jsonl, so retry tests
can see the 451 as well as the later success. Exits when stdin closes or on SIGTERM/SIGKILL.
"""

import asyncio
import json
import os
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult

# aiosmtpd warns when AUTH is required but TLS is not; with implicit TLS the connection is
# encrypted (see make_server), and in plain mode the test asked for exactly that.
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
# aiosmtpd itself still sets the deprecated Session.login_data after every AUTH.
warnings.filterwarnings("ignore", message="Session.login_data is deprecated")


class Handler:
    def __init__(self, config):
        self.config = config
        self.out_dir = config["out_dir"]
        self.count = 0
        self.rcpt_seen = {}  # address -> RCPTs so far, for fail_first

    def scripted(self, address):
        """The reply a RCPT for this address gets, or None to accept it."""
        low = address.lower()
        self.rcpt_seen[low] = self.rcpt_seen.get(low, 0) + 1
        for pattern, rule in self.config.get("fail_first", {}).items():
            if pattern.lower() in low and self.rcpt_seen[low] <= rule["times"]:
                return rule["reply"]
        for pattern, reply in self.config.get("rcpt", {}).items():
            if pattern.lower() in low:
                return reply
        return None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.scripted(address)
        self.log({"address": address, "reply": reply or "250 OK"})
        if reply is None:
            envelope.rcpt_tos.append(address)
            return "250 OK"
        if reply.startswith("421"):
            # 421 means "closing the connection": do so once the reply has been written, as a
            # real server would, so clients must reconnect rather than reuse this one.
            server.loop.call_soon(server.transport.close)
        return reply

    async def handle_DATA(self, server, session, envelope):
        if self.config.get("data"):
            return self.config["data"]
        self.count += 1
        base = os.path.join(self.out_dir, f"{self.count:04}")
        # original_content is the DATA as sent (CRLFs kept, only the dot-stuffing removed).
        write_atomically(base + ".eml", envelope.original_content)
        meta = {
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "auth_user": session.auth_data if session.authenticated else None,
        }
        write_atomically(base + ".json", json.dumps(meta).encode())
        if self.config.get("data_delay_ms"):
            await asyncio.sleep(self.config["data_delay_ms"] / 1000)
        return "250 2.0.0 OK queued as " + f"{self.count:04}"

    def log(self, entry):
        with open(os.path.join(self.out_dir, "rcpt.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


def write_atomically(path, data):
    # The harness polls the directory: it must never see half a file.
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def make_server(config, handler):
    """A protocol factory and the socket's TLS context (None unless implicit TLS)."""
    security = config["security"]
    tls = None
    if security in ("starttls", "tls"):
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(config["cert"], config["key"])
    auth = config.get("auth")

    def authenticator(server, session, envelope, mechanism, data):
        ok = auth is not None and (data.login, data.password) == (
            auth["user"].encode(),
            auth["password"].encode(),
        )
        # handled=False: let aiosmtpd answer a failure itself (535 5.7.8).
        return AuthResult(success=ok, handled=False, auth_data=data.login.decode() if ok else None)

    def factory():
        return SMTP(
            handler,
            hostname="localhost",  # the default, getfqdn(), can wait on DNS
            ident="Herald test SMTP",
            enable_SMTPUTF8=True,
            tls_context=tls if security == "starttls" else None,
            require_starttls=bool(config.get("require_starttls")),
            authenticator=authenticator,
            auth_required=auth is not None,
            # aiosmtpd only counts STARTTLS as encryption, so with implicit TLS it would refuse
            # AUTH on a connection that is encrypted from its first byte.
            auth_require_tls=not (security == "tls" or config.get("auth_without_tls")),
        )

    return factory, tls if security == "tls" else None


async def main(config_path):
    with open(config_path, encoding="utf-8") as f:
        config = json.load(f)
    os.makedirs(config["out_dir"], exist_ok=True)
    factory, socket_tls = make_server(config, Handler(config))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, host="127.0.0.1", port=0, ssl=socket_tls)
    print(json.dumps({"port": server.sockets[0].getsockname()[1]}), flush=True)
    # The harness keeps our stdin open; when it goes away (even killed), so do we.
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
