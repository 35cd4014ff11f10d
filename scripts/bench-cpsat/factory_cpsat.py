#!/usr/bin/env python3
"""OR-Tools CP-SAT on a shared factory's day: the JSON model `zhizao bench factory --write-instance`
writes (jobs of operations with eligible machines and times, release and due dates, weights,
sequence-dependent set-ups by family, machine unavailability), the same objective as zhizao's
planner (total weighted tardiness first, then makespan) and the same time limit.

Set-ups: the exact CP-SAT model of sequence-dependent set-ups is a circuit per machine over every
operation that may run there; for the polishing centre's day (about 2,000 operations, most of
them eligible on some 50 robots) that is about a million arcs per robot, which CP-SAT cannot
even load within the limit. So each operation's busy interval on a machine reserves the largest
set-up any other family needs before it there: every sequence CP-SAT then chooses is feasible
in the exact model (it is a restriction, never a relaxation). The solution is checked and its
weighted tardiness and makespan evaluated exactly, with the real set-ups, here.

Prints one line: CP-SAT's status, weighted tardiness, makespan and time.
"""

import argparse
import json
import sys
import time

from ortools.sat.python import cp_model


def load(path):
    with open(path) as handle:
        document = json.load(handle)
    if document.get("format_version") != 1:
        sys.exit(f"{path}: format_version {document.get('format_version')} is not 1")
    n_machines = document["n_machines"]
    setups = [None] * n_machines
    for entry in document.get("setup_times", []):
        setups[entry["machine"]] = entry["times"]
    windows = [[] for _ in range(n_machines)]
    for entry in document.get("unavailability", []):
        windows[entry["machine"]].append((entry["start"], entry["end"]))
    return document, setups, windows


def setup_time(setups, machine, before, after):
    matrix = setups[machine]
    if matrix is None or before >= len(matrix) or after >= len(matrix):
        return 0
    return matrix[before][after]


def reserve(setups, machine, family):
    """The largest set-up any family needs before `family` on `machine`."""
    matrix = setups[machine]
    if matrix is None or family >= len(matrix):
        return 0
    return max(row[family] for row in matrix)


def solve(document, setups, windows, time_limit, threads):
    now = document.get("now", 0)
    jobs = document["jobs"]
    last_window = max((end for machine in windows for _, end in machine), default=0)
    latest_release = max([now] + [job.get("release", 0) for job in jobs])
    horizon = max(last_window, latest_release) + sum(
        max(a["duration"] for a in op["alternatives"])
        + max((reserve(setups, a["machine"], op.get("family", 0)) for a in op["alternatives"]), default=0)
        for job in jobs
        for op in job["operations"]
    )
    model = cp_model.CpModel()
    busy = [[] for _ in range(len(windows))]
    for machine, machine_windows in enumerate(windows):
        for start, end in machine_windows:
            busy[machine].append(model.NewIntervalVar(start, end - start, end, f"w{machine}_{start}"))
    placements = []  # per job, per operation: (start, end, [(machine, present)])
    tardiness = []
    ends = []
    for j, job in enumerate(jobs):
        earliest = max(now, job.get("release", 0))
        previous_end = None
        operations = []
        for o, op in enumerate(job["operations"]):
            family = op.get("family", 0)
            frozen = op.get("frozen")
            start = model.NewIntVar(0 if frozen else earliest, horizon, f"s{j}_{o}")
            end = model.NewIntVar(0, horizon, f"e{j}_{o}")
            choices = []
            for alternative in op["alternatives"]:
                machine, duration = alternative["machine"], alternative["duration"]
                if frozen and frozen["machine"] != machine:
                    continue
                if frozen:
                    # Already placed: it stays, as it is.
                    busy[machine].append(model.NewIntervalVar(start, duration, end, f"i{j}_{o}"))
                    choices.append((machine, None, duration))
                    continue
                present = model.NewBoolVar(f"p{j}_{o}_{machine}")
                extra = reserve(setups, machine, family)
                interval = model.NewOptionalIntervalVar(
                    start - extra, duration + extra, end, present, f"i{j}_{o}_{machine}"
                )
                busy[machine].append(interval)
                choices.append((machine, present, duration))
            if frozen:
                model.Add(start == frozen["start"])
            else:
                model.AddExactlyOne([present for _, present, _ in choices])
            if previous_end is not None:
                model.Add(start >= previous_end)
            previous_end = end
            operations.append((start, end, choices))
        placements.append(operations)
        if previous_end is not None:
            ends.append(previous_end)
            if job.get("due") is not None:
                late = model.NewIntVar(0, horizon, f"t{j}")
                model.Add(late >= previous_end - job["due"])
                tardiness.append((job.get("weight", 1), late))
    for intervals in busy:
        if len(intervals) > 1:
            model.AddNoOverlap(intervals)
    makespan = model.NewIntVar(0, horizon, "makespan")
    model.AddMaxEquality(makespan, ends)
    model.Minimize((horizon + 1) * sum(weight * late for weight, late in tardiness) + makespan)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = threads
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return solver.StatusName(status), None
    placed = []
    for j, operations in enumerate(placements):
        for o, (start, end, choices) in enumerate(operations):
            machine, duration = next(
                (m, d) for m, present, d in choices if present is None or solver.Value(present) == 1
            )
            placed.append((j, o, machine, solver.Value(start), solver.Value(start) + duration))
    return solver.StatusName(status), placed


def evaluate(document, setups, windows, placed):
    """Checks `placed` against the exact model and returns (weighted tardiness, makespan)."""
    jobs = document["jobs"]
    by_machine = {}
    job_end = {}
    for j, o, machine, start, end in placed:
        family = jobs[j]["operations"][o].get("family", 0)
        by_machine.setdefault(machine, []).append((start, end, family, j, o))
        job_end[j] = max(job_end.get(j, 0), end)
    for machine, entries in by_machine.items():
        entries.sort()
        for index, (start, end, family, j, o) in enumerate(entries):
            setup = 0
            if index > 0:
                _, previous_end, previous_family, _, _ = entries[index - 1]
                setup = setup_time(setups, machine, previous_family, family)
                if start < previous_end + setup:
                    sys.exit(f"machine {machine}: job {j} op {o} breaks the set-up after its predecessor")
            for window_start, window_end in windows[machine]:
                if start - setup < window_end and window_start < end:
                    sys.exit(f"machine {machine}: job {j} op {o} runs in an unavailability window")
    weighted = sum(
        job.get("weight", 1) * max(0, job_end[j] - job["due"])
        for j, job in enumerate(jobs)
        if job.get("due") is not None and j in job_end
    )
    return weighted, max(job_end.values(), default=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance", help="JSON model from zhizao bench factory --write-instance")
    parser.add_argument("--time-limit", type=float, required=True, help="seconds")
    parser.add_argument("--threads", type=int, default=1)
    arguments = parser.parse_args()
    document, setups, windows = load(arguments.instance)
    started = time.monotonic()
    status, placed = solve(document, setups, windows, arguments.time_limit, arguments.threads)
    elapsed = time.monotonic() - started
    if placed is None:
        print(f"CP-SAT ({arguments.time_limit:g} s, {arguments.threads} thread): {status}, no schedule, {elapsed:.2f} s")
        return 0
    weighted, makespan = evaluate(document, setups, windows, placed)
    print(
        f"CP-SAT ({arguments.time_limit:g} s, {arguments.threads} thread, set-ups reserved): "
        f"{status}, weighted tardiness {weighted}, makespan {makespan}, {elapsed:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
