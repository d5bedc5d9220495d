# deploy/ checked without a container engine or a cluster: every YAML file
# parses; manifests, units and the compose file run only binaries the build
# produces, with flags their --help lists and RECALL_* settings recall knows;
# probes are on the ports the listen settings give; grace periods exceed the
# drain; KEDA triggers name each worker's group and topics; the Dockerfile's
# packages match deploy/install-deps; systemd-analyze verify accepts the
# units (when available); the Citus file distributes every table of
# schemas/sql. The checks are in deploy_check.py.
. "$(dirname "$0")/lib.sh"
: "${RECALL_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"

python3 -c 'import yaml' 2>/dev/null || fail "python3-yaml is missing (deploy/install-deps installs it)"
out=$(python3 "$(dirname "$0")/deploy_check.py" "$RECALL_SOURCE_DIR" "$RECALL_BIN") || {
        printf '%s\n' "$out" | grep -v '^ok:' >&2
        fail "deploy/ does not match the build"
}
log "$(grep -c '^ok:' <<<"$out") checks passed"
grep -q '^ok: systemd-analyze verify' <<<"$out" || log "note: systemd-analyze not available, units not verified"
log "passed"
