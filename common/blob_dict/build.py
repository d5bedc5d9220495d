#!/usr/bin/env python3
"""build.py: builds the LZ4 dictionary of the memory blob (format 4).

Writes blob_dict.inc, the C initializer of the dictionary's bytes that
common/memory.c compiles in. The dictionary is what LZ4 may copy from
before the first byte of every blob, so it holds what every blob repeats:

  1. lead language: the texts of the extraction eval set (EVAL/dev.jsonl)
     and the eval conversations' messages (EVAL/conversations.jsonl);
  2. place names of the served area (EVAL/gazetteer.txt);
  3. phrases.txt: hand-written phrases of agents and leads texting about
     US real estate;
  4. the qualification state's JSON skeleton (recall_qualify_to_json: field
     names, enum values, the facts' keys) and the msgpack skeleton of a blob
     (common/memory.c's keys with their msgpack headers).

Later bytes are nearer to the blob (LZ4 matches reach back 64 KB, and
LZ4_loadDict's hash table keeps the later of two colliding positions), so
the most repeated parts come last. Nothing comes from the benchmark's
generator (tests/bench/baseline/gen_contacts.py): a dictionary built from
the messages a benchmark measures would measure the generator.

The output depends only on the inputs (no randomness, no dates). A change
to the output is a new dictionary: bump BLOB_DICT_ID in common/memory.c in
the same change (test_memory's golden blob fails until you do), and keep the
old dictionary readable for as long as blobs written with it can live in
Redis (the cache TTL) if misses during the switch are not acceptable.

usage: common/blob_dict/build.py [--eval DIR] [--out FILE]
       (defaults: /work/shared/eval, common/blob_dict/blob_dict.inc)
"""
import argparse
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LIMIT = 65536  # LZ4 offsets are 16-bit: older bytes are out of reach

FIELDS = ["intent", "budget_min", "budget_max", "price_expectation", "bedrooms_min",
          "bathrooms_min", "property_type", "locations", "timeline", "financing",
          "must_haves", "home_to_sell"]
ENUMS = ["buy", "sell", "buy_and_sell", "rent", "single_family", "condo", "townhouse",
         "immediate", "within_3_months", "within_6_months", "within_12_months",
         "cash", "pre_approved", "needs_approval"]


def mp_str(s):
    """msgpack str header and bytes, the smallest width (as msgpack-c packs)."""
    b = s.encode()
    n = len(b)
    if n < 32:
        return bytes([0xa0 | n]) + b
    if n < 256:
        return bytes([0xd9, n]) + b
    return bytes([0xda, n >> 8, n & 0xff]) + b


def lines(path):
    with open(path, encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f]


def lead_language(eval_dir):
    out = []
    for l in lines(os.path.join(eval_dir, "dev.jsonl")):
        if l.strip():
            out.append(json.loads(l)["text"])
    for l in lines(os.path.join(eval_dir, "conversations.jsonl")):
        if l.strip():
            out.extend(json.loads(l)["messages"])
    return out


def qualification_skeleton():
    """The JSON text recall stores as the qualification state, emptied."""
    cur = ",".join('"%s":%s' % (f, "[]" if f in ("locations", "must_haves") else "null")
                   for f in FIELDS)
    parts = ['{"qualification":{' + cur + '},"facts":[']
    for f in FIELDS:
        parts.append('{"field":"%s","value":' % f)
    for e in ENUMS:
        parts.append('"%s"' % e)
    parts.append('","valid_from":"2026-01-01T00:00:00.000Z","valid_until":null},')
    parts.append('"valid_until":null}]}')
    return "".join(parts)


def msgpack_skeleton():
    """common/memory.c's keys in its order, with the headers they come with."""
    out = bytes([0x8c]) + mp_str("v") + bytes([4]) + mp_str("tenant_id")
    out += mp_str("contact_id") + mp_str("message_count") + mp_str("last_at_ms")
    out += bytes([0xcf, 0, 0, 1]) + mp_str("messages") + bytes([0xdc, 0])
    for direction in ("outbound", "inbound"):
        out += bytes([0x84]) + mp_str("id") + mp_str("direction") + mp_str(direction)
        out += mp_str("body") + bytes([0xd9])
        out += mp_str("at_ms") + bytes([0xcf, 0, 0, 1])
    out += mp_str("qualification") + bytes([0xda])
    out += mp_str("lead_type") + mp_str("buyer") + mp_str("seller")
    out += mp_str("returning_gap_s") + bytes([0xff]) + mp_str("name")
    out += mp_str("opted_out") + bytes([0]) + mp_str("summary") + bytes([0xc0])
    return out


def build(eval_dir):
    text = "\n".join(lead_language(eval_dir)) + "\n"
    text += "\n".join(l for l in lines(os.path.join(eval_dir, "gazetteer.txt")) if l) + "\n"
    text += "\n".join(l for l in lines(os.path.join(HERE, "phrases.txt"))
                      if l and not l.startswith("#")) + "\n"
    text += " lead: \n agent: \n" + qualification_skeleton()
    data = text.encode() + msgpack_skeleton()
    return data[-LIMIT:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval", default="/work/shared/eval")
    ap.add_argument("--out", default=os.path.join(HERE, "blob_dict.inc"))
    a = ap.parse_args()
    data = build(a.eval)
    with open(a.out, "w") as f:
        f.write("/* blob_dict.inc: the memory blob's LZ4 dictionary, %d bytes, sha256 %s.\n"
                " * Generated by common/blob_dict/build.py (see there); do not edit. */\n"
                % (len(data), hashlib.sha256(data).hexdigest()))
        for i in range(0, len(data), 16):
            f.write(" ".join("0x%02x," % b for b in data[i:i + 16]) + "\n")
    print("%s: %d bytes" % (a.out, len(data)), file=sys.stderr)


if __name__ == "__main__":
    main()
