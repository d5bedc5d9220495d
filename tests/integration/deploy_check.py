#!/usr/bin/env python3
"""deploy_check.py: checks deploy/ against the build, without a container
engine or a cluster (run by test_deploy.sh).

    deploy_check.py SOURCE_DIR BIN_DIR

What a manifest can get wrong and this machine can still see: YAML that does
not parse; a binary the build does not produce; a RECALL_* variable or -X
setting recall does not know (`recall config`, plus the variables the code
reads with getenv); a flag the binary's --help does not list; a probe on
another port than the listen setting gives; a grace period shorter than the
drain; a KEDA trigger on another group or topic than the worker consumes; a
Dockerfile whose packages drift from deploy/install-deps; systemd units that
`systemd-analyze verify` rejects; a table of schemas/sql that the Citus file
does not distribute. Prints one line per failed check and exits 1, else
prints what it checked and exits 0."""
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

import yaml

SRC, BIN = sys.argv[1], sys.argv[2]
DEPLOY = os.path.join(SRC, "deploy")
failures = []
checked = []


def fail(msg):
        failures.append(msg)


def rel(path):
        return os.path.relpath(path, SRC)


def run(args, **kw):
        return subprocess.run(args, capture_output=True, text=True, timeout=60, **kw)


# ---- what the build and the code say ---------------------------------------

BINARIES = set(os.listdir(BIN))
WORKER_DIRS = sorted(d for d in os.listdir(os.path.join(SRC, "workers"))
                     if os.path.isdir(os.path.join(SRC, "workers", d)))
PRODUCT = {"recall" if d == "recall" else "recall-" + d for d in WORKER_DIRS}
for b in sorted(PRODUCT - BINARIES):
        fail(f"the build did not produce '{b}' (workers/ has it): build first")

# consumer workers: workers/<kind>/main.c with a GROUP_ID and its topics
CONSUMERS = {}
for d in WORKER_DIRS:
        main = os.path.join(SRC, "workers", d, "main.c")
        if not os.path.exists(main):
                continue
        text = open(main).read()
        g = re.search(r'#define GROUP_ID "([^"]+)"', text)
        t = re.search(r'topics\[\]\s*=\s*\{([^}]*)\}', text)
        if g and t:
                CONSUMERS["recall-" + d] = (g.group(1), set(re.findall(r'"([^"]+)"', t.group(1))))
if not CONSUMERS:
        fail("no consumer worker found in workers/*/main.c (GROUP_ID, topics[])")

topics_src = open(os.path.join(SRC, "common", "kafka.c")).read()
m = re.search(r'recall_topics_all\[\]\s*=\s*\{(.*?)\};', topics_src, re.S)
ALL_TOPICS = [t + (".dlq" if dlq else "") for t, dlq in
              re.findall(r'"([^"]+)"(\s*DLQ_SUFFIX)?', m.group(1))] if m else []

cfg = run([os.path.join(BIN, "recall"), "config"], env={"PATH": os.environ.get("PATH", "")},
          cwd=tempfile.gettempdir())
SETTINGS, ENV_NAMES, DEFAULTS = set(), set(), {}
for line in cfg.stdout.splitlines():
        f = line.split()
        if len(f) >= 3 and f[1].startswith("RECALL_"):
                SETTINGS.add(f[0])
                ENV_NAMES.add(f[1])
                DEFAULTS[f[0]] = f[3] if len(f) > 3 else ""
if "shutdown.drain_ms" not in SETTINGS:
        fail(f"`recall config` printed no settings table: {cfg.stderr.strip()}")
# variables the code reads directly (RECALL_MASTER_KEY, RECALL_CONFIG, ...)
for path in glob.glob(os.path.join(SRC, "common", "*.c")) + \
            glob.glob(os.path.join(SRC, "workers", "*", "*.c")):
        ENV_NAMES.update(re.findall(r'getenv\("(RECALL_[A-Z0-9_]+)"\)', open(path).read()))

HELP = {}


def help_of(argv0, sub=None):
        key = (argv0, sub)
        if key not in HELP:
                args = [os.path.join(BIN, argv0)] + ([sub] if sub else []) + ["--help"]
                r = run(args)
                HELP[key] = r.stdout if r.returncode == 0 else None
        return HELP[key]


def check_env_name(name, where):
        if name.startswith("RECALL_") and name not in ENV_NAMES:
                fail(f"{where}: '{name}' is no recall setting (see `recall config`)")


def check_command(argv, where):
        """argv: a command line of the image or a unit. Its binary must be
        built, each option listed by its --help, each -X key a setting."""
        if not argv:
                fail(f"{where}: no command")
                return
        b = os.path.basename(argv[0])
        if b not in BINARIES:
                fail(f"{where}: '{b}' is not built (build/bin has {sorted(PRODUCT)})")
                return
        sub = argv[1] if b == "recall" and len(argv) > 1 and not argv[1].startswith("-") else None
        text = help_of(b, sub)
        if text is None:
                fail(f"{where}: '{b} {sub or ''} --help' fails")
                return
        i = 2 if sub else 1
        while i < len(argv):
                a = argv[i]
                if a.startswith("-") and a != "--help":  # every program takes --help
                        name = a.split("=", 1)[0]
                        if not re.search(r'(^|[\s\[|,])' + re.escape(name) + r'([\s=\]|,]|$)', text, re.M):
                                fail(f"{where}: '{b}' takes no option '{name}'")
                        if a == "-X" and i + 1 < len(argv):
                                key = argv[i + 1].split("=", 1)[0]
                                if key not in SETTINGS and not key.startswith("kafka."):
                                        fail(f"{where}: -X '{key}' is no recall setting")
                                i += 1
                i += 1
        checked.append(f"command {' '.join(argv)} ({where})")


def listen_port(value):
        m = re.fullmatch(r'(.*):(\d+)', value or "")
        return (m.group(1), int(m.group(2))) if m else (None, None)


def ms_setting(env, key, name):
        v = env.get(key, DEFAULTS.get(name, "0"))
        return int(v)


# which setting gives the port each binary serves its probes on
def listen_setting(binary):
        return {"recall-ingest": "RECALL_INGEST_LISTEN",
                "recall-admin": "RECALL_ADMIN_LISTEN"}.get(binary, "RECALL_METRICS_LISTEN")


# ---- every YAML file parses -------------------------------------------------

docs = {}
for path in sorted(glob.glob(os.path.join(DEPLOY, "**", "*.y*ml"), recursive=True)):
        try:
                docs[path] = [d for d in yaml.safe_load_all(open(path)) if d is not None]
                checked.append(f"yaml {rel(path)}")
        except yaml.YAMLError as e:
                fail(f"{rel(path)}: does not parse: {e}")

# ---- Kubernetes -------------------------------------------------------------

K8S = os.path.join(DEPLOY, "kubernetes")
objs = [d for p, ds in docs.items() if p.startswith(K8S) for d in ds if isinstance(d, dict)]
by_kind = {}
for o in objs:
        by_kind.setdefault(o.get("kind"), []).append(o)

cm_data = {}
for cm in by_kind.get("ConfigMap", []):
        cm_data[cm["metadata"]["name"]] = cm.get("data", {})
        for k in cm.get("data", {}):
                check_env_name(k, f"ConfigMap {cm['metadata']['name']}")
sec_data = {}
for s in by_kind.get("Secret", []):
        sec_data[s["metadata"]["name"]] = s.get("stringData", {}) or s.get("data", {})
        for k in sec_data[s["metadata"]["name"]]:
                if k.isupper():
                        check_env_name(k, f"Secret {s['metadata']['name']}")

kust = [d for p, ds in docs.items() if p.startswith(K8S) and p.endswith("kustomization.yaml") for d in ds]
if kust:
        listed = set(kust[0].get("resources", []))
        present = {os.path.basename(p) for p in docs if p.startswith(K8S) and not p.endswith("kustomization.yaml")}
        for f in sorted(present ^ listed):
                fail(f"kustomization.yaml and deploy/kubernetes/ disagree on '{f}'")


def pod_env(spec, container):
        env = {}
        for ref in container.get("envFrom", []):
                if "configMapRef" in ref:
                        name = ref["configMapRef"]["name"]
                        if name not in cm_data:
                                fail(f"container {container['name']}: no ConfigMap '{name}'")
                        env.update(cm_data.get(name, {}))
                if "secretRef" in ref:
                        name = ref["secretRef"]["name"]
                        if name not in sec_data:
                                fail(f"container {container['name']}: no Secret '{name}'")
                        env.update(sec_data.get(name, {}))
        for e in container.get("env", []):
                check_env_name(e["name"], f"container {container['name']}")
                env[e["name"]] = e.get("value", "")
        return env


def check_pod(owner, spec, expect_probes):
        sc = spec.get("securityContext", {})
        if not sc.get("runAsNonRoot") or sc.get("runAsUser", 0) == 0:
                fail(f"{owner}: pod not forced to run as non-root")
        for c in spec.get("containers", []):
                argv = list(c.get("command", [])) + list(c.get("args", []))
                check_command(argv, owner)
                env = pod_env(spec, c)
                binary = os.path.basename(argv[0]) if argv else ""
                drain = ms_setting(env, "RECALL_SHUTDOWN_DRAIN_MS", "shutdown.drain_ms")
                grace = spec.get("terminationGracePeriodSeconds", 30)
                if grace * 1000 <= drain:
                        fail(f"{owner}: terminationGracePeriodSeconds {grace} is not above the drain ({drain} ms)")
                if not expect_probes:
                        continue
                host, port = listen_port(env.get(listen_setting(binary)))
                if port is None:
                        fail(f"{owner}: {listen_setting(binary)} gives no address:port")
                        continue
                if host not in ("0.0.0.0", "", "[::]"):
                        fail(f"{owner}: {listen_setting(binary)}={env.get(listen_setting(binary))} "
                             "is not reachable by the kubelet")
                ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
                paths = {"livenessProbe": "/healthz", "readinessProbe": "/readyz"}
                for probe, path in paths.items():
                        get = c.get(probe, {}).get("httpGet")
                        if not get:
                                fail(f"{owner}: no {probe} httpGet")
                                continue
                        p = get.get("port")
                        p = ports.get(p) if isinstance(p, str) else p
                        if p != port:
                                fail(f"{owner}: {probe} on port {p}, but {listen_setting(binary)} gives {port}")
                        if get.get("path") != path:
                                fail(f"{owner}: {probe} path {get.get('path')}, expected {path}")
                checked.append(f"{owner}: probes on {port}, grace {grace}s > drain {drain} ms")


deployments = {}
for d in by_kind.get("Deployment", []):
        name = d["metadata"]["name"]
        deployments[name] = d
        spec = d["spec"]["template"]["spec"]
        check_pod(f"Deployment {name}", spec, True)
        labels = d["spec"]["template"]["metadata"].get("labels", {})
        if d["spec"]["selector"]["matchLabels"].items() - labels.items():
                fail(f"Deployment {name}: selector does not match the pod labels")
for j in by_kind.get("Job", []):
        check_pod(f"Job {j['metadata']['name']}", j["spec"]["template"]["spec"], False)
jobs = [c.get("command", []) + c.get("args", [])
        for j in by_kind.get("Job", []) for c in j["spec"]["template"]["spec"]["containers"]]
inits = [c.get("command", []) + c.get("args", [])
         for d in deployments.values() for c in d["spec"]["template"]["spec"].get("initContainers", [])]
if ["recall", "migrate"] not in jobs + inits:
        fail("kubernetes: no Job or initContainer runs `recall migrate`")

for b in sorted(CONSUMERS.keys() | {"recall-ingest", "recall-admin"}):
        if b in BINARIES and b not in deployments:
                fail(f"kubernetes: no Deployment for '{b}'")
pdbs = {p["metadata"]["name"]: p for p in by_kind.get("PodDisruptionBudget", [])}
scaled = {s["spec"]["scaleTargetRef"]["name"]: s for s in by_kind.get("ScaledObject", [])}
brokers = next((d.get("RECALL_KAFKA_BROKERS") for d in cm_data.values() if "RECALL_KAFKA_BROKERS" in d), None)
for b, (group, topics) in sorted(CONSUMERS.items()):
        dep = deployments.get(b)
        if not dep:
                continue
        pdb = pdbs.get(b)
        if not pdb or pdb["spec"]["selector"]["matchLabels"] != dep["spec"]["selector"]["matchLabels"]:
                fail(f"kubernetes: no PodDisruptionBudget selecting Deployment {b}")
        so = scaled.get(b)
        if not so:
                fail(f"kubernetes: no KEDA ScaledObject for Deployment {b}")
                continue
        seen = set()
        for t in so["spec"].get("triggers", []):
                md = t.get("metadata", {})
                if t.get("type") != "kafka":
                        fail(f"ScaledObject {b}: trigger type {t.get('type')}, expected kafka")
                for k in ("bootstrapServers", "consumerGroup", "topic", "lagThreshold"):
                        if k not in md:
                                fail(f"ScaledObject {b}: kafka trigger without {k}")
                if md.get("consumerGroup") != group:
                        fail(f"ScaledObject {b}: consumerGroup {md.get('consumerGroup')}, the worker's is {group}")
                if brokers and md.get("bootstrapServers") != brokers:
                        fail(f"ScaledObject {b}: bootstrapServers differ from RECALL_KAFKA_BROKERS")
                seen.add(md.get("topic"))
        if seen != topics:
                fail(f"ScaledObject {b}: triggers on {sorted(seen)}, the worker consumes {sorted(topics)}")
        checked.append(f"ScaledObject {b}: group {group} on {sorted(topics)}")

# ---- docker -----------------------------------------------------------------

deps_text = open(os.path.join(DEPLOY, "install-deps")).read()
m = re.search(r'packages=\((.*?)\)', deps_text, re.S)
DEPS = set(m.group(1).split()) if m else set()
# -dev packages only the tests need (cmocka: unit tests, clang-rt: sanitizers)
TEST_ONLY_DEV = {"libcmocka-dev", "libclang-rt-14-dev"}
DEV = {p for p in DEPS if p.endswith("-dev")}


def runtime_of(dev):
        """The shared-library packages a -dev package pins (its exact-version
        dependencies), from dpkg; a fixed table when dpkg knows nothing."""
        r = run(["dpkg-query", "-W", "-f=${Depends}", dev]) if shutil.which("dpkg-query") else None
        libs = set()
        if r and r.returncode == 0:
                for alt in r.stdout.split(","):
                        mm = re.match(r'\s*(\S+)\s*\(=', alt)
                        if mm and not mm.group(1).endswith("-dev"):
                                libs.add(mm.group(1))
        return libs


dockerfile = os.path.join(DEPLOY, "docker", "Dockerfile")
text = open(dockerfile).read()
args = dict(re.findall(r'^ARG (\w+)=(\S+)', text, re.M))
stages = re.split(r'^FROM ', text, flags=re.M)[1:]
if len(stages) < 2:
        fail("Dockerfile: not multi-stage")
else:
        def pkgs(stage):
                found = set()
                for cmd in re.findall(r'apt-get install ([^&]*)', stage.replace("\\\n", " ")):
                        found.update(w for w in cmd.split() if not w.startswith("-"))
                return found
        for s in stages:
                base = s.split()[0]
                base = re.sub(r'\$\{(\w+)\}', lambda mm: args.get(mm.group(1), ""), base)
                if base != "debian:12-slim":
                        fail(f"Dockerfile: stage FROM {base}, expected debian:12-slim")
        build, runtime = pkgs(stages[0]), pkgs(stages[-1])
        for p in sorted(build - DEPS):
                fail(f"Dockerfile build stage installs '{p}', which deploy/install-deps does not")
        for p in sorted(DEV - build - {"libclang-rt-14-dev"}):
                fail(f"Dockerfile build stage lacks '{p}' of deploy/install-deps")
        for p in sorted(DEV - TEST_ONLY_DEV):
                libs = runtime_of(p)
                if not libs:
                        fail(f"Dockerfile: cannot tell the runtime package of '{p}' (dpkg-query)")
                elif not libs & runtime:
                        fail(f"Dockerfile runtime stage lacks the library of '{p}' (one of {sorted(libs)})")
                else:
                        checked.append(f"Dockerfile runtime has {sorted(libs & runtime)} for {p}")
        for p in sorted(runtime):
                if p.endswith("-dev") or p in ("build-essential", "cmake", "pkg-config"):
                        fail(f"Dockerfile runtime stage installs build package '{p}'")
        user = re.findall(r'^USER (\S+)', stages[-1], re.M)
        if not user or user[-1].split(":")[0] in ("0", "root"):
                fail("Dockerfile: the runtime stage does not switch to a non-root USER")
        for b in sorted(PRODUCT):
                if not re.search(r'build/bin/' + re.escape(b) + r'(\s|\\|$)', stages[0]):
                        fail(f"Dockerfile: '{b}' is not installed into the image")
        for k in re.findall(r'\b(RECALL_[A-Z0-9_]+)=', stages[-1]):
                check_env_name(k, "Dockerfile ENV")
        if not re.search(r'cmake -S', stages[0]):
                fail("Dockerfile: the build stage does not build with CMake")
        checked.append(f"Dockerfile: build packages within install-deps, {len(runtime)} runtime packages")

# ---- compose ----------------------------------------------------------------

compose_path = os.path.join(DEPLOY, "compose", "compose.yaml")
compose = docs.get(compose_path, [{}])[0]
services = compose.get("services", {})
kafka = services.get("kafka", {})
if "controller" not in str(kafka.get("environment", {}).get("KAFKA_PROCESS_ROLES", "")):
        fail("compose: the kafka service is not a KRaft broker+controller")
for name in ("redis", "postgres"):
        if name not in services:
                fail(f"compose: no {name} service")
topics_cmd = " ".join(services.get("topics", {}).get("command", []) or [])
created = set(re.findall(r'[a-z]+\.[a-z]+(?:\.dlq)?', topics_cmd.split("do")[0]))
if created != set(ALL_TOPICS):
        fail(f"compose: the topics one-shot creates {sorted(created)}, recall has {sorted(ALL_TOPICS)}")
images = set()
for name, svc in services.items():
        if not str(svc.get("image", "")).startswith("recall"):
                continue
        images.add(name)
        cmd = svc.get("command")
        cmd = shlex.split(cmd) if isinstance(cmd, str) else list(cmd or [])
        check_command(cmd, f"compose service {name}")
        env = svc.get("environment", {})
        for k in env:
                check_env_name(k, f"compose service {name}")
        if os.path.basename(cmd[0]) in CONSUMERS or cmd[0] in ("recall-ingest", "recall-admin"):
                g = str(svc.get("stop_grace_period", "10s"))
                secs = int(g.rstrip("s")) if g.rstrip("s").isdigit() else 0
                drain = ms_setting(env, "RECALL_SHUTDOWN_DRAIN_MS", "shutdown.drain_ms")
                if secs * 1000 <= drain:
                        fail(f"compose service {name}: stop_grace_period {g} not above the drain")
for b in sorted(CONSUMERS.keys() | {"recall-ingest", "recall-admin"}):
        if not any(b == (services[s].get("command") or [""])[0] for s in images):
                fail(f"compose: no service runs '{b}'")
build = services.get("migrate", {}).get("build", {})
if build and os.path.normpath(os.path.join(os.path.dirname(compose_path), build.get("context", "."),
                                           build.get("dockerfile", ""))) != dockerfile:
        fail("compose: the image is not built from deploy/docker/Dockerfile")

# ---- systemd ----------------------------------------------------------------

SD = os.path.join(DEPLOY, "systemd")
units = sorted(glob.glob(os.path.join(SD, "*.service")) + glob.glob(os.path.join(SD, "*.target")))
envfile = {}
for line in open(os.path.join(SD, "recall.env")):
        line = line.strip()
        if line and not line.startswith("#"):
                k, v = line.split("=", 1)
                check_env_name(k, "systemd recall.env")
                envfile[k] = v
drain = ms_setting(envfile, "RECALL_SHUTDOWN_DRAIN_MS", "shutdown.drain_ms")
expected_units = {f"{b}@.service" for b in CONSUMERS} | {"recall-ingest.service", "recall-admin.service"}
for u in sorted(expected_units - {os.path.basename(u) for u in units}):
        fail(f"systemd: no unit {u}")
HARDENING = {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes",
             "ProtectHome": "yes", "Restart": "on-failure"}
for path in units:
        if not path.endswith(".service"):
                continue
        name = os.path.basename(path)
        kv = {}
        for line in open(path):
                mm = re.match(r'^(\w+)=(.*)$', line.strip())
                if mm:
                        kv.setdefault(mm.group(1), []).append(mm.group(2))
        for line in kv.get("ExecStart", []):
                argv = shlex.split(line.replace("%i", "1"))
                check_command(argv, f"systemd {name}")
        for line in kv.get("Environment", []):
                check_env_name(line.split("=", 1)[0], f"systemd {name}")
        if not kv.get("EnvironmentFile"):
                fail(f"systemd {name}: no EnvironmentFile")
        if name == "recall-migrate.service":
                continue
        for k, v in HARDENING.items():
                if kv.get(k, [None])[-1] != v:
                        fail(f"systemd {name}: {k}={v} missing")
        stop = kv.get("TimeoutStopSec", ["90s"])[-1]
        if int(stop.rstrip("s")) * 1000 <= drain:
                fail(f"systemd {name}: TimeoutStopSec {stop} not above the drain ({drain} ms)")
        checked.append(f"systemd {name}: hardening, restart, TimeoutStopSec {stop} > {drain} ms")

if shutil.which("systemd-analyze"):
        with tempfile.TemporaryDirectory() as tmp:
                targets = []
                for path in units:
                        text = open(path).read().replace("/usr/local/bin/", BIN.rstrip("/") + "/")
                        name = os.path.basename(path)
                        open(os.path.join(tmp, name), "w").write(text)
                        targets.append(os.path.join(tmp, name.replace("@.", "@1.")))
                r = run(["systemd-analyze", "verify", "--man=no"] + targets, cwd=tmp)
                # RestartSteps/RestartMaxDelaySec are systemd 254's; older ones say so and ignore them
                out = [ln for ln in (r.stdout + r.stderr).splitlines()
                       if not re.search(r"Unknown key '?(RestartSteps|RestartMaxDelaySec)'?", ln)]
                if r.returncode != 0 or out:
                        fail("systemd-analyze verify: " + " | ".join(out or [f"exit {r.returncode}"]))
                else:
                        checked.append(f"systemd-analyze verify: {len(targets)} units")
else:
        checked.append("systemd-analyze not available: units not verified")

# ---- Citus ------------------------------------------------------------------

tables = {}
for path in sorted(glob.glob(os.path.join(SRC, "schemas", "sql", "*.sql"))):
        for mm in re.finditer(r'CREATE TABLE (?:IF NOT EXISTS )?(\w+)\s*\((.*?)\n\);', open(path).read(), re.S):
                tables[mm.group(1)] = mm.group(2)
citus = open(os.path.join(SRC, "schemas", "citus", "distribute.sql")).read()
calls = re.findall(r"create_(distributed|reference)_table\('(\w+)'(?:,\s*'(\w+)')?", citus)
order = [t for _, t, _ in calls]
for t in sorted(set(tables) - set(order)):
        fail(f"schemas/citus/distribute.sql does not distribute table '{t}' (schemas/sql)")
for t in sorted(set(order) - set(tables)):
        fail(f"schemas/citus/distribute.sql names '{t}', which schemas/sql does not create")
for t in sorted({t for t in order if order.count(t) > 1}):
        fail(f"schemas/citus/distribute.sql names '{t}' more than once")
for kind, t, col in calls:
        body = tables.get(t, "")
        has_tenant = re.search(r'^\s*tenant_id\s', body, re.M)
        pk = re.search(r'PRIMARY KEY \((\w+)', body)
        if kind == "distributed":
                if col != "tenant_id" or not has_tenant:
                        fail(f"distribute.sql: '{t}' is not distributed by its tenant_id")
                elif not pk or pk.group(1) != "tenant_id":
                        fail(f"distribute.sql: '{t}' is distributed but its primary key does not start with tenant_id")
        elif not has_tenant or "tenant_id text PRIMARY KEY" not in body:
                # a reference table: no tenant key (or the tenants table itself)
                if has_tenant and pk and pk.group(1) == "tenant_id":
                        fail(f"distribute.sql: '{t}' has a tenant key but is a reference table")
        for ref in re.findall(r'REFERENCES (\w+)', body):
                if ref in order and order.index(ref) > order.index(t):
                        fail(f"distribute.sql: '{t}' references '{ref}', which comes later")
                if kind == "reference" and dict((b, a) for a, b, _ in calls).get(ref) == "distributed":
                        fail(f"distribute.sql: reference table '{t}' references distributed '{ref}'")
checked.append(f"Citus: {len(tables)} tables of schemas/sql, all named")

for c in checked:
        print("ok:", c)
for f in failures:
        print("FAIL:", f)
sys.exit(1 if failures else 0)
