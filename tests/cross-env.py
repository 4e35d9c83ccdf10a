#!/usr/bin/env python3
"""cross-env.py -- the verdicts of `lmocheck check --quick` are properties
of the mathematics, not of the last bits.

Runs the quick suite once per floating-point environment: every OpenBLAS
kernel this CPU can execute (forced with OPENBLAS_CORETYPE) and the three
directed IEEE rounding modes (the whole process, set before main by the
LD_PRELOAD module tests/fesetround.c), each with `--ensemble none` so the
environment under test is the only one, and compares every point's
verdict with the run in the default environment.  One TAP point per
environment: the forced kernel or mode took effect (the reported core
name, or some measured value moved) and the verdicts are identical.

Environment: LMC_LMOCHECK (the program), LMC_FESETROUND_LIB (the preload
module); LMC_CROSSENV_ARGS replaces the check arguments (default
"--quick"); LMC_CROSSENV_JOBS the runs at once (default: cores).
"""
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

# OpenBLAS core types and the CPU flags their kernels need (OpenBLAS
# 0.3.21 driver/others/dynamic.c).
CORES = [
    ("Prescott", {"pni"}),  # SSE3 is "pni" in /proc/cpuinfo
    ("Nehalem", {"ssse3", "sse4_2"}),
    ("Sandybridge", {"avx"}),
    ("Haswell", {"avx2", "fma"}),
    ("Zen", {"avx2", "fma"}),
    ("SkylakeX", {"avx512f", "avx512vl", "avx512bw", "avx512dq", "avx512cd"}),
    ("Cooperlake", {"avx512f", "avx512vl", "avx512bw", "avx512dq",
                    "avx512cd", "avx512_bf16"}),
]
MODES = ["upward", "downward", "toward-zero"]

POINT = re.compile(r"^(ok|not ok) (\d+) - (.*): ([a-z ]+?)( # TODO.*)?$")
MEASURED = re.compile(r"^  measured: (.*)$")


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def parse(tap):
    """[(name, verdict, todo)] and the list of measured values."""
    points, measured = [], []
    for line in tap.splitlines():
        m = POINT.match(line)
        if m:
            points.append((m.group(3), m.group(4), bool(m.group(5))))
            continue
        m = MEASURED.match(line)
        if m:
            measured.append(m.group(1))
    return points, measured


def run(exe, args, env_extra):
    env = dict(os.environ)
    env.update(env_extra)
    env["OPENBLAS_NUM_THREADS"] = "1"
    p = subprocess.run([exe, "check", "--ensemble", "none", "--jobs", "1"]
                       + args, env=env, capture_output=True, text=True)
    v = subprocess.run([exe, "--version"], env=env, capture_output=True,
                       text=True)
    return p.returncode, p.stdout, p.stderr, v.stdout


def main():
    exe = os.environ.get("LMC_LMOCHECK")
    lib = os.environ.get("LMC_FESETROUND_LIB")
    if not exe or not lib:
        print("1..0 # SKIP LMC_LMOCHECK or LMC_FESETROUND_LIB is not set")
        return 0
    args = os.environ.get("LMC_CROSSENV_ARGS", "--quick").split()
    flags = cpu_flags()
    envs = [("default", {})]
    for name, need in CORES:
        if need <= flags:
            envs.append(("OPENBLAS_CORETYPE=" + name,
                         {"OPENBLAS_CORETYPE": name}))
        else:
            envs.append(("OPENBLAS_CORETYPE=" + name, None))
    for mode in MODES:
        envs.append(("rounding " + mode,
                     {"LD_PRELOAD": lib, "LMC_FESETROUND": mode}))
    jobs = int(os.environ.get("LMC_CROSSENV_JOBS", os.cpu_count() or 1))
    runnable = [(n, e) for n, e in envs if e is not None]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = dict(zip([n for n, _ in runnable],
                           pool.map(lambda ne: run(exe, args, ne[1]),
                                    runnable)))
    print("TAP version 13")
    print(f"1..{len(envs) - 1}")
    base_rc, base_out, base_err, _ = results["default"]
    base, base_meas = parse(base_out)
    print(f"# default environment: exit {base_rc}, {len(base)} points")
    if not base:
        print("Bail out! the default run printed no points: "
              + base_err.strip()[:300])
        return 1
    k = 0
    for name, extra in envs[1:]:
        k += 1
        if extra is None:
            print(f"ok {k} - {name}: verdicts identical # SKIP the CPU "
                  "lacks the kernel's instructions")
            continue
        rc, out, err, version = results[name]
        pts, meas = parse(out)
        why = []
        if "OPENBLAS_CORETYPE" in extra:
            core = extra["OPENBLAS_CORETYPE"]
            if f"core {core}" not in version:
                why.append(f"OpenBLAS did not take the kernel: "
                           f"{version.strip()!r}")
        elif meas == base_meas:
            why.append("no measured value moved: the mode did not take "
                       "effect")
        if len(pts) != len(base):
            why.append(f"{len(pts)} points against {len(base)} (exit {rc}: "
                       f"{err.strip()[:200]})")
        # Points are matched by position (the same configurations in the
        # same order): under a directed rounding mode glibc's printf
        # rounds the labels' numbers that way too (0.8 may print as
        # 0.8000000000000002), so names are not compared.
        diff = [(b, p) for b, p in zip(base, pts) if b[1:] != p[1:]]
        for b, p in diff[:8]:
            why.append(f"{b[0]}: {b[1]}{' (TODO)' if b[2] else ''} by "
                       f"default, {p[1]}{' (TODO)' if p[2] else ''} here")
        if len(diff) > 8:
            why.append(f"... {len(diff) - 8} more")
        if rc != base_rc and not diff and len(pts) == len(base):
            why.append(f"exit {rc} against {base_rc}")
        moved = sum(a != b for a, b in zip(base_meas, meas))
        print(f"{'not ok' if why else 'ok'} {k} - {name}: "
              f"{len(pts)} verdicts identical to the default environment's "
              f"({moved} measured values moved)")
        for w in why:
            print(f"# {w}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
