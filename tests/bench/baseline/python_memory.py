#!/usr/bin/python3
"""python_memory.py: the approach recall replaces, as a small Python service.

Each buyer's conversation memory is one Redis string under
buyer_conversation_memory:<contact_id>: a JSON wrapper
{"compressed": bool, "data": ...} where data is the state itself, or, when
the state's JSON is above 5 KB, that JSON gzip-compressed and hex-encoded.
The history is trimmed to the last 50 messages before each save. Debian's
python3-redis (redis-py 4), one connection, the way such a service is
written: save/load one buyer per call, and save_many/load_many for a batch
(a non-transactional pipeline of SETs, one MGET).

As a benchmark (store_compare.sh runs it against a Redis it started):

  python_memory.py --port P --contacts contacts.jsonl [--batch 500]

reads the contacts (the same lines recall's store_bench reads), turns each
into the state the service would hold, then times: every save one at a time,
every load one at a time, the same in batches, then the codec alone with no
Redis (encode_state, decode_state), and prints one JSON line of results
(ops/s, p50/p99 per single operation in microseconds).
"""
import argparse
import gzip
import json
import sys
import time
from datetime import datetime, timezone

import redis

KEY_PREFIX = "buyer_conversation_memory:"
COMPRESS_ABOVE = 5 * 1024
MAX_HISTORY = 50
TTL_S = 30 * 86400


def _iso(ms):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat()


def encode_state(state):
    """The stored value of one state (str): the JSON wrapper."""
    state["conversation_history"] = state["conversation_history"][-MAX_HISTORY:]
    raw = json.dumps(state)
    if len(raw) > COMPRESS_ABOVE:
        return json.dumps({"compressed": True,
                           "data": gzip.compress(raw.encode("utf-8")).hex()})
    return json.dumps({"compressed": False, "data": state})


def decode_state(value):
    """The state of one stored value, or None for a missing key."""
    if value is None:
        return None
    wrapper = json.loads(value)
    if wrapper["compressed"]:
        return json.loads(gzip.decompress(bytes.fromhex(wrapper["data"])))
    return wrapper["data"]


class BuyerMemoryStore:
    def __init__(self, client):
        self.r = client

    def save(self, state):
        self.r.set(KEY_PREFIX + state["contact_id"], encode_state(state), ex=TTL_S)

    def load(self, contact_id):
        return decode_state(self.r.get(KEY_PREFIX + contact_id))

    def save_many(self, states):
        pipe = self.r.pipeline(transaction=False)
        for state in states:
            pipe.set(KEY_PREFIX + state["contact_id"], encode_state(state), ex=TTL_S)
        pipe.execute()

    def load_many(self, contact_ids):
        values = self.r.mget([KEY_PREFIX + c for c in contact_ids])
        return [decode_state(v) for v in values]


def state_of(contact):
    """The state such a service keeps for one buyer, from a contact line."""
    msgs = contact["messages"]
    return {
        "contact_id": contact["contact_id"],
        "location_id": contact["tenant_id"],
        "name": contact["name"],
        "lead_type": contact["lead_type"],
        "message_count": len(msgs),
        "last_message_at": _iso(msgs[-1]["at_ms"]) if msgs else None,
        "qualification": contact["qualification"],
        "conversation_history": [
            {"role": "user" if m["direction"] == "inbound" else "assistant",
             "content": m["body"], "message_id": m["id"], "timestamp": _iso(m["at_ms"])}
            for m in msgs],
    }


def pct(sorted_us, p):
    return sorted_us[min(len(sorted_us) - 1, int(len(sorted_us) * p))]


def timed_each(fn, items):
    """Per-call times (µs) of fn over items, and the total seconds."""
    lat = []
    start = time.perf_counter()
    for it in items:
        t0 = time.perf_counter_ns()
        fn(it)
        lat.append((time.perf_counter_ns() - t0) / 1000.0)
    total = time.perf_counter() - start
    lat.sort()
    return lat, total


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--contacts", required=True)
    ap.add_argument("--batch", type=int, default=500)
    a = ap.parse_args()

    with open(a.contacts) as f:
        states = [state_of(json.loads(line)) for line in f]
    ids = [s["contact_id"] for s in states]
    store = BuyerMemoryStore(redis.Redis(host=a.host, port=a.port))
    store.r.ping()
    out = {"side": "baseline", "contacts": len(states), "batch": a.batch}

    lat, total = timed_each(store.save, states)
    out.update(save_single_ops=len(states) / total, save_p50_us=pct(lat, 0.50),
               save_p99_us=pct(lat, 0.99))
    loaded = []
    lat, total = timed_each(lambda c: loaded.append(store.load(c)), ids)
    out.update(load_single_ops=len(ids) / total, load_p50_us=pct(lat, 0.50),
               load_p99_us=pct(lat, 0.99))
    if any(s is None for s in loaded) or loaded[-1]["contact_id"] != ids[-1]:
        sys.exit("python_memory: a load missed")

    batches = [states[i:i + a.batch] for i in range(0, len(states), a.batch)]
    start = time.perf_counter()
    for b in batches:
        store.save_many(b)
    out["save_batch_ops"] = len(states) / (time.perf_counter() - start)
    misses = 0
    start = time.perf_counter()
    for b in batches:
        misses += sum(s is None for s in store.load_many([s["contact_id"] for s in b]))
    out["load_batch_ops"] = len(states) / (time.perf_counter() - start)
    if misses:
        sys.exit("python_memory: %d batched loads missed" % misses)

    blobs = []
    lat, _ = timed_each(lambda s: blobs.append(encode_state(s)), states)
    out["encode_p50_us"] = pct(lat, 0.50)
    lat, _ = timed_each(decode_state, blobs)
    out["decode_p50_us"] = pct(lat, 0.50)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
