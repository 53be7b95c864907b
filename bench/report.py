#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""bench/report.py: turn one bench run's raw output into results/latest.json
and results/latest.md (called by bench/run.sh).

Every round's raw number goes into the JSON; the Markdown shows medians, the
xnet/baseline ratio of the medians, the target and whether it is met."""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess

# figure -> (label, unit, higher is better, target on xnet/baseline or None)
FIGURES = {
    "tcp_gbps": ("Sandbox to sandbox TCP throughput", "Gbit/s", True, 1.25),
    "udp64_pps": ("Sandbox to sandbox UDP, 64-byte packets received", "packets/s", True, 1.25),
    "rr_tps": ("Sandbox to sandbox TCP request/response (64 B)", "transactions/s", True, 1.25),
    "rr_p99_us": ("Sandbox to sandbox TCP request/response, p99 round trip", "µs", False, 1.25),
    "host_tcp_gbps": ("Host to sandbox TCP throughput (reference)", "Gbit/s", True, None),
}
PROGRUN_TARGET = 1.5


def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return ""


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except Exception:
        return None


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def fmt(v, unit):
    if v is None:
        return "n/a"
    if unit == "packets/s" or unit == "transactions/s":
        return f"{v:,.0f}"
    if unit == "µs":
        return f"{v:.1f}"
    return f"{v:.2f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--sides", default="")
    ap.add_argument("--elapsed", type=int, default=0)
    ap.add_argument("--repo", default=".")
    ap.add_argument("--quick", default="0")
    a = ap.parse_args()

    raw = {}  # figure -> side -> [(round, value)]
    raw_path = os.path.join(a.work, "raw.tsv")
    if os.path.exists(raw_path):
        for line in open(raw_path):
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 4:
                continue
            r, side, fig, val = parts
            try:
                raw.setdefault(fig, {}).setdefault(side, []).append((int(r), float(val)))
            except ValueError:
                pass

    figures = {}
    for fig, (label, unit, higher, target) in FIGURES.items():
        entry = {"label": label, "unit": unit, "higher_is_better": higher}
        for side in ("xnet", "docker", "bridge", "direct"):
            vals = raw.get(fig, {}).get(side, [])
            entry[side] = {
                "rounds": [{"round": r, "value": v} for r, v in vals],
                "median": statistics.median([v for _, v in vals]) if vals else None,
                "min": min(v for _, v in vals) if vals else None,
                "max": max(v for _, v in vals) if vals else None,
            }
        x, d = entry["xnet"]["median"], entry["docker"]["median"]
        entry["ratio_xnet_over_baseline"] = (x / d) if x is not None and d else None
        # The advantage, whichever way is better: >1 means xnet is better.
        if x is not None and d:
            entry["advantage"] = (x / d) if higher else (d / x if x else None)
        else:
            entry["advantage"] = None
        b = entry["bridge"]["median"]
        entry["ratio_xnet_over_plain_bridge"] = (x / b) if x is not None and b else None
        dv = entry["direct"]["median"]
        entry["ratio_xnet_over_direct_veth"] = (x / dv) if x is not None and dv else None
        entry["target_advantage"] = target
        entry["met"] = (entry["advantage"] >= target) if (target and entry["advantage"] is not None) else None
        figures[fig] = entry

    prog = load_json(os.path.join(a.work, "progrun.json"))
    progrun = None
    if isinstance(prog, dict):
        ratio = prog.get("ratio_forward_floor")
        if ratio is None and prog.get("forward_ns") and prog.get("floor_ns"):
            ratio = prog["forward_ns"] / prog["floor_ns"]
        progrun = {"raw": prog, "forward_ns": prog.get("forward_ns"), "floor_ns": prog.get("floor_ns"),
                   "ratio": ratio, "target_ratio_max": PROGRUN_TARGET,
                   "met": (ratio <= PROGRUN_TARGET) if ratio is not None else None}

    facts = {}
    fp = os.path.join(a.work, "docker.facts")
    if os.path.exists(fp):
        for line in open(fp):
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                facts[k] = v

    scale = {"xnet": load_json(os.path.join(a.work, "scale_xnet.json")),
             "bridge": load_json(os.path.join(a.work, "scale_bridge.json"))}

    commit = sh("git", "-C", a.repo, "rev-parse", "--short", "HEAD")
    dirty = sh("git", "-C", a.repo, "status", "--porcelain", "--untracked-files=no")
    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "kernel": platform.release(),
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "xnet_commit": commit + ("-dirty" if dirty else ""),
        "quick": a.quick == "1",
        "rounds": a.rounds,
        "seconds_per_run": a.seconds,
        "elapsed_s": a.elapsed,
        "sides": a.sides.split(),
        "pinned": (f"client on CPU {os.environ.get('BENCH_CLIENT_CPU', '0')}, "
                   f"server on CPU {os.environ.get('BENCH_SERVER_CPU', '1')}")
                  if os.environ.get("BENCH_PIN", "0") == "1" else None,
        "rr_placement": {"same": f"client and server on CPU {os.environ.get('BENCH_RR_CPU', '1')}",
                         "split": "client and server on different CPUs"}.get(
                             os.environ.get("BENCH_RR_PIN", "same"), "unpinned"),
        "tools": {"iperf3": sh("iperf3", "--version").splitlines()[0] if sh("iperf3", "--version") else "",
                  "sockperf": (sh("sockperf", "--version").splitlines() or [""])[0],
                  "fping": sh("fping", "--version")},
        "baseline": {
            "description": "Linux bridge holding the gateway, one veth per sandbox, br_netfilter "
                           "(bridge-nf-call-iptables=1, per netns), Docker's iptables rules for docker0 "
                           "and one user-defined bridge network (filter FORWARD -> DOCKER-USER, "
                           "DOCKER-ISOLATION-STAGE-1/2, conntrack RELATED,ESTABLISHED, DOCKER; "
                           "nat MASQUERADE, DOCKER) via iptables-nft, plus Docker's embedded-DNS "
                           "nat rules inside each sandbox",
            "facts": facts,
            "dns_rules_in_sandboxes": os.environ.get("BENCH_DOCKER_DNS_RULES", "1") == "1",
        },
        "figures": figures,
        "progrun": progrun,
        "scale": scale,
    }
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "latest.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")

    md = []
    md.append(f"# xnet benchmark, {result['date']}")
    md.append("")
    md.append(f"Kernel {result['kernel']}, {result['cpu_model']}, {result['cores']} cores; "
              f"{a.rounds} rounds of {a.seconds:g} s per figure, the sides taking turns (order rotated every round); "
              f"medians (min-max); xnet {result['xnet_commit']}"
              + ("; QUICK run" if result["quick"] else "") + ".")
    md.append("Baseline: Linux bridge + br_netfilter + Docker's iptables rules (iptables-nft).")
    md.append("")
    refs = [(k, lbl) for k, lbl in (("bridge", "plain bridge"), ("direct", "direct veth"))
            if any(e[k]["median"] is not None for e in figures.values())]
    has_bridge = bool(refs)
    if refs:
        md.append("Extra reference columns (no targets): " + "; ".join(
            {"bridge": "plain bridge = the same Linux bridge with no netfilter at all",
             "direct": "direct veth = s1 and s2 joined by one veth pair, no host in between "
                       "(the ceiling of a veth datapath)"}[k] for k, _ in refs) + ".")
        md.append("")
    md.append("| figure | xnet | baseline | xnet/baseline | target | met |"
              + "".join(f" {lbl} | xnet/{lbl} |" for _, lbl in refs))
    md.append("| --- | --- | --- | --- | --- | --- |" + " --- | --- |" * len(refs))
    for fig, e in figures.items():
        unit = e["unit"]

        def cell(side):
            s = e[side]
            if s["median"] is None:
                return "n/a"
            return f"{fmt(s['median'], unit)} ({fmt(s['min'], unit)}-{fmt(s['max'], unit)})"
        ratio = e["ratio_xnet_over_baseline"]
        if e["target_advantage"]:
            t = e["target_advantage"]
            target = f">= {t:.2f}x" if e["higher_is_better"] else f"<= {1 / t:.2f}x"
            met = {True: "yes", False: "**no**", None: "n/a"}[e["met"]]
        else:
            target, met = "-", "-"
        extra = ""
        for k, _ in refs:
            rb = e["ratio_xnet_over_plain_bridge" if k == "bridge" else "ratio_xnet_over_direct_veth"]
            extra += f" {cell(k)} | {f'{rb:.2f}x' if rb else 'n/a'} |"
        md.append(f"| {e['label']} ({unit}) | {cell('xnet')} | {cell('docker')} | "
                  f"{f'{ratio:.2f}x' if ratio else 'n/a'} | {target} | {met} |" + extra)
    if progrun:
        met = {True: "yes", False: "**no**", None: "n/a"}[progrun["met"]]
        md.append(f"| Forwarding program under BPF_PROG_RUN (ns/packet; baseline = redirect-only floor) | "
                  f"{fmt(progrun['forward_ns'], 'ns')} | {fmt(progrun['floor_ns'], 'ns')} | "
                  f"{progrun['ratio']:.2f}x | <= {PROGRUN_TARGET:.2f}x | {met} |"
                  + " | |" * len(refs))
    else:
        md.append("| Forwarding program under BPF_PROG_RUN | n/a | n/a | n/a | <= 1.50x | n/a |" + " | |" * len(refs))

    sx, sb = scale["xnet"], scale["bridge"]
    if sx or sb:
        md.append("")
        md.append("## Many sandboxes on one network")
        md.append("")
        md.append("| | xnet | Linux bridge (reference) |")
        md.append("| --- | --- | --- |")

        def g(d, k, f="{}"):
            return f.format(d[k]) if d and d.get(k) is not None else "n/a"
        md.append(f"| sandboxes requested / created | {g(sx, 'requested')} / {g(sx, 'created')} | "
                  f"{g(sb, 'requested')} / {g(sb, 'ports_attached')} |")
        lim = "n/a"
        if sb:
            lim = (f"port {sb['attach_failed_at_port']}: `{sb['attach_error']}`"
                   if sb.get("attach_failed_at_port") else "none hit")
        md.append(f"| port limit | {'none hit' if sx else 'n/a'} | {lim} |")
        md.append(f"| create, total (s) | {g(sx, 'create_total_s', '{:.1f}')} | {g(sb, 'create_total_s', '{:.1f}')} |")
        md.append(f"| create, median per sandbox (ms) | {g(sx, 'create_median_ms', '{:.1f}')} | "
                  f"{g(sb, 'create_median_ms', '{:.1f}')} (iproute2, no daemon) |")
        if sx:
            md.append(f"| create, median of first / last 100 (ms) | {g(sx, 'create_first100_median_ms', '{:.1f}')} / "
                      f"{g(sx, 'create_last100_median_ms', '{:.1f}')} | |")
        def passes(d):
            p = (d or {}).get("reach_answered_per_pass") or []
            return f" (by pass: {' + '.join(str(x) for x in p)})" if len(p) > 1 else ""
        md.append(f"| reachable from one sandbox | {g(sx, 'reach_alive')} / {g(sx, 'reach_targets')}{passes(sx)} | "
                  f"{g(sb, 'reach_alive')} / {g(sb, 'reach_targets')}{passes(sb)} (from the newest port) |")
        if sx:
            md.append(f"| BPF map memory, all pinned maps (bytes_memlock) | {sx['map_bytes_memlock_total']:,} B "
                      f"({sx['map_bytes_memlock_total'] / 2**20:.1f} MiB) | - |")
            md.append(f"| remove, total (s) / median per sandbox (ms) | {g(sx, 'remove_total_s', '{:.1f}')} / "
                      f"{g(sx, 'remove_median_ms', '{:.1f}')} | - |")
    md.append("")
    md.append(f"Run took {a.elapsed} s. Raw numbers of every round: bench/results/latest.json.")
    with open(os.path.join(a.out, "latest.md"), "w") as f:
        f.write("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
