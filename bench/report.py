#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Turn the raw output of bench/run.sh (WORKDIR) into OUT/RESULTS.md,
OUT/results.json and OUT/profile.txt.

Times are medians with min-max. A ratio between two variants measured in
the same interleaved rounds is taken round by round (a_r / b_r) and quoted
as the median of those ratios with their min-max, so a burst of noise that
hits one round moves both sides of that round's ratio alike."""
import glob
import json
import os
import re
import statistics
import sys

W, OUT = sys.argv[1], sys.argv[2]


def load(name):
    path = os.path.join(W, name)
    if not os.path.exists(path):
        return None
    if name.endswith('.jsonl'):
        return [json.loads(l) for l in open(path) if l.strip()]
    return json.load(open(path))


def ms(ns):
    return ns / 1e6


def stats(samples):
    return {'median': statistics.median(samples), 'min': min(samples), 'max': max(samples), 'n': len(samples)}


def fmt(samples, scale=1e6, unit='ms', digits=None):
    s = [x / scale for x in samples]
    med = statistics.median(s)
    d = digits if digits is not None else (2 if med < 10 else 1 if med < 100 else 0)
    return f'{med:.{d}f} ({min(s):.{d}f}–{max(s):.{d}f}) {unit}'


def ratio_list(a, b):
    return [x / y for x, y in zip(a, b) if y]


def fmt_ratio(r):
    return f'{statistics.median(r):.2f}× ({min(r):.2f}–{max(r):.2f})'


def variant(bench, name):
    for v in bench['variants']:
        if v['name'] == name:
            return v
    return None


def phase(bench, vname, pname):
    v = variant(bench, vname)
    if not v:
        return None
    for p in v['phases']:
        if p['name'] == pname:
            return p
    return None


summary = {}
targets = []
md = []
meta = load('meta.json') or {}

md.append('# netnsctl benchmark results\n')
md.append(f"- Kernel **{meta.get('kernel')}**, **{meta.get('cpus')} CPUs** ({meta.get('cpu_model')}), "
          f"run {meta.get('date')}, tree at {meta.get('commit')}, binary `{meta.get('netnsctl')}` built {meta.get('binary_built')}")
md.append(f"- Load average at start {' '.join(meta.get('loadavg_start', []))}, at end "
          f"{' '.join(meta.get('loadavg_end', []))}; {meta.get('other_netns_at_start')} namespaces of other work in "
          "the machine's /run/netns at start. Other work runs on this machine at the same time; its noise is in "
          f"these numbers. The measuring processes ran at nice {meta.get('nice')}.")
md.append(f"- netnsctl links: {meta.get('ldd', '').strip()}")
md.append('- Method: `bench/harness.c` spawns each command directly (posix_spawn, no shell), wall time from spawn '
          'to reap, CPU time and peak RSS from wait4. Variants are interleaved round by round (rotating order). '
          'Ratios are taken per round and quoted as median (min–max) of the per-round ratios. Everything runs '
          'inside a throwaway `unshare --mount --net` host; '
          + (f"/run/netns and /run/netnsctl are fresh tmpfs mounts in it (as on a systemd machine, where /run is tmpfs)."
             if meta.get('tmpfs') else
             f"/run/netns is the machine's ({meta.get('netns_fs')}), the state dir {meta.get('state_dir')} ({meta.get('state_fs')}).")
          + '\n')
# Sections rerun separately and copied into this work dir (one line each).
rr = os.path.join(W, 'reruns.txt')
if os.path.exists(rr):
    md.extend(f'- Rerun: {l.strip()}' for l in open(rr) if l.strip())
    md.append('')

# ---- 1. one-shot ----------------------------------------------------------
one = load('oneshot.json')
if one:
    names = {'netnsctl': '`netnsctl up` / `down`', 'floor': 'raw-netlink floor (bench/floor.c)',
             'ip-exec': 'tutorial script, `ip netns exec`, peer moved in',
             'ip-ipn': 'same script with `ip -n`, peer moved in',
             'ip-inplace': '`ip -n` script, peer created inside'}
    md.append(f"## 1. One veth namespace (addresses, default route), one process per call\n")
    md.append(f"{one['runs']} interleaved rounds after {one['warmup']} warm-up rounds.\n")
    md.append('| variant | up | down | up + down | CPU of up | peak RSS of up |')
    md.append('|---|---|---|---|---|---|')
    summary['oneshot'] = {}
    for v in one['variants']:
        up, down = phase(one, v['name'], 'up'), phase(one, v['name'], 'down')
        md.append(f"| {names.get(v['name'], v['name'])} | {fmt(up['ns'])} | {fmt(down['ns'])} | "
                  f"{fmt(v['total_ns'])} | {fmt(up['cpu_ns'])} | {up['max_rss_kb']} KiB |")
        summary['oneshot'][v['name']] = {'up_ms': stats([ms(x) for x in up['ns']]),
                                         'down_ms': stats([ms(x) for x in down['ns']]),
                                         'updown_ms': stats([ms(x) for x in v['total_ns']]),
                                         'up_cpu_ms': stats([ms(x) for x in up['cpu_ns']]),
                                         'up_max_rss_kb': up['max_rss_kb']}
    nup = phase(one, 'netnsctl', 'up')['ns']
    ncpu = phase(one, 'netnsctl', 'up')['cpu_ns']
    ntot = variant(one, 'netnsctl')['total_ns']
    md.append('\nRatios, per round (CPU time is less disturbed by other work on the machine than wall time):\n')
    md.append('| ratio | up, wall | up, CPU | up + down, wall |')
    md.append('|---|---|---|---|')
    rat = {}
    for other in ('ip-exec', 'ip-ipn', 'ip-inplace'):
        r_up = ratio_list(phase(one, other, 'up')['ns'], nup)
        r_cpu = ratio_list(phase(one, other, 'up')['cpu_ns'], ncpu)
        r_tot = ratio_list(variant(one, other)['total_ns'], ntot)
        md.append(f"| {other} ÷ netnsctl (how much faster netnsctl is) | {fmt_ratio(r_up)} | {fmt_ratio(r_cpu)} | "
                  f"{fmt_ratio(r_tot)} |")
        rat[f'{other}/netnsctl'] = {'up': stats(r_up), 'up_cpu': stats(r_cpu), 'updown': stats(r_tot)}
    r_up = ratio_list(nup, phase(one, 'floor', 'up')['ns'])
    r_cpu = ratio_list(ncpu, phase(one, 'floor', 'up')['cpu_ns'])
    r_tot = ratio_list(ntot, variant(one, 'floor')['total_ns'])
    md.append(f"| netnsctl ÷ floor (overhead over the floor) | {fmt_ratio(r_up)} | {fmt_ratio(r_cpu)} | {fmt_ratio(r_tot)} |")
    rat['netnsctl/floor'] = {'up': stats(r_up), 'up_cpu': stats(r_cpu), 'updown': stats(r_tot)}
    summary['oneshot_ratios'] = rat
    m = rat['ip-exec/netnsctl']['up']['median']
    targets.append(('up ≥ 15× faster than the tutorial `ip` script (issues 3, 8)',
                    f"{m:.1f}× (min–max {rat['ip-exec/netnsctl']['up']['min']:.1f}–{rat['ip-exec/netnsctl']['up']['max']:.1f})",
                    m >= 15))
    m = rat['netnsctl/floor']['up']['median']
    targets.append(('up ≤ 1.3× the one-shot raw-netlink floor (issues 3, 8)',
                    f"{m:.2f}× (min–max {rat['netnsctl/floor']['up']['min']:.2f}–{rat['netnsctl/floor']['up']['max']:.2f})",
                    m <= 1.3))

start = load('startup.json')
if start:
    md.append('\nProcess start alone (50 rounds): ' + '; '.join(
        f"`{v['name']}` {fmt(v['total_ns'])}" for v in start['variants']) + '.')
    summary['startup_ms'] = {v['name']: stats([ms(x) for x in v['total_ns']]) for v in start['variants']}

hf = load('hyperfine.json')
if hf:
    md.append('\nCross-check with hyperfine (`up` only, `--prepare` takes it down first; runs are sequential per '
              'command, not interleaved): ' + '; '.join(
                  f"{r['command']} {r['median'] * 1e3:.2f} ({r['min'] * 1e3:.2f}–{r['max'] * 1e3:.2f}) ms"
                  for r in hf['results']) + '.')
    summary['hyperfine_up_ms'] = {r['command']: {'median': r['median'] * 1e3, 'min': r['min'] * 1e3,
                                                 'max': r['max'] * 1e3, 'mean': r['mean'] * 1e3}
                                  for r in hf['results']}

# ---- 2. in-process --------------------------------------------------------
inp = load('inproc.json')
if inp:
    k = meta.get('inproc', 100)
    md.append(f'\n## 2. Many namespaces in one process ({k} per process, {inp["runs"]} rounds)\n')
    md.append('| variant | up, per namespace | down, per namespace | CPU of up, per namespace | peak RSS |')
    md.append('|---|---|---|---|---|')
    summary['inproc'] = {'k': k}
    for v in inp['variants']:
        up, down = phase(inp, v['name'], 'up'), phase(inp, v['name'], 'down')
        md.append(f"| `{v['name']} up` × {k} | {fmt(up['ns'], 1e6 * k)} | {fmt(down['ns'], 1e6 * k)} | "
                  f"{fmt(up['cpu_ns'], 1e6 * k)} | {up['max_rss_kb']} KiB |")
        summary['inproc'][v['name']] = {'up_ms_per_ns': stats([ms(x) / k for x in up['ns']]),
                                        'down_ms_per_ns': stats([ms(x) / k for x in down['ns']]),
                                        'up_max_rss_kb': up['max_rss_kb']}
    r = ratio_list(phase(inp, 'netnsctl', 'up')['ns'], phase(inp, 'floor', 'up')['ns'])
    md.append(f'\nnetnsctl ÷ floor, in-process up: {fmt_ratio(r)}.')
    summary['inproc']['netnsctl/floor_up'] = stats(r)
    m = summary['inproc']['netnsctl']['up_ms_per_ns']
    targets.append((f'`netnsctl up A B C ...` ≤ 2 ms per namespace (issue 3; {k} per process)',
                    f"{m['median']:.2f} ms (min–max {m['min']:.2f}–{m['max']:.2f})", m['median'] <= 2))

# ---- 3. scale -------------------------------------------------------------
probes = {int(re.search(r'(\d+)', os.path.basename(p)).group(1)): json.load(open(p))
          for p in glob.glob(os.path.join(W, 'probe-*.json'))}
if probes:
    md.append('\n## 3. Scale\n')
    md.append(f'Cost of one more `up`/`down` (one process) with N namespaces already up; {next(iter(probes.values()))["runs"]} interleaved rounds each.\n')
    md.append('| N already up | netnsctl up | floor up | netnsctl ÷ floor | netnsctl down | floor down |')
    md.append('|---|---|---|---|---|---|')
    summary['probe'] = {}
    for n in sorted(probes):
        b = probes[n]
        nu, fu = phase(b, 'netnsctl', 'up')['ns'], phase(b, 'floor', 'up')['ns']
        md.append(f"| {n} | {fmt(nu)} | {fmt(fu)} | {fmt_ratio(ratio_list(nu, fu))} | "
                  f"{fmt(phase(b, 'netnsctl', 'down')['ns'])} | {fmt(phase(b, 'floor', 'down')['ns'])} |")
        summary['probe'][n] = {'netnsctl_up_ms': stats([ms(x) for x in nu]),
                               'floor_up_ms': stats([ms(x) for x in fu]),
                               'netnsctl_down_ms': stats([ms(x) for x in phase(b, 'netnsctl', 'down')['ns']]),
                               'floor_down_ms': stats([ms(x) for x in phase(b, 'floor', 'down')['ns']])}
    lo, hi = min(probes), max(probes)
    if hi > lo:
        a = summary['probe'][hi]['netnsctl_up_ms']['median']
        b = summary['probe'][lo]['netnsctl_up_ms']['median']
        fa = summary['probe'][hi]['floor_up_ms']['median'] / summary['probe'][lo]['floor_up_ms']['median']
        summary['flatness'] = {'netnsctl': a / b, 'floor': fa, 'from': lo, 'to': hi}
        md.append(f'\nFlatness, up at N={hi} ÷ N={lo}: netnsctl {a / b:.2f}×, floor {fa:.2f}× (the kernel part).')
        targets.append((f'per-namespace up cost flat: ≤ 1.5× from N={lo} to N={hi} (issue 8)',
                        f'{a / b:.2f}× (floor: {fa:.2f}×)', a / b <= 1.5))

    sy = load('sysctl.jsonl') or []
    if sy:
        by = {}
        for r in sy:
            by.setdefault(r['n'], []).append(r['ms'])
        md.append('\nOpening /proc/sys/net/ipv6/conf/all/disable_ipv6 in a fresh namespace (netnsctl up no longer does: it asks lo over '
                  'netlink; kept as a measure of the kernel), with N namespaces up that have read it: ' + '; '.join(
                      f'N={n}: {fmt(v, 1, "ms", 3)}' for n, v in sorted(by.items())) + '.')
        summary['sysctl_open_ms'] = {n: stats(v) for n, v in by.items()}

    fills = sorted(glob.glob(os.path.join(W, 'fill-*.json')),
                   key=lambda p: int(re.search(r'(\d+)', os.path.basename(p)).group(1)))
    allfill, parts = [], []
    for p in fills:
        ns = json.load(open(p))['ns']
        parts.append(f'k in [{len(allfill)}, {len(allfill) + len(ns)}): {fmt(ns)}')
        allfill.extend(ns)
    md.append('\nThe fill itself, one `netnsctl up` process per namespace (as systemd starts `netns@` units), '
              'cost of the k-th namespace: ' + '; '.join(parts) + '.')
    scale_n = len(allfill)
    ways = []

    def way(label, up_file, down_file, n):
        u, d = load(up_file), load(down_file)
        if u is None or d is None:
            return
        ways.append((label, u['total_ns'] / n, d['total_ns'] / n, max(u['max_rss_kb'], d['max_rss_kb'])))

    if scale_n:
        seqd = load('seq-down.json')
        if seqd:
            ways.append(('one process per namespace', sum(allfill) / scale_n, seqd['total_ns'] / scale_n,
                         max(seqd['max_rss_kb'], max(json.load(open(p))['max_rss_kb'] for p in fills))))
        way('one process for all (`netnsctl up A B C ...`)', 'one-up.json', 'one-down.json', scale_n)
        way('8 processes in parallel, 1/8 of the names each', 'par-up.json', 'par-down.json', scale_n)
        way('one process per namespace, 8 at a time (systemd starting units in parallel)', 'par1-up.json',
            'par1-down.json', scale_n)
        way('floor, one process for all', 'floor-up.json', 'floor-down.json', scale_n)
        md.append(f'\nBringing {scale_n} namespaces up and down, per namespace:\n')
        md.append('| way | up, per namespace | down, per namespace | peak RSS of one process |')
        md.append('|---|---|---|---|')
        summary['ways'] = []
        for label, u, d, rss in ways:
            md.append(f'| {label} | {ms(u):.2f} ms | {ms(d):.2f} ms | {rss} KiB |')
            summary['ways'].append({'way': label, 'up_ms_per_ns': ms(u), 'down_ms_per_ns': ms(d), 'max_rss_kb': rss})
    checks = load('scale.jsonl') or []
    for c in checks:
        if c['what'] == 'fill' and 'kmem_growth_kb' in c:
            kb = c['kmem_growth_kb'] / max(c['n'], 1)
            md.append(f"\nWith {c['n']} up, kernel memory (unreclaimable slab + per-CPU + vmalloc) grew by "
                      f"{c['kmem_growth_kb'] / 1024:.0f} MiB, about {kb:.0f} KiB per namespace with its veth pair and "
                      "addresses. That is the kernel's, not netnsctl's (other work changes it too).")
            summary['kernel_kb_per_ns'] = kb
    if checks:
        md.append('\nConsistency (namespaces, host veth ends, state files after each step): ' + '; '.join(
            f"{c['what']}: {c['counts']}" + (f", incomplete namespaces {c['incomplete']}" if 'incomplete' in c else '')
            for c in checks) + '.')
        summary['scale_checks'] = checks
    settles = load('settle.jsonl') or []
    if settles:
        md.append('\nWaiting for the kernel\'s asynchronous namespace cleanup before the next step: ' + '; '.join(
            f"after {s['what']} {s['ms']} ms" for s in settles) + '.')
        summary['settle'] = settles

# ---- 4. status / list -----------------------------------------------------
sts = {int(re.search(r'(\d+)', os.path.basename(p)).group(1)): json.load(open(p))
       for p in glob.glob(os.path.join(W, 'status-*.json'))}
if sts:
    md.append('\n## 4. `status --json` and `list` (all namespaces, 10 rounds)\n')
    md.append('N counts our namespaces up; /run/netns also holds the few of other work on this machine.\n')
    md.append('| N up | `status --json` | `list` | peak RSS of status |')
    md.append('|---|---|---|---|')
    summary['status'] = {}
    for n in sorted(sts):
        s, l = phase(sts[n], 'status-json', 'run'), phase(sts[n], 'list', 'run')
        md.append(f"| {n} | {fmt(s['ns'])} | {fmt(l['ns'])} | {s['max_rss_kb']} KiB |")
        summary['status'][n] = {'status_json_ms': stats([ms(x) for x in s['ns']]),
                                'list_ms': stats([ms(x) for x in l['ns']]), 'status_max_rss_kb': s['max_rss_kb']}
    top = max(sts)
    m = summary['status'][top]['status_json_ms']
    targets.append((f'`status --json` with {top} namespaces < 100 ms (issue 8)',
                    f"{m['median']:.1f} ms (min–max {m['min']:.1f}–{m['max']:.1f})", m['median'] < 100))

# ---- kernel costs ---------------------------------------------------------
kc = load('kernel.jsonl')
if kc:
    md.append('\n## 5. Kernel costs (strace -T on the one syscall that carries each, 10 times)\n')
    md.append('| what | time |')
    md.append('|---|---|')
    by = {}
    for r in kc:
        by.setdefault(r['what'], []).append(r['ms'])
    summary['kernel_ms'] = {}
    for what, v in by.items():
        md.append(f'| {what} | {fmt(v, 1, "ms")} |')
        summary['kernel_ms'][what] = stats(v)

# ---- 6. exec --------------------------------------------------------------
ex = load('exec.json')
if ex:
    names = {'true': '`/bin/true` alone (process start)', 'floor': 'floor: open + setns + execve (bench/exec_floor.c)',
             'netnsctl': '`netnsctl exec NAME true`', 'nsenter': '`nsenter --net=/run/netns/NAME true`',
             'ip-netns-exec': '`ip netns exec NAME true`',
             'floor-etc': 'floor --etc: + unshare(NEWNS), /sys remount, bind resolv.conf',
             'netnsctl-etc': '`netnsctl exec`, /etc/netns/NAME/resolv.conf', 'ip-netns-exec-etc': '`ip netns exec`, /etc/netns/NAME/resolv.conf'}
    md.append(f"\n## 6. exec ({ex['runs']} interleaved rounds)\n")
    md.append('Without /etc/netns files: netnsctl makes no mount namespace. With a resolv.conf there, netnsctl and '
              '`ip netns exec` both make a mount namespace, remount /sys and bind the file.\n')
    md.append('| variant | wall | CPU | ÷ floor (per round) | peak RSS |')
    md.append('|---|---|---|---|---|')
    summary['exec'] = {}
    for v in ex['variants']:
        r = phase(ex, v['name'], 'run')
        base = 'floor-etc' if v['name'].endswith('-etc') else 'floor'
        rr = ratio_list(r['ns'], phase(ex, base, 'run')['ns'])
        md.append(f"| {names.get(v['name'], v['name'])} | {fmt(r['ns'])} | {fmt(r['cpu_ns'])} | "
                  f"{fmt_ratio(rr)} ({base}) | {r['max_rss_kb']} KiB |")
        summary['exec'][v['name']] = {'ms': stats([ms(x) for x in r['ns']]), 'cpu_ms': stats([ms(x) for x in r['cpu_ns']]),
                                      f'/{base}': stats(rr)}
    ratios = {}
    for a, b in (('netnsctl', 'floor'), ('netnsctl', 'nsenter'), ('netnsctl', 'ip-netns-exec'),
                 ('netnsctl-etc', 'ip-netns-exec-etc'), ('netnsctl-etc', 'floor-etc')):
        rr = ratio_list(phase(ex, a, 'run')['ns'], phase(ex, b, 'run')['ns'])
        rc = ratio_list(phase(ex, a, 'run')['cpu_ns'], phase(ex, b, 'run')['cpu_ns'])
        ratios[f'{a}/{b}'] = {'wall': stats(rr), 'cpu': stats(rc)}
    md.append('\n| ratio | wall | CPU |')
    md.append('|---|---|---|')
    for k, v in ratios.items():
        md.append(f"| {k} | {v['wall']['median']:.2f}× ({v['wall']['min']:.2f}–{v['wall']['max']:.2f}) | "
                  f"{v['cpu']['median']:.2f}× ({v['cpu']['min']:.2f}–{v['cpu']['max']:.2f}) |")
    summary['exec_ratios'] = ratios
    lc = load('libcost.json')
    if lc:
        base = phase(lc, 'libc-only', 'run')['ns']
        md.append(f"\nProcess start, {lc['runs']} interleaved rounds (bench/libcost.c; difference to a libc-only "
                  "program per round): " + '; '.join(
                      f"`{v['name']}` {fmt(phase(lc, v['name'], 'run')['ns'])}, "
                      f"+{statistics.median([ms(a - b) for a, b in zip(phase(lc, v['name'], 'run')['ns'], base)]):.3f} ms"
                      for v in lc['variants']) + '.')
        summary['libcost'] = {v['name']: {'ms': stats([ms(x) for x in phase(lc, v['name'], 'run')['ns']]),
                                          'minus_libc_only_ms': stats([ms(a - b) for a, b in
                                                                       zip(phase(lc, v['name'], 'run')['ns'], base)])}
                              for v in lc['variants']}
    m = ratios['netnsctl/floor']['wall']
    targets.append(('exec without /etc/netns files ≤ 1.1× the bare setns+execve floor (issues 5, 8)',
                    f"{m['median']:.2f}× (min–max {m['min']:.2f}–{m['max']:.2f})", m['median'] <= 1.1))
    m = ratios['netnsctl-etc/ip-netns-exec-etc']['wall']
    targets.append(('exec with DNS binds ≤ 0.8× `ip netns exec` (issue 5)',
                    f"{m['median']:.2f}× (min–max {m['min']:.2f}–{m['max']:.2f})", m['median'] <= 0.8))

# ---- 7. NAT ---------------------------------------------------------------
for case, label in (('first', 'no other NAT namespace up: up creates the shared table `inet netnsctl`, down deletes it'),
                    ('steady', 'another NAT namespace kept up: up adds only this namespace\'s chains')):
    nb = load(f'nat-{case}.json')
    if not nb:
        continue
    names = {'netnsctl': '`netnsctl up`/`down`, no NAT', 'netnsctl-nat': '`netnsctl`, `Masquerade=yes`',
             'floor': 'raw-netlink floor (no NAT)', 'ip-exec': 'tutorial `ip netns exec` script',
             'ip-exec-nat': 'tutorial script + `sysctl ip_forward` + `nft -f` masquerade table'}
    md.append(f"\n## 7{'a' if case == 'first' else 'b'}. NAT, {label} ({nb['runs']} interleaved rounds)\n")
    md.append('| variant | up | down | CPU of up |')
    md.append('|---|---|---|---|')
    sm = summary.setdefault('nat', {})[case] = {}
    for v in nb['variants']:
        up, down = phase(nb, v['name'], 'up'), phase(nb, v['name'], 'down')
        md.append(f"| {names.get(v['name'], v['name'])} | {fmt(up['ns'])} | {fmt(down['ns'])} | {fmt(up['cpu_ns'])} |")
        sm[v['name']] = {'up_ms': stats([ms(x) for x in up['ns']]), 'down_ms': stats([ms(x) for x in down['ns']]),
                         'up_cpu_ms': stats([ms(x) for x in up['cpu_ns']])}
    a, b = phase(nb, 'netnsctl-nat', 'up'), phase(nb, 'netnsctl', 'up')
    d_up = [ms(x - y) for x, y in zip(a['ns'], b['ns'])]
    d_cpu = [ms(x - y) for x, y in zip(a['cpu_ns'], b['cpu_ns'])]
    d_down = [ms(x - y) for x, y in zip(phase(nb, 'netnsctl-nat', 'down')['ns'], phase(nb, 'netnsctl', 'down')['ns'])]
    r_tut = ratio_list(phase(nb, 'ip-exec-nat', 'up')['ns'], a['ns'])
    r_flo = ratio_list(a['ns'], phase(nb, 'floor', 'up')['ns'])
    md.append(f"\nPer round: `Masquerade=yes` adds {fmt(d_up, 1, 'ms')} to `up` (CPU {fmt(d_cpu, 1, 'ms')}) and "
              f"{fmt(d_down, 1, 'ms')} to `down`; tutorial+NAT ÷ netnsctl+NAT, up: {fmt_ratio(r_tut)}; "
              f"netnsctl+NAT ÷ floor (no NAT), up: {fmt_ratio(r_flo)}.")
    sm['nat_adds_up_ms'] = stats(d_up)
    sm['nat_adds_up_cpu_ms'] = stats(d_cpu)
    sm['nat_adds_down_ms'] = stats(d_down)
    sm['tutorial_nat/netnsctl_nat_up'] = stats(r_tut)
    m = stats(d_up)
    targets.append((f'`Masquerade=yes` adds ≤ 1 ms to up, {case} (issues 6, 8)',
                    f"+{m['median']:.2f} ms (min–max {m['min']:+.2f}–{m['max']:+.2f}); CPU +{statistics.median(d_cpu):.2f} ms",
                    m['median'] <= 1))

# ---- 8. publishing (Mode=nat) ---------------------------------------------
pb = load('publish.json')
if pb:
    n = len(pb['direct']['gbps'])
    md.append(f"\n## 8. Publishing, Mode=nat ({n} rounds, paths alternating)\n")
    md.append('From an upstream namespace behind the host: iperf3 (one stream) and bench/crr.c (connect, 1-byte echo, '
              'close; median per round) to the published host port (DNAT, forwarded over the veth) against the '
              "namespace's own address over the same path (routed, no DNAT).\n")
    md.append('| path | throughput | connect+echo+close (median of per-round medians) |')
    md.append('|---|---|---|')
    for k in ('direct', 'dnat'):
        md.append(f"| {k} | {fmt(pb[k]['gbps'], 1, 'Gbit/s')} | {fmt(pb[k]['crr_median_us'], 1, 'µs', 1)} |")
    rg = ratio_list(pb['dnat']['gbps'], pb['direct']['gbps'])
    rc = ratio_list(pb['dnat']['crr_median_us'], pb['direct']['crr_median_us'])
    md.append(f"\nDNAT ÷ direct: throughput {fmt_ratio(rg)}, connect latency {fmt_ratio(rc)}.")
    summary['publish'] = {'raw': pb, 'gbps_ratio': stats(rg), 'crr_ratio': stats(rc)}
    targets.append(('publishing ≥ 0.95× direct veth throughput (issues 6, 8)',
                    f"{statistics.median(rg):.2f}× (min–max {min(rg):.2f}–{max(rg):.2f})", statistics.median(rg) >= 0.95))
    targets.append(('publishing connect latency ≤ 1.1× direct (issue 6)',
                    f"{statistics.median(rc):.2f}× (min–max {min(rc):.2f}–{max(rc):.2f})", statistics.median(rc) <= 1.1))

# ---- 9. forwarder (Mode=proxy) --------------------------------------------
fw = os.path.join(W, 'forward.md')
if os.path.exists(fw):
    text = open(fw).read()
    md.append('\n## 9. ' + text.lstrip('# ').rstrip() + '\n')
    rows = {}
    for line in text.splitlines():
        c = [x.strip() for x in line.strip('|').split('|')]
        if len(c) == 6 and c[0] in ('direct', 'netnsctl', 'proxyd', 'socat'):
            rows[c[0]] = {'gbps': float(c[1]), 'x_direct': float(c[2]), 'connect_us': c[3],
                          'connect_x_direct': float(c[4]), 'connect_x_proxyd': float(c[5])}
    summary['forward'] = rows
    if 'netnsctl' in rows and 'proxyd' in rows:
        n, p = rows['netnsctl'], rows['proxyd']
        targets.append(('forward throughput ≥ systemd-socket-proxyd, aiming for ≥ 0.95× direct (issue 12)',
                        f"{n['x_direct']:.2f}× direct, proxyd {p['x_direct']:.2f}×", n['gbps'] >= p['gbps']))
        targets.append(('forward connect latency ≤ 0.7× proxyd (issue 12)', f"{n['connect_x_proxyd']:.2f}×",
                        n['connect_x_proxyd'] <= 0.7))

# ---- targets --------------------------------------------------------------
md.append('\n## Targets\n')
md.append('| target | measured | met? |')
md.append('|---|---|---|')
for t, m, ok in targets:
    md.append(f"| {t} | {m} | {'yes' if ok else 'no' if ok is not None else '—'} |")
summary['targets'] = [{'target': t, 'measured': m, 'met': ok} for t, m, ok in targets]

# ---- profile --------------------------------------------------------------
prof = []


def slowest(path, k=8):
    rows = []
    for line in open(path):
        m = re.search(r'^(?:\d+\s+)?[\d:.]+ (\w+)\((.*)<([\d.]+)>$', line.strip())
        if m:
            rows.append((float(m.group(3)), m.group(1), m.group(2)[:90]))
    rows.sort(reverse=True)
    return rows[:k]


for name in ('strace-c-up.txt', 'strace-c-down.txt'):
    p = os.path.join(W, name)
    if os.path.exists(p):
        prof.append(f'== {name} (strace -f -c -w: wall time inside each syscall, one netnsctl call)\n' + open(p).read())
for name in ('strace-T-up.txt', 'strace-T-down.txt', 'strace-T-floor-up.txt', 'strace-T-floor-down.txt'):
    p = os.path.join(W, name)
    if os.path.exists(p):
        prof.append(f'== slowest syscalls in {name} (seconds, under strace)\n' + '\n'.join(
            f'{t:.6f} {c}({a}' for t, c, a in slowest(p)) + '\n')
for name in ('perf-updown.txt', 'perf-floor-updown.txt'):
    p = os.path.join(W, name)
    if os.path.exists(p):
        prof.append(f'== {name}\n' + open(p).read())
if prof:
    md.append('\nSyscall counts, the slowest syscalls and perf counters of one up/down: see `profile.txt`.')

os.makedirs(OUT, exist_ok=True)
open(os.path.join(OUT, 'RESULTS.md'), 'w').write('\n'.join(md) + '\n')
raw = {os.path.basename(p): load(os.path.basename(p))
       for p in sorted(glob.glob(os.path.join(W, '*.json')) + glob.glob(os.path.join(W, '*.jsonl')))}
json.dump({'meta': meta, 'summary': summary, 'raw': raw}, open(os.path.join(OUT, 'results.json'), 'w'), indent=1)
if prof:
    text = '\n'.join(prof).replace(W, '$WORK')
    open(os.path.join(OUT, 'profile.txt'), 'w').write(text)
