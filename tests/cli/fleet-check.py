#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks for tests/cli/fleet.bats, over real `hvoplan` runs.

fleet-check.py rows HV FLEET.json     every host's row equals its own
                                      `hvoplan report --root PATH --format json`
fleet-check.py totals FLEET.json      the totals are the sums of the rows
fleet-check.py keys FLEET.json MAN    the documented keys, no more, no fewer,
                                      each named in the man page
fleet-check.py sorted FLEET.json COL [reverse]   the hosts are in COL's order
fleet-check.py csv FLEET.csv FLEET.json          CSV parses (csv module) and
                                                 equals the JSON
"""
import csv
import json
import subprocess
import sys

SEV = {"info": 0, "warning": 1, "error": 2}


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def expected_row(report):
    """The row as hvoplan-fleet(8) defines it from the report's JSON."""
    t = report["totals"]
    saved, possible = t["savings_current_bytes"], t["savings_possible_bytes"]
    stale = [h["unoptimized_pages"] for h in report["hstates"]]
    worst = None
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in report["findings"]:
        counts[f["severity"]] += 1
        if worst is None or SEV[f["severity"]] > SEV[worst["severity"]]:
            worst = {"id": f["id"], "severity": f["severity"]}
    return {
        "release": report["kernel"]["release"],
        "arch": report["kernel"]["arch"],
        "generation": report["kernel"]["generation"],
        "hvo_active": report["hvo"]["active"],
        "hvo_at_boot": report["hvo"]["at_boot"],
        "pools": [{"size": h["size"], "name": h["name"], "nr": h["nr"]} for h in report["hstates"]],
        "hugetlb_bytes": t["hugetlb_bytes"],
        "vmemmap_bytes": t["vmemmap_bytes"],
        "savings_current_bytes": saved,
        "savings_current_basis": t["savings_current_basis"],
        "savings_possible_bytes": possible,
        "freeable_bytes": possible - saved
        if saved is not None and possible is not None and possible >= saved
        else None,
        "stale_bytes": t["unoptimized_bytes"],
        "stale_pages": None if None in stale else sum(stale),
        "findings": counts,
        "worst_finding": worst,
    }


def rows(hv, fleet):
    doc = load(fleet)
    assert doc["hosts"], "no hosts"
    for host in doc["hosts"]:
        out = subprocess.run([hv, "report", "--root", host["path"], "--format", "json"],
                             capture_output=True, text=True, check=False)
        assert out.returncode == 0, f"{host['path']}: report exit {out.returncode}: {out.stderr}"
        want = expected_row(json.loads(out.stdout))
        for key, value in want.items():
            assert host[key] == value, f"{host['path']}: {key} is {host[key]!r}, report says {value!r}"
    print(f"{len(doc['hosts'])} rows equal their reports")


def totals(fleet):
    doc = load(fleet)
    hosts, t = doc["hosts"], doc["totals"]

    def total(key):
        vals = [h[key] for h in hosts if h[key] is not None]
        return sum(vals), len(hosts) - len(vals)

    assert t["hosts"] == len(hosts)
    assert t["unreadable"] == len(doc["errors"])
    for key in ("hugetlb_bytes", "vmemmap_bytes", "savings_possible_bytes", "freeable_bytes"):
        assert t[key] == total(key)[0], f"totals.{key} {t[key]} != {total(key)[0]}"
    assert (t["savings_current_bytes"], t["savings_current_unknown_hosts"]) == total("savings_current_bytes")
    assert (t["stale_bytes"], t["stale_unknown_hosts"]) == total("stale_bytes")
    assert t["hvo_off_hosts"] == sum(1 for h in hosts if not h["hvo_active"])
    for sev in SEV:
        n = sum(1 for h in hosts if h["worst_finding"] and h["worst_finding"]["severity"] == sev)
        assert t["worst_finding_hosts"][sev] == n, f"worst_finding_hosts.{sev}"
    print("totals are the sums", t)


HOST_KEYS = {"path", "kind", "hostname", "release", "arch", "generation", "hvo_active", "hvo_at_boot",
             "pools", "hugetlb_bytes", "vmemmap_bytes", "savings_current_bytes", "savings_current_basis",
             "savings_possible_bytes", "freeable_bytes", "stale_bytes", "stale_pages", "findings",
             "worst_finding"}
TOTAL_KEYS = {"hosts", "unreadable", "hugetlb_bytes", "vmemmap_bytes", "savings_current_bytes",
              "savings_current_unknown_hosts", "savings_possible_bytes", "freeable_bytes", "stale_bytes",
              "stale_unknown_hosts", "hvo_off_hosts", "worst_finding_hosts"}


def keys(fleet, man):
    doc = load(fleet)
    with open(man, encoding="utf-8") as f:
        page = f.read().replace("\\", "")
    assert set(doc) == {"schema", "hosts", "totals", "errors"}, set(doc)
    assert doc["schema"] == "hvoplan.fleet/1"
    assert set(doc["totals"]) == TOTAL_KEYS, set(doc["totals"]) ^ TOTAL_KEYS
    assert set(doc["totals"]["worst_finding_hosts"]) == set(SEV)
    for h in doc["hosts"]:
        assert set(h) == HOST_KEYS, set(h) ^ HOST_KEYS
        assert set(h["findings"]) == set(SEV)
        assert h["kind"] in ("snapshot", "archive", "sosreport", "tree")
        for p in h["pools"]:
            assert set(p) == {"size", "name", "nr"}
        assert h["worst_finding"] is None or set(h["worst_finding"]) == {"id", "severity"}
    for e in doc["errors"]:
        assert set(e) == {"path", "reason"} and e["reason"], e
    for k in HOST_KEYS | TOTAL_KEYS | {"schema", "hosts", "totals", "errors", "reason"}:
        assert k in page, f"{k} is not in {man}"
    print("keys as documented")


NUMERIC = {"HUGETLB": "hugetlb_bytes", "VMEMMAP": "vmemmap_bytes", "SAVED": "savings_current_bytes",
           "POSSIBLE": "savings_possible_bytes", "FREEABLE": "freeable_bytes", "STALE": "stale_pages",
           "STALEMEM": "stale_bytes", "POOLS": "hugetlb_bytes"}


def sort_value(h, col):
    if col in NUMERIC:
        return h[NUMERIC[col]]
    if col == "FINDINGS":
        return sum(h["findings"].values())
    return {"HOST": h["hostname"], "PATH": h["path"], "KERNEL": h["release"], "ARCH": h["arch"],
            "KIND": h["kind"], "BASIS": h["savings_current_basis"]}[col]


def is_sorted(fleet, col, reverse=False):
    hosts = load(fleet)["hosts"]
    vals = [sort_value(h, col) for h in hosts]
    known = [v for v in vals if v is not None]
    # unknown last, whichever the direction
    assert vals == known + [None] * (len(vals) - len(known)), f"{col}: unknown not last: {vals}"
    larger_first = col in NUMERIC or col == "FINDINGS"
    want = sorted(known, reverse=larger_first != reverse)
    assert known == want, f"{col}: {known} != {want}"
    assert len(set(known)) > 1, f"{col}: nothing to sort ({known})"
    print(f"sorted by {col}{' reversed' if reverse else ''}: {known}")


def csv_check(path, fleet):
    hosts = load(fleet)["hosts"]
    with open(path, newline="", encoding="utf-8") as f:
        raw = f.read()
    assert raw.endswith("\r\n") and "\n" not in raw.replace("\r\n", ""), "lines end in CR LF"
    table = list(csv.DictReader(raw.splitlines(keepends=True), strict=True))
    assert len(table) == len(hosts)
    for row, h in zip(table, hosts):
        assert row["PATH"] == h["path"]
        assert row["HOST"] == (h["hostname"] or "")
        for col, key in NUMERIC.items():
            if col == "POOLS":
                continue
            want = "" if h[key] is None else str(h[key])
            assert row[col] == want, f"{h['path']}: CSV {col} {row[col]!r} != JSON {want!r}"
        pools = ",".join(f"{p['size']}:{p['nr']}" for p in h["pools"] if p["nr"] > 0) or "-"
        assert row["POOLS"] == pools, (row["POOLS"], pools)
        w = h["worst_finding"]
        assert row["WORST"] == (f"{w['severity']}:{w['id']}" if w else "")
    print(f"{len(table)} CSV rows equal the JSON")


def main():
    cmd = sys.argv[1]
    if cmd == "rows":
        rows(sys.argv[2], sys.argv[3])
    elif cmd == "totals":
        totals(sys.argv[2])
    elif cmd == "keys":
        keys(sys.argv[2], sys.argv[3])
    elif cmd == "sorted":
        is_sorted(sys.argv[2], sys.argv[3], len(sys.argv) > 4)
    elif cmd == "csv":
        csv_check(sys.argv[2], sys.argv[3])
    else:
        sys.exit(f"unknown check {cmd}")


if __name__ == "__main__":
    main()
