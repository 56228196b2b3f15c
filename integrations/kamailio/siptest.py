#!/usr/bin/env python3
"""End-to-end tests of kamailio.cfg with SIPp: `test` (scripts/sip-test) and `load` (scripts/sip-load).

Everything runs on 127.0.0.1 on free ports, in a temporary directory, and is stopped at the
end: the mock of vext (unless --vext-url is given), Kamailio with the shipped kamailio.cfg
(and a generated vext-local.cfg and vext-tables.cfg), and SIPp as phones, the PSTN gateway
and PSTN callers. Python 3 standard library only.

Cases file (`--cases`): JSON Lines, one case per line; blank lines and lines starting with
"#" are skipped.

  {"kind": "dial", "name": "…", "location": "Boston", "dialed": "2001",
   "expect": "+15552220101"}
      A phone at the location dials; the PSTN gateway must receive that request-URI user.
      "expectStatus": 404 instead of "expect": the caller must get that status.
      "via": "domain": the location is told by the From domain instead of the source address.
  {"kind": "incoming", "name": "…", "number": "+15552220101", "phone": "Boston",
   "expectName": "Alice Remote", "expectUser": "2001"}
      The PSTN gateway calls the phone at that location from the number; the phone must see
      that From display name and user. Without expectName/expectUser: From unchanged (the
      gateway sends "callerName", by default the number, as the display name).

Locations are vext's location ids or names; each one named in the cases gets a phone.
After the cases run against vext, they run again with vext failing (--down): refusing
connections, never answering (timeout), answering 503, refusing the token (401), and at a wrong
URL (404 with a body). Every call must then go through as dialed / with From unchanged.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SIPP_DIR = os.path.join(HERE, "sipp")
DEFAULT_FIXTURE = os.path.join(SIPP_DIR, "fixture.json")
DEFAULT_CASES = os.path.join(SIPP_DIR, "cases.jsonl")
DEFAULT_SEED = os.path.join(SIPP_DIR, "seed.json")
# With --vext-bin, Kamailio's back-off after vext stopped answering (VEXT_BACKOFF), seconds.
STOPPED_BACKOFF = 2
HOST = "127.0.0.1"
# How long a call lasts (ACK to BYE), ms. Not 0: Kamailio's workers run in parallel, so an ACK
# and a BYE sent back to back can overtake each other, which SIPp's strict UAS counts as failed.
HOLD_MS = 20

GREEN, RED, BOLD, RESET = ("\033[32m", "\033[31m", "\033[1m", "\033[0m") if sys.stdout.isatty() else ("",) * 4


def log(msg):
    print(msg, flush=True)


class Failure(Exception):
    pass


# ---------------------------------------------------------------- ports and processes

def free_port(kind=socket.SOCK_DGRAM, taken=set()):
    """A port free for UDP (SIP) or TCP, not handed out before in this run."""
    while True:
        s = socket.socket(socket.AF_INET, kind)
        s.bind((HOST, 0))
        port = s.getsockname()[1]
        s.close()
        if port not in taken:
            taken.add(port)
            return port


def udp_bound(port):
    """Is some process bound to this UDP port on 127.0.0.1 or 0.0.0.0?"""
    want = {"0100007F:%04X" % port, "00000000:%04X" % port}
    with open("/proc/net/udp") as f:
        return any(line.split()[1] in want for line in f.readlines()[1:])


class Procs:
    """Every process started, so that all of them are stopped at the end."""

    def __init__(self):
        self.procs = []

    def start(self, name, argv, cwd, out_path, env=None):
        out = open(out_path, "wb")
        p = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env=env, start_new_session=True)
        p.name, p.out_path = name, out_path
        out.close()
        self.procs.append(p)
        return p

    def stop(self, p, sig=signal.SIGTERM, wait=5):
        if p.poll() is None:
            try:
                os.killpg(p.pid, sig)  # its own session: the process and its children only
            except ProcessLookupError:
                pass
            try:
                p.wait(wait)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
        if p in self.procs:
            self.procs.remove(p)

    def stop_all(self):
        for p in reversed(list(self.procs)):
            self.stop(p)


def tail(path, n=15, grep=None):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return ""
    if grep:
        lines = [l for l in lines if re.search(grep, l)]
    return "\n".join("      | " + l for l in lines[-n:])


# ---------------------------------------------------------------- vext: the mock or the real one

def start_mock(procs, work, fixture, delay_ms=0, status=0):
    port_file = os.path.join(work, "mock-%d.port" % len(procs.procs))
    argv = [sys.executable, os.path.join(HERE, "mock_vext.py"), "--fixture", fixture, "--port", "0",
            "--port-file", port_file]
    if delay_ms:
        argv += ["--delay-ms", str(delay_ms)]
    if status:
        argv += ["--status", str(status)]
    p = procs.start("mock_vext", argv, work, os.path.join(work, "mock_vext-%d.log" % len(procs.procs)))
    for _ in range(100):
        if os.path.exists(port_file):
            with open(port_file) as f:
                return p, "http://%s:%s" % (HOST, f.read().strip())
        if p.poll() is not None:
            raise Failure("mock_vext exited:\n" + tail(p.out_path))
        time.sleep(0.05)
    raise Failure("mock_vext did not start")


def mock_stats(url):
    try:
        with urllib.request.urlopen(url + "/v1/mock/stats", timeout=2) as r:
            return json.load(r)
    except Exception:
        return None


def httpcon(url, token):
    """The http_client connection: the token as the Basic password (any user name)."""
    m = re.match(r"^(https?)://(?:[^@/]*@)?(.+?)/?$", url)
    if not m:
        raise Failure("--vext-url must be http(s)://host[:port][/path], not %r" % url)
    if re.search(r"[:@/\s\"]", token):
        raise Failure("the token contains a character that cannot go into the URL")
    return "vext=>%s://kamailio:%s@%s" % (m.group(1), token, m.group(2))


class Blackhole:
    """A TCP port that accepts connections and never answers: vext hanging."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((HOST, 0))
        self.sock.listen(512)  # connections complete in the backlog; nothing is ever read
        self.url = "http://%s:%d" % (HOST, self.sock.getsockname()[1])

    def close(self):
        self.sock.close()


def closed_port_url():
    return "http://%s:%d" % (HOST, free_port(socket.SOCK_STREAM))


class RealVext:
    """vext itself: a new SQLite database in the work directory, seeded from a seed file
    (sipp/seed.json: locations with the CLI, entries and ranges through the REST API), served
    on a free loopback port; stop() and start() again on the same port."""

    def __init__(self, procs, work, binary, seed_path):
        self.procs, self.work, self.binary = procs, work, os.path.abspath(binary)
        self.env = dict(os.environ, DATABASE_URL="sqlite://%s?mode=rwc" % os.path.join(work, "vext.db"),
                        LEPTOS_SITE_ROOT=os.path.join(work, "site"), RUST_LOG="info", NO_COLOR="1")
        os.makedirs(self.env["LEPTOS_SITE_ROOT"], exist_ok=True)
        self.addr, self.proc, self.starts = "%s:0" % HOST, None, 0
        with open(seed_path, encoding="utf-8") as f:
            seed = json.load(f)
        self.cli("migrate")
        for loc in seed.get("locations", []):
            self.cli("location", "add", "--name", loc["name"], "--routing-prefix", loc.get("routingPrefix", ""),
                     "--country", loc.get("country", ""), "--outside-dial-digit", loc.get("outsideDialDigit", ""))
        ids = {}
        for line in self.cli("location", "list").splitlines():
            cols = line.split("\t")
            if len(cols) > 1:
                ids[cols[1]] = cols[0]
        admin = self.cli("token", "create", "--name", "sip-test seed", "--role", "full").strip()
        self.token = self.cli("token", "create", "--name", "Kamailio (sip-test)", "--role", "read-only").strip()
        self.start()
        for kind, path in (("virtualExtensions", "/v1/telephony/config/virtualExtensions"),
                           ("ranges", "/v1/telephony/config/virtualExtensionRanges")):
            for item in seed.get(kind, []):
                body = {k: v for k, v in item.items() if k != "location"}
                if item.get("location"):
                    if item["location"] not in ids:
                        raise Failure("seed: no location %r among %s" % (item["location"], sorted(ids)))
                    body["locationId"] = ids[item["location"]]
                self.post(path, admin, body)

    def cli(self, *args):
        done = subprocess.run([self.binary] + list(args), env=self.env, cwd=self.work, capture_output=True,
                              text=True, timeout=60)
        if done.returncode != 0:
            raise Failure("vext %s: exit %d\n%s" % (" ".join(args), done.returncode, done.stderr.strip()))
        return done.stdout

    def post(self, path, token, body):
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), method="POST",
                                         headers={"Authorization": "Bearer " + token,
                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                return json.load(r)
        except urllib.error.HTTPError as e:
            raise Failure("seed: POST %s %s: %d %s" % (path, json.dumps(body), e.code, e.read().decode("utf-8", "replace")))

    def start(self):
        """Serve (again, on the same port once it had one); wait until /readyz says ready."""
        self.starts += 1
        log_path = os.path.join(self.work, "vext-%d.log" % self.starts)
        self.proc = self.procs.start("vext", [self.binary, "serve"], self.work, log_path,
                                     env=dict(self.env, LEPTOS_SITE_ADDR=self.addr))
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise Failure("vext serve exited (%s):\n%s" % (self.proc.returncode, tail(log_path)))
            with open(log_path, "rb") as f:
                m = re.search(rb"vext listening on (http://[0-9.]+:(\d+))", f.read())
            if m:
                self.url = m.group(1).decode()
                self.addr = "%s:%s" % (HOST, m.group(2).decode())
                try:
                    with urllib.request.urlopen(self.url + "/readyz", timeout=2) as r:
                        if r.status == 200:
                            return
                except (urllib.error.URLError, OSError):
                    pass
            time.sleep(0.05)
        raise Failure("vext serve did not become ready:\n" + tail(log_path))

    def stop(self):
        self.procs.stop(self.proc)


# ---------------------------------------------------------------- Kamailio

class World:
    """Ports and tables: one phone per location, the PSTN gateway, the PSTN caller."""

    def __init__(self, locations):
        self.kamailio_port = free_port()
        self.gateway_port = free_port()  # where calls to the PSTN go
        self.pstn_port = free_port()  # where calls from the PSTN come from
        self.domain_port = free_port()  # a phone known only by its From domain
        self.locations = {}
        for i, name in enumerate(locations):
            slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "loc%d" % i
            self.locations[name] = {
                "caller_port": free_port(),  # a phone there dials from here
                "phone_port": free_port(),  # a phone there answers here
                "phone_user": str(4001 + i),  # the gateway's request-URI user for it
                "caller": str(2101 + i),
                "domain": "%s.vext.test" % slug,
            }

    def tables(self):
        s = lambda v: '"%s"' % v.replace("\\", "\\\\").replace('"', '\\"')
        lines = ["# Generated by integrations/kamailio/siptest.py", "route[VEXT_TABLES] {",
                 "\t$sht(gwsrc=>%s:%d) = 1;" % (HOST, self.pstn_port)]
        for name, loc in self.locations.items():
            lines += ["\t$sht(srcloc=>%s:%d) = %s;" % (HOST, loc["caller_port"], s(name)),
                      "\t$sht(domloc=>%s) = %s;" % (loc["domain"], s(name)),
                      "\t$sht(phoneuri=>%s) = %s;" % (loc["phone_user"], s("sip:%s@%s:%d" % (loc["phone_user"], HOST, loc["phone_port"]))),
                      "\t$sht(phoneloc=>%s) = %s;" % (loc["phone_user"], s(name))]
        return "\n".join(lines + ["}", ""])


class Kamailio:
    def __init__(self, procs, work, world, vext_httpcon, defines=(), shm_mb=None):
        self.procs, self.world = procs, world
        self.dir = tempfile.mkdtemp(prefix="kamailio-", dir=work)
        shutil.copy(os.path.join(HERE, "kamailio.cfg"), self.dir)
        with open(os.path.join(self.dir, "vext-local.cfg"), "w") as f:
            f.write("# Generated by integrations/kamailio/siptest.py\n")
            f.write("#!trydef LISTEN udp:%s:%d\n" % (HOST, world.kamailio_port))
            f.write('#!trydef PSTN_GW "%s:%d"\n' % (HOST, world.gateway_port))
            f.write('#!trydef VEXT_HTTPCON "%s"\n' % vext_httpcon)
        with open(os.path.join(self.dir, "vext-tables.cfg"), "w") as f:
            f.write(world.tables())
        os.mkdir(os.path.join(self.dir, "run"))
        self.log_path = os.path.join(self.dir, "kamailio.log")
        argv = ["kamailio", "-f", os.path.join(self.dir, "kamailio.cfg"), "-DD", "-E",
                "-Y", os.path.join(self.dir, "run"), "-w", self.dir]
        for d in defines:
            argv += ["-A", d]
        if shm_mb:
            argv += ["-m", str(shm_mb)]
        self.proc = procs.start("kamailio", argv, self.dir, self.log_path)
        self.wait_ready()

    def wait_ready(self):
        """Ready when it answers OPTIONS."""
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((HOST, 0))
        s.settimeout(0.2)
        port = s.getsockname()[1]
        deadline = time.time() + 15
        n = 0
        try:
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    raise Failure("Kamailio exited (%s):\n%s" % (self.proc.returncode, tail(self.log_path, 25)))
                n += 1
                msg = ("OPTIONS sip:%s:%d SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=z9hG4bKready%d;rport\r\n"
                       "From: <sip:ready@%s>;tag=r%d\r\nTo: <sip:%s:%d>\r\nCall-ID: ready-%d\r\n"
                       "CSeq: %d OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n") % (
                    HOST, self.world.kamailio_port, HOST, port, n, HOST, n, HOST, self.world.kamailio_port, n, n)
                s.sendto(msg.encode(), (HOST, self.world.kamailio_port))
                try:
                    data = s.recv(4096)
                    if data.startswith(b"SIP/2.0 200"):
                        return
                except (socket.timeout, ConnectionRefusedError):
                    pass
                time.sleep(0.1)
        finally:
            s.close()
        raise Failure("Kamailio does not answer OPTIONS:\n" + tail(self.log_path, 25))

    def shm(self):
        """Kamailio's shared memory use (kamcmd core.shmmem), as a dict of ints."""
        try:
            out = subprocess.run(["kamcmd", "-s", "unix:" + os.path.join(self.dir, "run", "kamailio_ctl"),
                                  "core.shmmem"], capture_output=True, text=True, timeout=5).stdout
        except (OSError, subprocess.TimeoutExpired):
            return {}
        return {k: int(v) for k, v in re.findall(r"(\w+):\s*(\d+)", out)}

    def stop(self):
        self.procs.stop(self.proc)


# ---------------------------------------------------------------- SIPp

def sipp(procs, work, tag, scenario, args, remote=None):
    base = os.path.join(work, tag)
    argv = ["sipp", "-sf", os.path.join(SIPP_DIR, scenario)]
    if remote:
        argv.append(remote)
    argv += ["-i", HOST, "-nostdin", "-trace_err", "-error_file", base + ".errors.log",
             "-trace_logs", "-log_file", base + ".logs.log"] + args
    return procs.start(tag, argv, work, base + ".out")


def wait_udp(port, proc, timeout=5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if udp_bound(port):
            return
        if proc.poll() is not None:
            raise Failure("%s exited early:\n%s" % (proc.name, tail(proc.out_path)))
        time.sleep(0.02)
    raise Failure("%s did not bind port %d" % (proc.name, port))


def finish(procs, proc, timeout):
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        procs.stop(proc)
        return "timeout"


def sipp_details(proc):
    """The scenario's <log> lines and SIPp's error events (not the messages they quote)."""
    base = proc.out_path[:-4]
    events = tail(base + ".errors.log", 4, r"^\d{4}-\d\d-\d\d\t|occurred:\s*\d{4}-")
    return "\n".join(x for x in (tail(base + ".logs.log", 6), events) if x)


# ---------------------------------------------------------------- the cases

def load_cases(path):
    cases = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                c = json.loads(line)
            except ValueError as e:
                raise Failure("%s:%d: not JSON: %s" % (path, n, e))
            kind = c.get("kind")
            need = {"dial": ("location", "dialed"), "incoming": ("number", "phone")}.get(kind)
            if need is None:
                raise Failure('%s:%d: "kind" must be "dial" or "incoming"' % (path, n))
            for k in need:
                if not isinstance(c.get(k), str) or not c[k]:
                    raise Failure('%s:%d: "%s" (a string) is missing' % (path, n, k))
            if kind == "dial" and "expect" not in c and "expectStatus" not in c:
                raise Failure('%s:%d: give "expect" (a number) or "expectStatus"' % (path, n))
            c.setdefault("name", "%s-%d" % (kind, n))
            cases.append(c)
    if not cases:
        raise Failure("%s has no cases" % path)
    return cases


def case_locations(cases):
    seen = []
    for c in cases:
        loc = c["location"] if c["kind"] == "dial" else c["phone"]
        if loc not in seen:
            seen.append(loc)
    return seen


def run_dial(procs, work, world, case, tag, down):
    loc = world.locations[case["location"]]
    if down:  # vext not answering: the call goes on as dialed
        expect_status, expect_user = 200, case["dialed"]
    elif "expect" in case:
        expect_status, expect_user = 200, case["expect"]
    else:
        expect_status, expect_user = int(case["expectStatus"]), None
    gw = sipp(procs, work, tag + "-gateway", "gateway.xml",
              ["-p", str(world.gateway_port), "-m", "1", "-set", "expect_user", expect_user or "NO-CALL-EXPECTED"])
    wait_udp(world.gateway_port, gw)
    by_domain = case.get("via") == "domain"
    uac = sipp(procs, work, tag + "-phone", "phone_dials.xml",
               ["-p", str(world.domain_port if by_domain else loc["caller_port"]), "-m", "1", "-s", case["dialed"],
                "-set", "caller", loc["caller"], "-set", "from_domain", loc["domain"],
                "-set", "expect_status", str(expect_status), "-d", str(HOLD_MS)],
               remote="%s:%d" % (HOST, world.kamailio_port))
    rc_uac = finish(procs, uac, 25)
    if expect_user is None:
        procs.stop(gw)
        rc_gw = 0 if "gateway:" not in tail(gw.out_path[:-4] + ".logs.log") else "got a call"
    else:
        rc_gw = finish(procs, gw, 5)
    ok = rc_uac == 0 and rc_gw == 0
    want = ("gateway gets %s" % expect_user) if expect_user else ("caller gets %d" % expect_status)
    what = "%s dials %s%s: %s" % (case["location"], case["dialed"], " (by From domain)" if by_domain else "", want)
    return ok, what, [uac, gw], "phone exit %s, gateway exit %s" % (rc_uac, rc_gw)


def header_quoted(name):
    """A display name as kamailio.cfg writes it between the quotes of From: its
    {s.escape.common} puts a backslash before \\, " and ' (each an RFC 3261 quoted-pair)."""
    return "".join("\\" + c if c in "\\\"'" else c for c in name)


def run_incoming(procs, work, world, case, tag, down):
    loc = world.locations[case["phone"]]
    caller_name = case.get("callerName", case["number"])
    if down or ("expectName" not in case and "expectUser" not in case):
        name, user = caller_name, case["number"]  # From unchanged
    else:
        name, user = case.get("expectName", caller_name), case.get("expectUser", case["number"])
    phone = sipp(procs, work, tag + "-phone", "phone.xml",
                 ["-p", str(loc["phone_port"]), "-m", "1", "-set", "expect_name", header_quoted(name),
                  "-set", "expect_user", user])
    wait_udp(loc["phone_port"], phone)
    uac = sipp(procs, work, tag + "-pstn", "pstn_calls.xml",
               ["-p", str(world.pstn_port), "-m", "1", "-s", loc["phone_user"], "-set", "caller", case["number"],
                "-set", "caller_name", caller_name, "-set", "from_domain", "pstn.vext.test",
                "-set", "expect_status", "200", "-d", str(HOLD_MS)],
               remote="%s:%d" % (HOST, world.kamailio_port))
    rc_uac = finish(procs, uac, 25)
    rc_phone = finish(procs, phone, 5)
    ok = rc_uac == 0 and rc_phone == 0
    what = '%s calls the phone at %s: shown as "%s" %s' % (case["number"], case["phone"], name, user)
    return ok, what, [uac, phone], "PSTN caller exit %s, phone exit %s" % (rc_uac, rc_phone)


def run_cases(procs, work, world, cases, kam, phase, down, results, verbose):
    for i, case in enumerate(cases, 1):
        tag = "%s-%02d" % (phase, i)
        started = time.time()
        try:
            run = run_dial if case["kind"] == "dial" else run_incoming
            ok, what, ps, codes = run(procs, work, world, case, tag, down)
        except Failure as e:
            ok, what, ps, codes = False, case["name"], [], str(e)
        took = time.time() - started
        label = "%s%s%s" % (GREEN + "PASS" if ok else RED + "FAIL", RESET, "")
        log("%s  [%s] %s: %s (%.2f s)" % (label, phase, case["name"], what, took))
        if not ok or verbose:
            log("      %s" % codes)
            for p in ps:
                d = sipp_details(p)
                if d:
                    log("      %s:\n%s" % (p.name, d))
            log("      kamailio:\n" + tail(kam.log_path, 8, r"vext|ERROR|WARN"))
        results.append((phase, case["name"], ok))


# ---------------------------------------------------------------- commands

def cmd_test(opts):
    cases = load_cases(opts.cases)
    procs = Procs()
    work = tempfile.mkdtemp(prefix="vext-sip-test-")
    results = []
    blackhole = None
    vext = None
    try:
        if opts.vext_bin:
            vext = RealVext(procs, work, opts.vext_bin, opts.seed)
            url, token = vext.url, vext.token
            log("vext: %s at %s, a new SQLite database seeded from %s"
                % (os.path.relpath(opts.vext_bin), url, os.path.relpath(opts.seed)))
        elif opts.vext_url:
            url, token = opts.vext_url, opts.token
            if not token:
                raise Failure("--token is required with --vext-url")
        else:
            with open(opts.fixture, encoding="utf-8") as f:
                token = opts.token or json.load(f).get("token", "")
            _, url = start_mock(procs, work, opts.fixture)
            log("vext: the mock at %s (fixture %s)" % (url, os.path.relpath(opts.fixture)))
        world = World(case_locations(cases))
        log("cases: %s (%d); work dir %s" % (os.path.relpath(opts.cases), len(cases), work))

        kam = Kamailio(procs, work, world, httpcon(url, token),
                       ["VEXT_BACKOFF=%d" % STOPPED_BACKOFF] if vext else ())
        log("%sKamailio on udp:%s:%d, vext %s%s" % (BOLD, HOST, world.kamailio_port, url, RESET))
        run_cases(procs, work, world, cases, kam, "vext", False, results, opts.verbose)
        if vext:
            # vext stopped mid-test: the same Kamailio goes on as dialed; once vext is back (and
            # Kamailio's back-off is over), calls are routed again.
            vext.stop()
            log("%svext stopped (same Kamailio): calls go on as dialed%s" % (BOLD, RESET))
            run_cases(procs, work, world, cases, kam, "stopped", True, results, opts.verbose)
            vext.start()
            time.sleep(STOPPED_BACKOFF + 1)  # the back-off counts whole seconds
            log("%svext started again on %s: calls are routed again%s" % (BOLD, vext.url, RESET))
            run_cases(procs, work, world, cases, kam, "restarted", False, results, opts.verbose)
        kam.stop()
        if not opts.vext_url and not vext:
            log("vext (mock) answered: %s" % json.dumps(mock_stats(url)))

        for mode in opts.down:
            # vext not answering usefully: every call must go on as dialed / with From unchanged.
            defines = ["VEXT_BACKOFF=0"]
            if mode == "refused":
                con, what = httpcon(closed_port_url(), token), "refuses connections"
            elif mode == "timeout":
                blackhole = blackhole or Blackhole()
                con, what = httpcon(blackhole.url, token), "never answers (timeout 1 s, then 5 s back-off)"
                defines = ["VEXT_TIMEOUT=1", "VEXT_BACKOFF=5"]
            elif mode == "5xx":
                _, failing = start_mock(procs, work, opts.fixture, status=503)
                con, what = httpcon(failing, token), "answers 503"
            elif mode == "401":
                con, what = httpcon(url, token + "-wrong"), "refuses the token (401)"
            else:  # badpath
                con, what = httpcon(url.rstrip("/") + "/no-such-prefix", token), "is at another URL (404 with a body)"
            kam = Kamailio(procs, work, world, con, defines)
            log("%sKamailio while vext %s: calls go on as dialed%s" % (BOLD, what, RESET))
            run_cases(procs, work, world, cases, kam, mode, True, results, opts.verbose)
            kam.stop()
    except Failure as e:
        log(RED + "ERROR: " + str(e) + RESET)
        results.append(("setup", "setup", False))
    finally:
        procs.stop_all()
        if blackhole:
            blackhole.close()
        if opts.keep:
            log("kept %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    failed = [r for r in results if not r[2]]
    log("%sSIP checks: %d passed, %d failed%s" % (BOLD, len(results) - len(failed), len(failed), RESET))
    return 1 if failed or not results else 0


_cpu_base = {}


def cpu_seconds(pgid, reset=False):
    """CPU seconds used by a process group (Kamailio and its workers) since the reset."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    try:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % pid) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:  # field 5 (pgrp), after pid and comm
                total += int(fields[11]) + int(fields[12])  # utime, stime
    except OSError:
        return None
    if reset:
        _cpu_base[pgid] = total
    return (total - _cpu_base.get(pgid, 0)) / tick


def parse_stats(path):
    """The last row of SIPp's -trace_stat CSV, as a dict."""
    with open(path, encoding="utf-8", errors="replace") as f:
        rows = [l.rstrip("\n").split(";") for l in f if l.strip()]
    if len(rows) < 2:
        raise Failure("no statistics in " + path)
    return dict(zip(rows[0], rows[-1]))


def cmd_load(opts):
    procs = Procs()
    work = tempfile.mkdtemp(prefix="vext-sip-load-")
    calls = opts.rate * opts.duration
    failed_total = None
    verdict = ""
    try:
        if opts.vext_url:
            url, token = opts.vext_url, opts.token
            if not (token and opts.location and opts.dialed and opts.expect):
                raise Failure("with --vext-url give --token, --location, --dialed and --expect")
            location, dialed, expect = opts.location, opts.dialed, opts.expect
        else:
            # The mock's fixture and the seed describe the same directory: its first route.
            with open(opts.fixture, encoding="utf-8") as f:
                fx = json.load(f)
            first = fx["routes"][0]
            location = opts.location or first["location"]
            dialed = opts.dialed or first["dialed"]
            expect = opts.expect or first["number"]
            if opts.vext_bin:
                vext = RealVext(procs, work, opts.vext_bin, opts.seed)
                url, token = vext.url, vext.token
            else:
                token = opts.token or fx.get("token", "")
                _, url = start_mock(procs, work, opts.fixture)
        world = World([location])
        loc = world.locations[location]
        kam = Kamailio(procs, work, world, httpcon(url, token),
                       ["DEBUG_LEVEL=1", "CHILDREN=%d" % opts.children], opts.shm)
        before = mock_stats(url) if not opts.vext_url else None
        log("%sload: %d calls/s for %d s (%d calls), %s dials %s, gateway expects %s; Kamailio %d workers%s"
            % (BOLD, opts.rate, opts.duration, calls, location, dialed, expect, opts.children, RESET))
        gw = sipp(procs, work, "load-gateway", "gateway.xml",
                  ["-p", str(world.gateway_port), "-set", "expect_user", expect, "-trace_stat",
                   "-stf", os.path.join(work, "gateway.csv"), "-fd", "1"])
        wait_udp(world.gateway_port, gw)
        stat = os.path.join(work, "phone.csv")
        cpu_seconds(kam.proc.pid, reset=True)
        started = time.time()
        uac = sipp(procs, work, "load-phone", "phone_dials.xml",
                   ["-p", str(loc["caller_port"]), "-s", dialed, "-set", "caller", loc["caller"],
                    "-set", "from_domain", loc["domain"], "-set", "expect_status", "200",
                    "-d", str(opts.hold_ms), "-r", str(opts.rate), "-rp", "1000", "-m", str(calls),
                    "-l", str(opts.rate * 10),
                    "-trace_stat", "-stf", stat, "-fd", "1"],
                   remote="%s:%d" % (HOST, world.kamailio_port))
        rc = finish(procs, uac, opts.duration + 60)
        elapsed = time.time() - started
        cpu = cpu_seconds(kam.proc.pid)
        time.sleep(0.5)
        procs.stop(gw, signal.SIGUSR1)  # SIPp: SIGUSR1 = quit after dumping statistics
        st = parse_stats(stat)
        ok_calls = int(st.get("SuccessfulCall(C)", 0))
        failed = int(st.get("FailedCall(C)", 0))
        retrans = int(st.get("Retransmissions(C)", 0))
        try:
            gst = parse_stats(os.path.join(work, "gateway.csv"))
            gw_ok, gw_failed = int(gst.get("SuccessfulCall(C)", 0)), int(gst.get("FailedCall(C)", 0))
        except (Failure, OSError):
            gw_ok = gw_failed = None
        log("phone (SIPp UAC): %d successful, %d failed, %d retransmissions; exit %s" % (ok_calls, failed, retrans, rc))
        log("gateway (SIPp UAS, checks the request-URI user of every call): %s successful, %s failed"
            % (gw_ok, gw_failed))
        rt = st.get("ResponseTime1(C)")
        log("achieved: %.1f calls/s (SIPp's CallRate(C)); %d calls completed in %.2f s wall clock = %.1f calls/s"
            " (target %d calls/s)" % (float(st.get("CallRate(C)", 0) or 0), ok_calls + failed, elapsed,
                                     (ok_calls + failed) / elapsed, opts.rate))
        shm = kam.shm()
        if shm:
            log("Kamailio shared memory: %.1f MB used at the end, %.1f MB at most, of %.0f MB (-m)"
                % (shm.get("real_used", 0) / 2**20, shm.get("max_used", 0) / 2**20, shm.get("total", 0) / 2**20))
        time.sleep(6)  # tm keeps a finished transaction 5 s (wait_timer)
        idle = kam.shm()
        if idle:
            log("Kamailio shared memory 6 s later: %.1f MB used" % (idle.get("real_used", 0) / 2**20))
        if cpu is not None:
            log("Kamailio CPU time during the run: %.1f s (%.0f%% of one core)" % (cpu, 100 * cpu / elapsed))
        if rt:
            log("INVITE to final answer, mean over the run: %s" % rt)
        if before is not None:
            after = mock_stats(url)
            asked = sum(after.get(k, 0) - before.get(k, 0) for k in after if k.startswith("route_"))
            log("vext (mock) route look-ups during the run: %d, over %d new HTTP connections"
                % (asked, after.get("connections", 0) - before.get("connections", 0) - 1))  # -1: this request
        warns = tail(kam.log_path, 5, r"WARN|ERROR")
        if warns:
            log("kamailio warnings:\n" + warns)
        missing = max(0, calls - ok_calls - failed)
        failed_total = failed + missing
        verdict = "%d of %d calls failed at the phone, %s at the gateway, %d never completed" % (
            failed, calls, gw_failed if gw_failed is not None else "?", missing)
        if failed_total == 0 and (gw_failed or rc != 0):
            failed_total = gw_failed or 1
    except Failure as e:
        log(RED + "ERROR: " + str(e) + RESET)
    finally:
        procs.stop_all()
        if opts.keep:
            log("kept %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    if failed_total is None:
        return 2
    log("%s%s: %s%s" % (BOLD, "PASS" if failed_total == 0 else "FAIL", verdict, RESET))
    return 0 if failed_total == 0 else 1


LOAD_DOC = """\
Phones at one location call at a fixed rate (-r RATE -rp 1000) through Kamailio for DURATION
seconds; every call asks vext's route look-up, and the SIPp gateway checks every call's
request-URI user. Reports the calls/s achieved, failed calls, Kamailio's CPU and shared
memory; exits non-zero when any call failed.
"""

DOWN_MODES = ("refused", "timeout", "5xx", "401", "badpath")


def down_modes(text):
    modes = [m for m in text.split(",") if m and m != "none"]
    bad = [m for m in modes if m not in DOWN_MODES]
    if bad:
        raise argparse.ArgumentTypeError("unknown: %s (give %s or none)" % (", ".join(bad), ",".join(DOWN_MODES)))
    return modes


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    blurbs = {"test": __doc__.split("\n\n", 1)[1], "load": LOAD_DOC}
    for name in ("test", "load"):
        p = sub.add_parser(name, prog="scripts/sip-" + name, description=blurbs[name],
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--vext-bin", help="start this vext binary on a new database seeded from --seed"
                                          " (and, for test, stop it mid-test)")
        p.add_argument("--seed", default=DEFAULT_SEED, help="with --vext-bin: what vext holds (default %(default)s)")
        p.add_argument("--vext-url", help="vext's base URL, e.g. http://127.0.0.1:3000 (default: start the mock)")
        p.add_argument("--token", help="a read-only API token (default with the mock: the fixture's)")
        p.add_argument("--fixture", default=DEFAULT_FIXTURE, help="the mock's fixture (default %(default)s)")
        p.add_argument("--keep", action="store_true", help="keep the work directory (logs, generated config)")
    t = sub.choices["test"]
    t.add_argument("--cases", default=DEFAULT_CASES, help="cases, JSON Lines (default %(default)s)")
    t.add_argument("--down", default="refused,timeout,5xx,401,badpath", type=down_modes,
                   help="then run every case again with vext failing in these ways, comma-separated, or none"
                        " (default %(default)s)")
    t.add_argument("-v", "--verbose", action="store_true", help="show SIPp and Kamailio lines for passing cases too")
    l = sub.choices["load"]
    l.add_argument("--rate", type=int, default=300, help="calls per second (default %(default)s)")
    l.add_argument("--duration", type=int, default=20, help="seconds (default %(default)s)")
    l.add_argument("--hold-ms", type=int, default=100, help="call length, ACK to BYE (default %(default)s)")
    l.add_argument("--children", type=int, default=8, help="Kamailio UDP workers (default %(default)s)")
    l.add_argument("--shm", type=int, help="Kamailio shared memory, MB (kamailio -m; default: Kamailio's 64)")
    l.add_argument("--location", help="the calling phone's location (default: the fixture's first route)")
    l.add_argument("--dialed", help="what it dials")
    l.add_argument("--expect", help="the number the gateway must receive")
    opts = ap.parse_args()
    # Stopped from outside: still stop everything started (the finally blocks).
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))
    if opts.vext_bin and opts.vext_url:
        ap.error("give --vext-bin or --vext-url, not both")
    if opts.command == "test" and opts.vext_url and not opts.token:
        ap.error("--token is required with --vext-url")
    sys.exit(cmd_test(opts) if opts.command == "test" else cmd_load(opts))


if __name__ == "__main__":
    main()
