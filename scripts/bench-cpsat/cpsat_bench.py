#!/usr/bin/env python3
"""OR-Tools CP-SAT on a scheduling benchmark set, next to zhizao's own benchmark table.

The CP-SAT model is the classic one: per operation a start and end variable, per eligible
machine an optional interval whose presence literal says "runs here" (exactly one present),
a no-overlap constraint per machine over its intervals, job precedences, and makespan as the
maximum end time. CP-SAT gets the same time limit and the same number of workers as zhizao.

Prints a table (instance, best-known upper bound, zhizao, CP-SAT, both gaps) and, as its last
two lines, both mean gaps.
"""

import argparse
import csv
import os
import re
import sys
import time

from ortools.sat.python import cp_model


def read_instance(path):
    """Returns a list of jobs; a job is a list of operations; an operation a list of (machine, time)."""
    with open(path) as handle:
        lines = [line.split() for line in handle if line.strip() and not line.lstrip().startswith("#")]
    n_jobs, n_machines = int(lines[0][0]), int(lines[0][1])
    jobs = []
    if path.endswith(".fjs"):
        for tokens in lines[1 : 1 + n_jobs]:
            values = [int(token) for token in tokens]
            position, operations = 1, []
            for _ in range(values[0]):
                k = values[position]
                position += 1
                alternatives = []
                for _ in range(k):
                    alternatives.append((values[position] - 1, values[position + 1]))
                    position += 2
                operations.append(alternatives)
            jobs.append(operations)
    else:
        for tokens in lines[1 : 1 + n_jobs]:
            values = [int(token) for token in tokens]
            jobs.append([[(values[2 * i], values[2 * i + 1])] for i in range(n_machines)])
    return jobs, n_machines


def solve_cpsat(jobs, n_machines, time_limit, threads):
    model = cp_model.CpModel()
    horizon = sum(max(time for _, time in operation) for job in jobs for operation in job)
    per_machine = [[] for _ in range(n_machines)]
    makespan = model.NewIntVar(0, horizon, "makespan")
    for j, job in enumerate(jobs):
        previous_end = None
        for o, alternatives in enumerate(job):
            start = model.NewIntVar(0, horizon, f"s{j}_{o}")
            end = model.NewIntVar(0, horizon, f"e{j}_{o}")
            if len(alternatives) == 1:
                machine, duration = alternatives[0]
                interval = model.NewIntervalVar(start, duration, end, f"i{j}_{o}")
                per_machine[machine].append(interval)
            else:
                presences = []
                for machine, duration in alternatives:
                    present = model.NewBoolVar(f"p{j}_{o}_{machine}")
                    interval = model.NewOptionalIntervalVar(start, duration, end, present, f"i{j}_{o}_{machine}")
                    per_machine[machine].append(interval)
                    presences.append(present)
                model.AddExactlyOne(presences)
            if previous_end is not None:
                model.Add(start >= previous_end)
            previous_end = end
        if previous_end is not None:
            model.Add(makespan >= previous_end)
    for intervals in per_machine:
        if len(intervals) > 1:
            model.AddNoOverlap(intervals)
    model.Minimize(makespan)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = threads
    status = solver.Solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return int(solver.ObjectiveValue())
    return None


def load_bounds(set_dir):
    """Upper bounds by instance name for the set, from the nearest bks.csv above the set."""
    directory = os.path.abspath(set_dir)
    probe = directory
    while True:
        candidate = os.path.join(probe, "bks.csv")
        if os.path.isfile(candidate):
            break
        parent = os.path.dirname(probe)
        if parent == probe:
            return {}
        probe = parent
    parts = os.path.relpath(directory, probe).split(os.sep)
    if parts and parts[0] in ("fjsp", "jssp"):
        parts = parts[1:]
    set_name = "_".join(parts)
    bounds = {}
    with open(candidate) as handle:
        for row in csv.DictReader(handle):
            if row["set"] == set_name:
                bounds[row["instance"]] = int(row["upper_bound"])
    return bounds


def load_zhizao(path):
    """Found makespans from a zhizao benchmark table (output of `zhizao bench schedule`)."""
    found = {}
    with open(path) as handle:
        for line in handle:
            fields = line.split()
            if len(fields) >= 7 and re.fullmatch(r"\d+x\d+", fields[1]):
                found[fields[0]] = int(fields[4])
    return found


def mean(values):
    return sum(values) / len(values) if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", required=True, help="directory of instance files")
    parser.add_argument("--time-limit", type=float, required=True, help="seconds per instance")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--limit", type=int, help="only the first N instances in name order")
    parser.add_argument("--only", help="comma-separated instance names")
    parser.add_argument("--zhizao-results", help="zhizao benchmark table to compare with")
    arguments = parser.parse_args()

    files = sorted(
        name for name in os.listdir(arguments.set) if name.endswith((".fjs", ".txt"))
    )
    if arguments.only:
        wanted = set(arguments.only.split(","))
        files = [name for name in files if os.path.splitext(name)[0] in wanted]
    if arguments.limit:
        files = files[: arguments.limit]
    bounds = load_bounds(arguments.set)
    zhizao = load_zhizao(arguments.zhizao_results) if arguments.zhizao_results else {}

    print(f"{'instance':<12} {'ub':>7} {'zhizao':>7} {'cp-sat':>7} {'zhizao %':>9} {'cp-sat %':>9} {'time s':>7}")
    zhizao_gaps, cpsat_gaps = [], []
    for name in files:
        instance = os.path.splitext(name)[0]
        jobs, n_machines = read_instance(os.path.join(arguments.set, name))
        started = time.monotonic()
        value = solve_cpsat(jobs, n_machines, arguments.time_limit, arguments.threads)
        elapsed = time.monotonic() - started
        upper = bounds.get(instance)
        ours = zhizao.get(instance)

        def gap(found):
            if found is None or upper is None:
                return None
            return 100.0 * (found - upper) / upper

        cpsat_gap, zhizao_gap = gap(value), gap(ours)
        if cpsat_gap is not None:
            cpsat_gaps.append(cpsat_gap)
        if zhizao_gap is not None:
            zhizao_gaps.append(zhizao_gap)
        show = lambda x, f="{:.2f}": "-" if x is None else f.format(x)
        print(
            f"{instance:<12} {show(upper, '{}'):>7} {show(ours, '{}'):>7} {show(value, '{}'):>7}"
            f" {show(zhizao_gap):>9} {show(cpsat_gap):>9} {elapsed:>7.1f}",
            flush=True,
        )
    if zhizao:
        print(f"zhizao mean gap: {mean(zhizao_gaps):.2f}%")
    print(f"cp-sat mean gap: {mean(cpsat_gaps):.2f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
