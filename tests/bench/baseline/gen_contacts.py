#!/usr/bin/env python3
"""gen_contacts.py: the synthetic contacts both sides of store_compare.sh store.

One JSON line per contact, generated deterministically from a seed, so the
Python baseline and recall's store_bench read exactly the same conversations:

  {"tenant_id", "contact_id", "name", "lead_type",
   "qualification": {"qualification": {...}, "facts": [...]},
   "messages": [{"id", "direction", "body", "at_ms"}, ...]}

Ids look like the CRM's (20 alphanumerics); a conversation alternates lead
and agent turns about one buyer's search (budget, beds, areas, financing,
showings, offers), with the qualification state those messages would give
in recall's qualify JSON form (recall_qualify_to_json).

usage: gen_contacts.py [--contacts N] [--messages M] [--tenants T] [--seed S]
"""
import argparse
import json
import random
import string
import sys
from datetime import datetime, timezone

CITIES = ["Fontana", "Rancho Cucamonga", "Etiwanda", "Ontario", "Upland",
          "Riverside", "Corona", "Chino Hills", "Austin", "Round Rock",
          "Cedar Park", "Georgetown", "Pflugerville", "Leander"]
FIRST = ["Maria", "James", "Priya", "Daniel", "Aisha", "Kevin", "Sofia",
         "Marcus", "Emily", "Luis", "Hannah", "Omar", "Grace", "Tyler"]
LAST = ["Garcia", "Nguyen", "Patel", "Johnson", "Kim", "Martinez", "Brown",
        "Okafor", "Lopez", "Chen", "Wilson", "Rivera", "Singh", "Davis"]
MUST = ["pool", "garage", "big backyard", "home office", "single story",
        "good schools", "RV parking", "updated kitchen", "no HOA", "solar"]
STREETS = ["Oak", "Sierra", "Baseline", "Cherry", "Victoria", "Haven",
           "Mulberry", "Foothill", "Summit", "Citrus"]
FINANCING = [("pre_approved", "we're pre-approved with {bank}"),
             ("cash", "we'd be paying cash"),
             ("needs_approval", "we still need to talk to a lender")]
TIMELINES = [("within_3_months", "in the next 3 months"),
             ("within_6_months", "within 6 months or so"),
             ("immediate", "asap, our lease ends soon"),
             ("within_12_months", "sometime this year")]
BANKS = ["Chase", "Wells Fargo", "Rocket", "Navy Federal", "a local credit union"]

LEAD = [
    "Hi! We're looking for a {beds} bed {ptype} in {city}, budget around {budget}k",
    "{fin}. Hoping to move {tl}",
    "Must haves are a {m1} and a {m2}. {baths} baths minimum please",
    "Is the one on {street} Ave still available? The photos look great",
    "Can we see it Saturday morning? Anytime after 10 works",
    "What are the HOA fees on that one? And is it close to the elementary school?",
    "We liked it but the backyard was smaller than we thought",
    "Could you send me a few more in {city2} too? Prices there seem a bit better",
    "How long has the {street} house been on the market?",
    "Ok thanks, my husband wants to see the second one again before we decide",
    "Would they take {offer}k? We don't want to go over {budget}k",
    "Sorry for the late reply, work has been crazy this week",
    "Yes that time works. Should we bring anything?",
    "The inspection report mentioned the roof, how worried should we be?",
    "We're not in a rush but don't want to miss a good one",
]
AGENT = [
    "Great to hear from you {first}! I'll pull some {beds} bedroom options in {city} under {budget}k",
    "Perfect. I've set up a search and will send new listings as they hit the market",
    "The {street} Ave home is still active. It has {beds} beds, {baths} baths and a {m1}. Want to tour it?",
    "Saturday at 10:30 works, I'll confirm with the listing agent and text you the details",
    "HOA is $145/month and the elementary school is about half a mile away",
    "Totally understand. Here are three more in {city2} with larger lots: {l1}, {l2}, {l3}",
    "It's been listed 12 days, there was a price drop last week so the sellers may be flexible",
    "I'd suggest offering {offer}k with a 21 day close, let me run comps first",
    "No problem at all! Just bring your pre-approval letter and ID",
    "The roof is 18 years old. I'd get a roofer's estimate and we can ask for a credit",
    "Sounds good, no pressure. I'll keep an eye out and let you know about anything new",
    "Quick update: the sellers countered at {counter}k, how would you like to respond?",
]


def crm_id(rng, n=20):
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))


def iso(ms):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def contact(rng, tenant_id, n_messages, t0_ms):
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, city2 = rng.sample(CITIES, 2)
    m1, m2 = rng.sample(MUST, 2)
    fin_key, fin_text = rng.choice(FINANCING)
    tl_key, tl_text = rng.choice(TIMELINES)
    budget = rng.randrange(350, 1200, 25)
    slots = {
        "first": first, "city": city, "city2": city2, "m1": m1, "m2": m2,
        "beds": rng.randint(2, 5), "baths": rng.choice([1, 2, 2, 3]),
        "ptype": rng.choice(["house", "condo", "townhome", "single family home"]),
        "budget": budget, "offer": budget - rng.randrange(10, 60, 5),
        "counter": budget - 5, "street": rng.choice(STREETS),
        "fin": fin_text.format(bank=rng.choice(BANKS)).capitalize(), "tl": tl_text,
        "l1": "%d %s St" % (rng.randint(100, 9999), rng.choice(STREETS)),
        "l2": "%d %s Dr" % (rng.randint(100, 9999), rng.choice(STREETS)),
        "l3": "%d %s Ct" % (rng.randint(100, 9999), rng.choice(STREETS)),
    }
    at = t0_ms
    messages = []
    for i in range(n_messages):
        inbound = i % 2 == 0
        pool = LEAD if inbound else AGENT
        # the opening messages state the search; later turns vary
        tpl = pool[i // 2] if i // 2 < 3 else rng.choice(pool[3:])
        at += rng.choice([40_000, 180_000, 900_000, 3_600_000, 86_400_000])
        messages.append({"id": crm_id(rng), "direction": "inbound" if inbound else "outbound",
                         "body": tpl.format(**slots), "at_ms": at})
    ids = [m["id"] for m in messages]
    current = {
        "intent": "buy", "budget_min": None, "budget_max": budget * 1000,
        "price_expectation": None, "bedrooms_min": slots["beds"],
        "bathrooms_min": slots["baths"], "property_type": "single_family",
        "locations": [city, city2], "timeline": tl_key, "financing": fin_key,
        "must_haves": [m1, m2], "home_to_sell": None,
    }
    facts = []
    for field, value, mi in [("intent", "buy", 0), ("budget_max", budget * 1000, 0),
                             ("bedrooms_min", slots["beds"], 0), ("locations", city, 0),
                             ("property_type", "single_family", 0), ("financing", fin_key, 2),
                             ("timeline", tl_key, 2), ("must_haves", m1, 4),
                             ("must_haves", m2, 4), ("bathrooms_min", slots["baths"], 4),
                             ("locations", city2, 14)]:
        mi = min(mi, n_messages - 1)
        facts.append({"field": field, "value": value, "message_id": ids[mi],
                      "valid_from": iso(messages[mi]["at_ms"]), "valid_until": None})
    return {"tenant_id": tenant_id, "contact_id": crm_id(rng), "name": "%s %s" % (first, last),
            "lead_type": "buyer", "qualification": {"qualification": current, "facts": facts},
            "messages": messages}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--contacts", type=int, default=10000)
    ap.add_argument("--messages", type=int, default=50)
    ap.add_argument("--tenants", type=int, default=20)
    ap.add_argument("--seed", type=int, default=20261121)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    tenants = [crm_id(rng) for _ in range(a.tenants)]
    t0 = 1793000000000  # 2026-10-25, fixed: output depends on the seed alone
    out = sys.stdout
    for i in range(a.contacts):
        c = contact(rng, tenants[i % a.tenants], a.messages, t0 + i * 60_000)
        out.write(json.dumps(c, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
