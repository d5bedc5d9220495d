#!/usr/bin/python3
"""admin_ui.py: drives the admin console in Debian's headless Chromium.

The end-to-end check of issue 7's web page against a running recall-admin:
sign in with the platform token, see the tenants, change a tenant's memory
window and find it stored through the API, open a contact and see its facts,
sign out, sign in with a tenant token and find the other tenant invisible.
Every step leaves a screenshot in the directory given by --screenshots.

It speaks the DevTools protocol directly (python3-websocket, Debian's
package, hence /usr/bin/python3): Chromium starts with
--remote-debugging-port=0 and writes the port it chose to DevToolsActivePort
in its profile directory; one page target is attached in flat session mode.
Chromium runs in its own process group, killed at exit whatever happens; a
global alarm bounds the whole run. Exit status 0 when every check passed,
1 with "FAIL: ..." on stderr otherwise.
"""
import argparse
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import websocket  # python3-websocket (websocket-client)


class Failure(Exception):
        """A check that did not hold; the message says which."""


def log(msg):
        print("[admin_ui] " + msg, file=sys.stderr, flush=True)


# ---- Chromium and the DevTools protocol ---------------------------------

class Browser:
        """One headless Chromium and one page in it, over a CDP websocket."""

        def __init__(self, binary, width=1280, height=900):
                self.profile = tempfile.mkdtemp(prefix="recall-admin-ui-")
                self.errlog = open(os.path.join(self.profile, "chromium.log"), "wb")
                try:
                        self.proc = subprocess.Popen(
                                [binary, "--headless=new", "--remote-debugging-port=0",
                                 "--user-data-dir=" + self.profile, "--no-sandbox",
                                 "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                                 "--no-default-browser-check", "--disable-extensions",
                                 "--window-size=%d,%d" % (width, height), "about:blank"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.errlog,
                                start_new_session=True)  # its own group: killed as one at exit
                except OSError as e:
                        self.errlog.close()
                        shutil.rmtree(self.profile, ignore_errors=True)
                        raise Failure("cannot start %s: %s" % (binary, e))
                self.ws = None
                self.next_id = 0
                self.session = None
                self.events = []

        def connect(self, width=1280, height=900):
                """Waits for Chromium's debugging port and attaches to a new page."""
                port_file = os.path.join(self.profile, "DevToolsActivePort")
                deadline = time.monotonic() + 30
                while True:
                        if self.proc.poll() is not None:
                                raise Failure("chromium exited at start (status %d): %s" %
                                              (self.proc.returncode, self.chromium_log()))
                        try:
                                with open(port_file) as f:
                                        lines = f.read().split("\n")
                                if len(lines) >= 2 and lines[1]:
                                        break
                        except FileNotFoundError:
                                pass
                        if time.monotonic() > deadline:
                                raise Failure("chromium wrote no DevToolsActivePort in 30 s")
                        time.sleep(0.1)
                url = "ws://127.0.0.1:%s%s" % (lines[0].strip(), lines[1].strip())
                # no Origin header: Chromium refuses DevTools websockets from
                # origins it was not told to allow
                self.ws = websocket.create_connection(url, timeout=30, suppress_origin=True)
                target = self.call("Target.createTarget", {"url": "about:blank"}, page=False)
                self.session = self.call("Target.attachToTarget",
                                         {"targetId": target["targetId"], "flatten": True},
                                         page=False)["sessionId"]
                for domain in ("Page", "Runtime", "Log"):
                        self.call(domain + ".enable")
                self.call("Emulation.setDeviceMetricsOverride",
                          {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

        def chromium_log(self):
                try:
                        with open(os.path.join(self.profile, "chromium.log"), errors="replace") as f:
                                return f.read()[-2000:]
                except OSError:
                        return ""

        def call(self, method, params=None, page=True):
                """Sends one command (to the page's session unless page=False)
                and returns its result; events read meanwhile are kept."""
                self.next_id += 1
                msg = {"id": self.next_id, "method": method, "params": params or {}}
                if page:
                        msg["sessionId"] = self.session
                self.ws.send(json.dumps(msg))
                while True:
                        reply = json.loads(self.ws.recv())
                        if reply.get("id") == self.next_id:
                                if "error" in reply:
                                        raise Failure("%s: %s" % (method, reply["error"].get("message")))
                                return reply.get("result", {})
                        if "method" in reply:
                                self.events.append(reply)

        def eval(self, expression):
                """The value of a JavaScript expression (awaited if a promise)."""
                r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                   "awaitPromise": True})
                if "exceptionDetails" in r:
                        d = r["exceptionDetails"]
                        raise Failure("javascript error in %r: %s" % (
                                expression[:80], d.get("exception", {}).get("description") or d.get("text")))
                return r.get("result", {}).get("value")

        def close(self):
                if self.ws:
                        try:
                                self.ws.close()
                        except Exception:
                                pass
                if self.proc.poll() is None:
                        try:
                                os.killpg(self.proc.pid, signal.SIGTERM)
                                self.proc.wait(timeout=5)
                        except (subprocess.TimeoutExpired, ProcessLookupError):
                                try:
                                        os.killpg(self.proc.pid, signal.SIGKILL)
                                except ProcessLookupError:
                                        pass
                                self.proc.wait()
                self.errlog.close()
                shutil.rmtree(self.profile, ignore_errors=True)


# ---- page actions -------------------------------------------------------

class Page:
        """What a user does on the page, plus waiting and screenshots."""

        def __init__(self, browser, shots):
                self.b = browser
                self.shots = shots
                self.step = 0

        def screenshot(self, name):
                self.step += 1
                data = self.b.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
                path = os.path.join(self.shots, "%02d-%s.png" % (self.step, name))
                with open(path, "wb") as f:
                        f.write(base64.b64decode(data["data"]))
                log("screenshot " + path)

        def wait(self, expression, what, timeout=15):
                """Polls expression until truthy; on timeout, a screenshot of
                the state it was stuck in and a Failure naming what."""
                deadline = time.monotonic() + timeout
                while True:
                        value = self.b.eval(expression)
                        if value:
                                return value
                        if time.monotonic() > deadline:
                                state = self.b.eval("JSON.stringify({hash: location.hash, view: "
                                                    "document.getElementById('main').dataset.view, state: "
                                                    "document.getElementById('main').dataset.state})")
                                try:
                                        self.screenshot("timeout")
                                except Failure:
                                        pass
                                raise Failure("timed out after %ds waiting for %s (page: %s)" % (timeout, what, state))
                        time.sleep(0.1)

        def wait_view(self, view, state="ready"):
                self.wait("(m => m.dataset.view === %s && m.dataset.state === %s && !m.hidden)"
                          "(document.getElementById('main'))" % (json.dumps(view), json.dumps(state)),
                          "view '%s' %s" % (view, state))

        def goto(self, url):
                self.b.call("Page.navigate", {"url": url})
                self.wait("document.readyState === 'complete'", "page load of " + url)

        def set_hash(self, hash_):
                self.b.eval("location.hash = %s" % json.dumps(hash_))

        def click(self, selector):
                """A real mouse click in the middle of the element."""
                rect = self.b.eval(
                        "(el => { if (!el) return null; el.scrollIntoView({block: 'center'});"
                        " const r = el.getBoundingClientRect();"
                        " return {x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width}; })"
                        "(document.querySelector(%s))" % json.dumps(selector))
                if not rect or not rect["w"]:
                        raise Failure("nothing visible to click at '%s'" % selector)
                for kind in ("mousePressed", "mouseReleased"):
                        self.b.call("Input.dispatchMouseEvent", {"type": kind, "x": rect["x"], "y": rect["y"],
                                                                 "button": "left", "clickCount": 1})

        def fill(self, selector, text):
                """Replaces the field's value by typing text into it."""
                if not self.b.eval("(el => { if (!el) return false; el.focus(); el.value = '';"
                                   " el.dispatchEvent(new Event('input', {bubbles: true})); return true; })"
                                   "(document.querySelector(%s))" % json.dumps(selector)):
                        raise Failure("no field '%s'" % selector)
                self.b.call("Input.insertText", {"text": text})

        def text(self, selector):
                return self.b.eval("(el => el ? el.textContent : null)(document.querySelector(%s))"
                                   % json.dumps(selector))

        def exists(self, selector):
                return self.b.eval("document.querySelector(%s) !== null" % json.dumps(selector))

        def page_errors(self):
                """Uncaught exceptions and Content-Security-Policy refusals so
                far: the page must cause none (no inline script or style)."""
                errors = []
                for ev in self.b.events:
                        if ev["method"] == "Runtime.exceptionThrown":
                                d = ev["params"]["exceptionDetails"]
                                errors.append(d.get("exception", {}).get("description") or d.get("text"))
                        elif ev["method"] == "Log.entryAdded":
                                e = ev["params"]["entry"]
                                if "Content Security Policy" in e.get("text", ""):
                                        errors.append(e["text"])
                        elif ev["method"] == "Runtime.consoleAPICalled" and ev["params"]["type"] == "error":
                                errors.append(" ".join(str(a.get("value", a.get("description")))
                                                       for a in ev["params"]["args"]))
                return errors


def check(cond, msg):
        if not cond:
                raise Failure(msg)
        log("ok: " + msg)


def api_get(base, token, path):
        """GET base+path with the token: (status, parsed JSON or None)."""
        req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
        try:
                with urllib.request.urlopen(req, timeout=10) as res:
                        return res.status, json.loads(res.read() or b"null")
        except urllib.error.HTTPError as e:
                body = e.read()
                try:
                        return e.code, json.loads(body)
                except ValueError:
                        return e.code, None


def read_token(path):
        with open(path) as f:
                token = f.read().strip()
        if not token:
                raise Failure("empty token file " + path)
        return token


# ---- the scenario -------------------------------------------------------

def login(p, token, who):
        p.wait("!document.getElementById('login-view').hidden", "the sign-in form")
        p.fill("#login-token", token)
        p.click("#login-submit")
        p.wait_view("overview")
        log("signed in as " + who)


def run(args, p):
        base = args.url.rstrip("/")
        platform = read_token(args.platform_token_file)
        tenant_token = read_token(args.tenant_token_file)
        T, other, C = args.tenant, args.other_tenant, args.contact

        # sign-in page, then the platform overview
        p.goto(base + "/")
        p.wait("!document.getElementById('login-view').hidden", "the sign-in form")
        p.screenshot("login")
        p.fill("#login-token", "not-a-token")
        p.click("#login-submit")
        p.wait("!document.getElementById('login-error').hidden", "the rejected-token message")
        check(p.exists("#main[hidden]"), "a wrong token does not open the console")
        p.screenshot("login-rejected")
        login(p, platform, "platform admin")
        check(p.b.eval("document.getElementById('whoami').dataset.role") == "platform", "whoami says platform")
        p.wait("document.querySelectorAll('#tenants-table tr[data-tenant]').length >= 2", "the tenants table")
        for t in (T, other):
                check(p.exists('#tenants-table tr[data-tenant="%s"]' % t), "tenant '%s' listed for the platform" % t)
        check(p.exists("#health li[data-health]"), "health of the servers shown")
        check(p.exists("#dlq-table") and p.exists("#lag-table"), "DLQ and lag tables shown to the platform")
        p.screenshot("overview-platform")

        # the tenant page: change the memory window and save
        p.click('#tenants-table tr[data-tenant="%s"] a[data-test="tenant-link"]' % T)
        p.wait_view("tenant")
        p.wait("document.getElementById('contacts').dataset.state === 'ready'", "the contacts list")
        old = int(p.b.eval("document.getElementById('set-history_window').value"))
        new = old + 7 if old <= 990 else old - 7
        p.screenshot("tenant")
        p.fill("#set-history_window", str(new))
        p.click("#settings-save")
        p.wait("['saved', 'error'].includes(document.getElementById('settings-result').dataset.state)",
               "the answer to Save")
        result = p.text("#settings-result")
        check(p.b.eval("document.getElementById('settings-result').dataset.state") == "saved",
              "Save succeeded (page says: %s)" % result)
        check(p.b.eval("document.getElementById('set-history_window').value") == str(new),
              "the form shows the stored history_window %d" % new)
        p.screenshot("tenant-saved")
        status, body = api_get(base, platform, "/api/tenants/" + T)
        check(status == 200 and body["settings"]["history_window"] == new,
              "the API returns history_window %d for '%s' (got %s %s)" %
              (new, T, status, body and body.get("settings", {}).get("history_window")))

        # an out-of-range value: the server's error is shown, nothing stored
        p.fill("#set-history_window", "0")
        p.click("#settings-save")
        p.wait("document.getElementById('settings-result').dataset.state === 'error'", "the refusal of 0")
        check("history_window" in (p.text("#settings-result") or ""),
              "the refusal names history_window: %s" % p.text("#settings-result"))
        p.screenshot("tenant-invalid")
        status, body = api_get(base, platform, "/api/tenants/" + T)
        check(status == 200 and body["settings"]["history_window"] == new, "the refused value was not stored")

        # contacts: search, markup stays text
        if args.markup_contact:
                row = '#contacts-table tr[data-contact="%s"]' % args.markup_contact
                p.wait("document.querySelector(%s) !== null" % json.dumps(row), "contact '%s' listed" % args.markup_contact)
                check(not p.exists(row + " img, " + row + " script"),
                      "markup in a contact's name stays text (no element made from it)")
                check("<" in (p.text(row + " a") or ""), "the name is shown literally: %s" % p.text(row + " a"))
        p.fill("#contact-search", C)
        p.wait("(s => s.dataset.state === 'ready' && s.dataset.query === %s)(document.getElementById('contacts'))"
               % json.dumps(C), "the contacts matching '%s'" % C)
        check(p.b.eval("(rows => rows.length > 0 && [...rows].every(r => r.textContent.toLowerCase().includes(%s)))"
                       "(document.querySelectorAll('#contacts-table tr[data-contact]'))" % json.dumps(C.lower())),
              "the search for '%s' keeps only matching contacts" % C)
        p.screenshot("tenant-search")

        # the contact page: facts with the message each came from
        p.click('#contacts-table tr[data-contact="%s"] a[data-test="contact-link"]' % C)
        p.wait_view("contact")
        n = p.b.eval("document.querySelectorAll('#facts-table tr[data-field]').length")
        check(n > 0, "contact '%s' shows %d qualification facts" % (C, n))
        for exp in args.expect_fact:
                field, _, value = exp.partition("=")
                got = p.text('#facts-table tr[data-field="%s"] td[data-col="value"]' % field)
                check(got == value, "fact %s = %s (page shows %s)" % (field, value, got))
        check(p.b.eval("[...document.querySelectorAll('#facts-table a.quote')].every(a => "
                       "document.querySelector('#conversation li[data-message-id=\"' + "
                       "CSS.escape(a.dataset.messageId) + '\"]'))"),
              "every fact's source message is in the conversation")
        if args.expect_history:
                check(p.exists("#fact-history tr[data-field]"), "the fact history has an earlier value")
        check(p.exists("#opt-out[data-opted-out]"), "the opt-out state is shown")
        p.screenshot("contact")

        # sign out, sign in as the tenant
        p.click("#logout")
        p.wait("!document.getElementById('login-view').hidden", "the sign-in form after signing out")
        check(p.b.eval("sessionStorage.length") == 0, "signing out forgets the token")
        p.screenshot("signed-out")
        login(p, tenant_token, "tenant admin of " + T)
        check(p.b.eval("document.getElementById('whoami').dataset.role") == "tenant", "whoami says tenant")
        p.wait("document.querySelector(%s) !== null" % json.dumps('#tenants-table tr[data-tenant="%s"]' % T),
               "own tenant listed")
        check(not p.exists('#tenants-table tr[data-tenant="%s"]' % other), "'%s' not listed for %s's token" % (other, T))
        check(not p.exists("#dlq-table"), "no platform tables for a tenant token")
        p.screenshot("overview-tenant")
        p.set_hash("#/tenants/" + other)
        p.wait("document.getElementById('main').dataset.state === 'not-found'", "the not-found page")
        check(p.exists("#not-found"), "#/tenants/%s shows not found" % other)
        p.screenshot("other-tenant-not-found")
        status, _ = api_get(base, tenant_token, "/api/tenants/" + other)
        check(status == 404, "the API answers 404 for '%s' to %s's token (got %d)" % (other, T, status))

        errors = p.page_errors()
        check(not errors, "no script errors or CSP refusals on the page" + (": %s" % errors if errors else ""))


def main():
        ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
        ap.add_argument("--url", required=True, help="the admin console, e.g. http://127.0.0.1:PORT")
        ap.add_argument("--platform-token-file", required=True)
        ap.add_argument("--tenant-token-file", required=True, help="a tenant-admin token of --tenant")
        ap.add_argument("--screenshots", required=True, help="directory for the PNGs (created)")
        ap.add_argument("--tenant", default="acme")
        ap.add_argument("--other-tenant", default="globex")
        ap.add_argument("--contact", default="ana", help="a contact of --tenant with facts")
        ap.add_argument("--expect-fact", action="append", default=[], metavar="FIELD=VALUE",
                        help="a current fact of the contact as the page shows it")
        ap.add_argument("--expect-history", action="store_true",
                        help="the contact has a fact with an earlier value")
        ap.add_argument("--markup-contact", help="a contact of --tenant whose name holds markup")
        ap.add_argument("--chromium", default="chromium")
        ap.add_argument("--timeout", type=int, default=120, help="for the whole run, seconds")
        args = ap.parse_args()

        os.makedirs(args.screenshots, exist_ok=True)

        def on_alarm(signum, frame):
                raise Failure("the whole run took longer than %d s" % args.timeout)
        signal.signal(signal.SIGALRM, on_alarm)
        signal.alarm(args.timeout)
        browser = None
        try:
                browser = Browser(args.chromium)
                browser.connect()
                run(args, Page(browser, args.screenshots))
        except Failure as e:
                log("FAIL: %s" % e)
                return 1
        except (OSError, websocket.WebSocketException) as e:
                log("FAIL: %s: %s" % (type(e).__name__, e))
                if browser:
                        log("chromium log: " + browser.chromium_log())
                return 1
        finally:
                signal.alarm(0)
                if browser:
                        browser.close()
        log("passed")
        return 0


if __name__ == "__main__":
        sys.exit(main())
