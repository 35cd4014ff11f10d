//! Iterated tabu search on the disjunctive graph.
//!
//! Each iteration takes one critical path of the current schedule, splits it into critical
//! blocks (maximal runs of operations that follow each other directly on one machine) and
//! builds two kinds of moves:
//!
//! * block moves (the N7 neighbourhood of Zhang et al., a superset of Nowicki & Smutnicki's N5
//!   and N6): move an operation of a block to the front or the back of the block, or move the
//!   first or last operation into the block's interior;
//! * reassignments (Mastrolilli & Gambardella): take a critical operation off its machine and
//!   insert it into another eligible machine's sequence, at the cycle-free position that
//!   minimizes the estimated longest path through it.
//!
//! For makespan, moves are ranked by a fast estimate of the longest path through the operations
//! they touch (heads and tails recomputed only along the moved segment), the best non-tabu move
//! is applied and the schedule fully re-decoded, so the objective is always exact. For the
//! tardiness objectives moves are evaluated exactly (apply, decode, measure, undo). When a phase
//! stalls, its best solution joins a small elite pool and the search restarts, after a small
//! random perturbation, from the overall best or from a random elite.

use std::collections::HashMap;
use std::time::Instant;

use crate::model::Time;
use crate::rng::Rng;
use crate::schedule::Objective;
use crate::solve::state::{Cost, NONE, Problem, State};

/// Where the search must stop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) deadline: Instant,
    pub(crate) max_iterations: Option<u64>,
}

/// Tuning knobs derived from the instance size.
#[derive(Debug, Clone, Copy)]
struct Parameters {
    tenure_min: u64,
    tenure_span: u64,
    stall_limit: u64,
    perturbation_moves: usize,
    exact_sample: usize,
    elite_pool: usize,
}

impl Parameters {
    /// Values measured on Brandimarte, Hurink and Taillard subsets: flexible instances (more
    /// than one machine per operation on average) prefer a short tenure and frequent restarts,
    /// classic job shops a longer tenure and long phases.
    fn for_problem(problem: &Problem) -> Parameters {
        let ratio = (problem.n_jobs / problem.n_machines.max(1)) as u64;
        let n = problem.n_operations as u64;
        let flexible =
            problem.alternative_machine.len() as f64 > 1.05 * problem.n_operations.max(1) as f64;
        let (tenure_base, stall_limit) = if flexible {
            (5, (500 + n).min(20_000))
        } else {
            (15, (2_000 + 20 * n).min(50_000))
        };
        let tenure_min = tenure_base + ratio;
        Parameters {
            tenure_min,
            tenure_span: tenure_min / 2,
            stall_limit,
            perturbation_moves: 3,
            exact_sample: 48,
            elite_pool: 8,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Move {
    operation: u32,
    /// Target alternative (global index).
    alternative: u32,
    /// Target position in the target machine's sequence, counted after removing the operation.
    position: u32,
    estimate: Time,
    /// Whether the move stays on the operation's machine.
    same_machine: bool,
}

/// Tabu status of "operation a directly or indirectly before operation b on a machine".
enum ArcTabu {
    Dense { n: usize, until: Vec<u64> },
    Sparse(HashMap<(u32, u32), u64>),
}

impl ArcTabu {
    fn new(n: usize) -> ArcTabu {
        if n <= 2048 {
            ArcTabu::Dense {
                n,
                until: vec![0; n * n],
            }
        } else {
            ArcTabu::Sparse(HashMap::new())
        }
    }

    #[inline]
    fn get(&self, before: u32, after: u32) -> u64 {
        match self {
            ArcTabu::Dense { n, until } => until[before as usize * n + after as usize],
            ArcTabu::Sparse(map) => map.get(&(before, after)).copied().unwrap_or(0),
        }
    }

    fn set(&mut self, before: u32, after: u32, value: u64, now: u64) {
        match self {
            ArcTabu::Dense { n, until } => until[before as usize * *n + after as usize] = value,
            ArcTabu::Sparse(map) => {
                if map.len() > 1 << 16 {
                    map.retain(|_, until| *until > now);
                }
                map.insert((before, after), value);
            }
        }
    }
}

/// The outcome of one search run.
pub(crate) struct SearchOutcome {
    pub(crate) best: State,
    pub(crate) cost: Cost,
    pub(crate) iterations: u64,
}

pub(crate) struct Search<'a> {
    problem: &'a Problem,
    parameters: Parameters,
    rng: Rng,
    iteration: u64,
    path: Vec<u32>,
    moves: Vec<Move>,
    arc_tabu: ArcTabu,
    alternative_tabu: Vec<u64>,
    segment: Vec<u32>,
    segment_heads: Vec<Time>,
    segment_tails: Vec<Time>,
}

impl<'a> Search<'a> {
    pub(crate) fn new(problem: &'a Problem, seed: u64) -> Search<'a> {
        Search {
            problem,
            parameters: Parameters::for_problem(problem),
            rng: Rng::new(seed),
            iteration: 0,
            path: Vec::new(),
            moves: Vec::new(),
            arc_tabu: ArcTabu::new(problem.n_operations),
            alternative_tabu: vec![0; problem.alternative_machine.len()],
            segment: Vec::new(),
            segment_heads: Vec::new(),
            segment_tails: Vec::new(),
        }
    }

    /// Improves a decoded state until the limits are reached or the cost is provably optimal.
    /// `on_improvement` is called with each new best cost.
    pub(crate) fn run(
        &mut self,
        mut state: State,
        limits: Limits,
        stop: &dyn Fn() -> bool,
        on_improvement: &mut dyn FnMut(Cost),
    ) -> SearchOutcome {
        let problem = self.problem;
        state.compute_tails(problem);
        let mut best = state.clone();
        let mut best_cost = state.cost(problem);
        on_improvement(best_cost);
        let mut stall = 0u64;
        let mut iterations = 0u64;
        // The best solution of the current phase (since the last restart) and an elite pool of
        // phase bests to restart from.
        let mut phase_best = state.clone();
        let mut phase_cost = best_cost;
        let mut elites: Vec<(Cost, State)> = Vec::new();
        loop {
            if self.is_optimal(best_cost) {
                break;
            }
            if iterations.is_multiple_of(16) && (Instant::now() >= limits.deadline || stop()) {
                break;
            }
            if limits.max_iterations.is_some_and(|max| iterations >= max) {
                break;
            }
            iterations += 1;
            self.iteration += 1;
            // Estimates ignore windows and releases; with extensions, evaluate exactly.
            let estimated = problem.objective == Objective::Makespan
                && !problem.has_windows
                && !problem.has_setups;
            let moved = if estimated {
                self.step_estimated(&mut state, best_cost)
            } else {
                self.step_exact(&mut state, best_cost)
            };
            if !moved {
                stall = self.parameters.stall_limit;
            } else {
                state.compute_tails(problem);
                let cost = state.cost(problem);
                if cost < best_cost {
                    best_cost = cost;
                    best.clone_from(&state);
                    on_improvement(best_cost);
                }
                if cost < phase_cost {
                    phase_cost = cost;
                    phase_best.clone_from(&state);
                    stall = 0;
                    continue;
                }
                stall += 1;
            }
            if stall >= self.parameters.stall_limit {
                stall = 0;
                self.remember_elite(&mut elites, phase_cost, &phase_best);
                if elites.is_empty() || self.rng.chance(1, 2) {
                    state.clone_from(&best);
                } else {
                    let pick = self.rng.below(elites.len());
                    state.clone_from(&elites[pick].1);
                }
                self.perturb(&mut state);
                phase_cost = state.cost(problem);
                phase_best.clone_from(&state);
            }
        }
        SearchOutcome {
            best,
            cost: best_cost,
            iterations,
        }
    }

    /// Adds a phase's best solution to the elite pool unless it is already there or worse
    /// than every member of a full pool.
    fn remember_elite(&mut self, elites: &mut Vec<(Cost, State)>, cost: Cost, state: &State) {
        if elites
            .iter()
            .any(|(elite_cost, elite)| *elite_cost == cost && elite.start == state.start)
        {
            return;
        }
        if elites.len() < self.parameters.elite_pool {
            elites.push((cost, state.clone()));
        } else if let Some(worst) = (0..elites.len()).max_by_key(|&index| elites[index].0)
            && cost < elites[worst].0
        {
            elites[worst] = (cost, state.clone());
        }
    }

    fn is_optimal(&self, cost: Cost) -> bool {
        match self.problem.objective {
            Objective::Makespan => cost.0 <= self.problem.makespan_lower_bound,
            Objective::Tardiness => cost.0 == 0,
            Objective::TardinessThenMakespan => {
                cost.0 == 0 && cost.1 <= self.problem.makespan_lower_bound
            }
        }
    }

    /// The operation a critical path ends at: for makespan (or when nothing is tardy) one whose
    /// end is the makespan, otherwise the last operation of a tardy job.
    fn path_end(&mut self, state: &State) -> u32 {
        let problem = self.problem;
        if problem.objective != Objective::Makespan {
            let mut chosen = NONE;
            let mut total_weight: u64 = 0;
            for job in 0..problem.n_jobs {
                let (Some(due), Some(last)) = (problem.due[job], problem.job_last(job)) else {
                    continue;
                };
                let tardiness = state.end(last) - due;
                if tardiness > 0 {
                    let weight = problem.weight[job].max(1).saturating_mul(tardiness) as u64;
                    total_weight = total_weight.saturating_add(weight);
                    if (self.rng.next_u64() % total_weight) < weight {
                        chosen = last;
                    }
                }
            }
            if chosen != NONE {
                return chosen;
            }
        }
        let mut chosen = NONE;
        let mut best_end = Time::MIN;
        let mut ties = 0usize;
        for operation in 0..problem.n_operations as u32 {
            let end = state.end(operation);
            if end > best_end {
                best_end = end;
                chosen = operation;
                ties = 1;
            } else if end == best_end {
                ties += 1;
                if self.rng.below(ties) == 0 {
                    chosen = operation;
                }
            }
        }
        chosen
    }

    /// Traces a critical path back from `end` through tight arcs into `self.path`.
    fn trace_path(&mut self, state: &State, end: u32) {
        let problem = self.problem;
        self.path.clear();
        let mut operation = end;
        loop {
            self.path.push(operation);
            let index = operation as usize;
            if problem.is_frozen(operation) {
                break;
            }
            let start = state.start[index];
            let job_previous = problem.job_previous[index];
            let job_tight = job_previous != NONE && state.end(job_previous) == start;
            let machine_previous = state.machine_previous(operation);
            let machine_tight = machine_previous != NONE
                && state.end(machine_previous)
                    + problem.setup(state.machine[index], machine_previous, operation)
                    == start;
            operation = match (job_tight, machine_tight) {
                (true, true) => {
                    if self.rng.chance(1, 2) {
                        job_previous
                    } else {
                        machine_previous
                    }
                }
                (true, false) => job_previous,
                (false, true) => machine_previous,
                // Delayed by a window or a release: keep following the later predecessor, since
                // moving work before it may let this operation start before the window.
                (false, false) => match (job_previous != NONE, machine_previous != NONE) {
                    (false, false) => break,
                    (true, false) => job_previous,
                    (false, true) => machine_previous,
                    (true, true) => {
                        if state.end(job_previous) >= state.end(machine_previous) {
                            job_previous
                        } else {
                            machine_previous
                        }
                    }
                },
            };
        }
        self.path.reverse();
    }

    /// Fills `self.moves` with block moves and reassignments along `self.path`.
    fn collect_moves(&mut self, state: &State) {
        let problem = self.problem;
        self.moves.clear();
        let path = std::mem::take(&mut self.path);
        let mut block_start = 0;
        for index in 1..=path.len() {
            let continues = index < path.len() && {
                let (previous, operation) = (path[index - 1], path[index]);
                state.machine[previous as usize] == state.machine[operation as usize]
                    && state.position[operation as usize] == state.position[previous as usize] + 1
            };
            if continues {
                continue;
            }
            let length = index - block_start;
            if length >= 2 {
                let first = path[block_start];
                let machine = state.machine[first as usize];
                let first_position = state.position[first as usize] as usize;
                let last_position = first_position + length - 1;
                // Move to the front and to the back of the block.
                for offset in 1..length {
                    self.push_shift(state, machine, first_position + offset, first_position);
                }
                for offset in 0..length - 1 {
                    self.push_shift(state, machine, first_position + offset, last_position);
                }
                // Move the first or the last operation into the interior.
                for offset in 2..length.saturating_sub(1) {
                    self.push_shift(state, machine, first_position, first_position + offset);
                }
                for offset in 1..length.saturating_sub(2) {
                    self.push_shift(state, machine, last_position, first_position + offset);
                }
            }
            block_start = index;
        }
        for &operation in &path {
            if problem.is_frozen(operation) {
                continue;
            }
            let alternatives = problem.alternatives(operation);
            if alternatives.len() > 1 {
                for global in alternatives {
                    if global as u32 != state.alternative[operation as usize] {
                        self.push_reassignment(state, operation, global as u32);
                    }
                }
            }
        }
        self.path = path;
    }

    /// Adds the move of the operation at `from` to `to` on the same machine, with its estimate.
    fn push_shift(&mut self, state: &State, machine: u32, from: usize, to: usize) {
        let sequence = &state.sequences[machine as usize];
        let low = from.min(to);
        if self.problem.is_frozen(sequence[low]) || self.problem.is_frozen(sequence[from]) {
            return;
        }
        let operation = sequence[from];
        let estimate = self.estimate_shift(state, machine, from, to);
        self.moves.push(Move {
            operation,
            alternative: state.alternative[operation as usize],
            position: to as u32,
            estimate,
            same_machine: true,
        });
    }

    /// Longest path through the segment between `from` and `to` after the shift, with heads and
    /// tails recomputed along the segment only (the Balas–Vazacopoulos style estimate).
    fn estimate_shift(&mut self, state: &State, machine: u32, from: usize, to: usize) -> Time {
        let problem = self.problem;
        let sequence = &state.sequences[machine as usize];
        let operation = sequence[from];
        self.segment.clear();
        let (low, high) = if to > from {
            self.segment.extend_from_slice(&sequence[from + 1..=to]);
            self.segment.push(operation);
            (from, to)
        } else {
            self.segment.push(operation);
            self.segment.extend_from_slice(&sequence[to..from]);
            (to, from)
        };
        let length = self.segment.len();
        self.segment_heads.resize(length, 0);
        self.segment_tails.resize(length, 0);
        let mut previous = if low > 0 { sequence[low - 1] } else { NONE };
        let mut previous_end = if previous != NONE {
            state.end(previous)
        } else {
            0
        };
        for index in 0..length {
            let current = self.segment[index];
            let mut head = problem.earliest[current as usize];
            let job_previous = problem.job_previous[current as usize];
            if job_previous != NONE {
                head = head.max(state.end(job_previous));
            }
            if previous != NONE {
                head = head.max(previous_end + problem.setup(machine, previous, current));
            }
            self.segment_heads[index] = head;
            previous = current;
            previous_end = head + state.duration[current as usize];
        }
        let mut next = if high + 1 < sequence.len() {
            sequence[high + 1]
        } else {
            NONE
        };
        let mut next_tail = if next != NONE {
            state.tail[next as usize]
        } else {
            0
        };
        let mut longest = 0;
        for index in (0..length).rev() {
            let current = self.segment[index];
            let mut tail = 0;
            let job_next = problem.job_next[current as usize];
            if job_next != NONE {
                tail = state.tail[job_next as usize] + state.duration[job_next as usize];
            }
            if next != NONE {
                tail = tail.max(
                    next_tail
                        + state.duration[next as usize]
                        + problem.setup(machine, current, next),
                );
            }
            self.segment_tails[index] = tail;
            longest =
                longest.max(self.segment_heads[index] + state.duration[current as usize] + tail);
            next = current;
            next_tail = tail;
        }
        longest
    }

    /// Adds the best cycle-free insertion of `operation` into the sequence of alternative
    /// `global`'s machine.
    fn push_reassignment(&mut self, state: &State, operation: u32, global: u32) {
        let problem = self.problem;
        let index = operation as usize;
        let machine = problem.alternative_machine[global as usize];
        let duration = problem.alternative_duration[global as usize];
        let sequence = &state.sequences[machine as usize];
        let job_previous = problem.job_previous[index];
        let job_next = problem.job_next[index];
        // Positions are cycle-free when every operation before is topologically before the job
        // successor and every operation after is topologically after the job predecessor.
        let range = self.reassignment_range(state, operation, global);
        let (low, high) = (*range.start(), *range.end());
        if low > high {
            return;
        }
        let mut head_base = problem.earliest[index];
        if job_previous != NONE {
            head_base = head_base.max(state.end(job_previous));
        }
        let tail_base = if job_next != NONE {
            state.tail[job_next as usize] + state.duration[job_next as usize]
        } else {
            0
        };
        let mut best = Time::MAX;
        let mut best_position = low;
        let mut ties = 0usize;
        for position in low..=high {
            let mut head = head_base;
            if position > 0 {
                let previous = sequence[position - 1];
                head = head.max(state.end(previous) + problem.setup(machine, previous, operation));
            }
            let mut tail = tail_base;
            if position < sequence.len() {
                let next = sequence[position];
                tail = tail.max(
                    state.tail[next as usize]
                        + state.duration[next as usize]
                        + problem.setup(machine, operation, next),
                );
            }
            let estimate = head + duration + tail;
            if estimate < best {
                best = estimate;
                best_position = position;
                ties = 1;
            } else if estimate == best {
                ties += 1;
                if self.rng.below(ties) == 0 {
                    best_position = position;
                }
            }
        }
        self.moves.push(Move {
            operation,
            alternative: global,
            position: best_position as u32,
            estimate: best,
            same_machine: false,
        });
    }

    fn is_tabu(&self, state: &State, candidate: &Move) -> bool {
        let iteration = self.iteration;
        if !candidate.same_machine {
            return self.alternative_tabu[candidate.alternative as usize] > iteration;
        }
        let operation = candidate.operation;
        let machine = state.machine[operation as usize] as usize;
        let from = state.position[operation as usize] as usize;
        let to = candidate.position as usize;
        let sequence = &state.sequences[machine];
        if to > from {
            sequence[from + 1..=to]
                .iter()
                .any(|&other| self.arc_tabu.get(other, operation) > iteration)
        } else {
            sequence[to..from]
                .iter()
                .any(|&other| self.arc_tabu.get(operation, other) > iteration)
        }
    }

    /// Applies a move, recording what it undoes in the tabu structures; returns the undo move.
    fn apply(&mut self, state: &mut State, candidate: &Move, record_tabu: bool) -> Move {
        let operation = candidate.operation;
        let index = operation as usize;
        let undo = Move {
            operation,
            alternative: state.alternative[index],
            position: state.position[index],
            estimate: 0,
            same_machine: candidate.same_machine,
        };
        if record_tabu {
            let tenure = self.parameters.tenure_min
                + self.rng.below(self.parameters.tenure_span as usize + 1) as u64;
            let until = self.iteration + tenure;
            if candidate.same_machine {
                let machine = state.machine[index] as usize;
                let from = state.position[index] as usize;
                let to = candidate.position as usize;
                let sequence = &state.sequences[machine];
                if to > from {
                    for &other in &sequence[from + 1..=to] {
                        self.arc_tabu.set(operation, other, until, self.iteration);
                    }
                } else {
                    for &other in &sequence[to..from] {
                        self.arc_tabu.set(other, operation, until, self.iteration);
                    }
                }
            } else {
                self.alternative_tabu[state.alternative[index] as usize] = until;
            }
        }
        state.relocate(
            self.problem,
            operation,
            candidate.alternative,
            candidate.position as usize,
        );
        undo
    }

    /// A random operation moved to a random eligible machine and position (cycle-free when it
    /// changes machine; a same-machine shift may cycle and is then undone by the caller).
    fn random_relocation(&mut self, state: &State) -> Option<Move> {
        let problem = self.problem;
        let operation = self.rng.below(problem.n_operations) as u32;
        if problem.is_frozen(operation) {
            return None;
        }
        let alternatives = problem.alternatives(operation);
        let global = (alternatives.start + self.rng.below(alternatives.len())) as u32;
        if global == state.alternative[operation as usize] {
            let machine = state.machine[operation as usize] as usize;
            let sequence = &state.sequences[machine];
            let frozen_prefix = sequence.partition_point(|&other| problem.is_frozen(other));
            if sequence.len() <= frozen_prefix + 1 {
                return None;
            }
            let position = frozen_prefix + self.rng.below(sequence.len() - frozen_prefix);
            return Some(Move {
                operation,
                alternative: global,
                position: position as u32,
                estimate: 0,
                same_machine: true,
            });
        }
        self.moves.clear();
        self.push_reassignment(state, operation, global);
        let mut candidate = self.moves.pop()?;
        // Any cycle-free position, not only the best estimated one.
        let machine = problem.alternative_machine[global as usize] as usize;
        let length = state.sequences[machine].len();
        let position = self.rng.below(length + 1) as u32;
        if self
            .reassignment_range(state, operation, global)
            .contains(&(position as usize))
        {
            candidate.position = position;
        }
        Some(candidate)
    }

    /// Cycle-free insertion positions of `operation` in the sequence of `global`'s machine.
    fn reassignment_range(
        &self,
        state: &State,
        operation: u32,
        global: u32,
    ) -> std::ops::RangeInclusive<usize> {
        let problem = self.problem;
        let machine = problem.alternative_machine[global as usize];
        let sequence = &state.sequences[machine as usize];
        let job_previous = problem.job_previous[operation as usize];
        let job_next = problem.job_next[operation as usize];
        let frozen_prefix = sequence.partition_point(|&other| problem.is_frozen(other));
        let low = if job_previous != NONE {
            let rank = state.topological_rank[job_previous as usize];
            sequence.partition_point(|&other| state.topological_rank[other as usize] <= rank)
        } else {
            0
        }
        .max(frozen_prefix);
        let high = if job_next != NONE {
            let rank = state.topological_rank[job_next as usize];
            sequence.partition_point(|&other| state.topological_rank[other as usize] < rank)
        } else {
            sequence.len()
        };
        low..=high
    }

    /// The lowest topological rank among the operations whose predecessors a move changes.
    /// Operations ranked below keep their heads, so decoding can resume from there.
    fn first_changed_rank(&self, state: &State, candidate: &Move) -> usize {
        let operation = candidate.operation as usize;
        let machine = self.problem.alternative_machine[candidate.alternative as usize] as usize;
        let sequence = &state.sequences[machine];
        let position = candidate.position as usize;
        let rank = if candidate.same_machine {
            let low = (state.position[operation] as usize).min(position);
            state.topological_rank[sequence[low] as usize]
        } else {
            let mut rank = state.topological_rank[operation];
            if let Some(&next) = sequence.get(position) {
                rank = rank.min(state.topological_rank[next as usize]);
            }
            rank
        };
        rank as usize
    }

    /// One iteration for makespan: pick the best admissible move by estimate. False if no move
    /// could be applied.
    fn step_estimated(&mut self, state: &mut State, best_cost: Cost) -> bool {
        let end = self.path_end(state);
        self.trace_path(state, end);
        self.collect_moves(state);
        let mut candidates = std::mem::take(&mut self.moves);
        let moved = loop {
            let mut chosen: Option<usize> = None;
            let mut chosen_estimate = Time::MAX;
            let mut ties = 0usize;
            for (index, candidate) in candidates.iter().enumerate() {
                if candidate.estimate > chosen_estimate {
                    continue;
                }
                let admissible =
                    candidate.estimate < best_cost.0 || !self.is_tabu(state, candidate);
                if !admissible {
                    continue;
                }
                if candidate.estimate < chosen_estimate {
                    chosen_estimate = candidate.estimate;
                    chosen = Some(index);
                    ties = 1;
                } else {
                    ties += 1;
                    if self.rng.below(ties) == 0 {
                        chosen = Some(index);
                    }
                }
            }
            let chosen = match chosen {
                Some(index) => index,
                None if candidates.is_empty() => break false,
                // Everything is tabu: take a random move rather than stand still.
                None => self.rng.below(candidates.len()),
            };
            let candidate = candidates.swap_remove(chosen);
            let first_rank = self.first_changed_rank(state, &candidate);
            let undo = self.apply(state, &candidate, true);
            if state.decode_from(self.problem, first_rank) {
                break true;
            }
            self.apply(state, &undo, false);
            state.decode(self.problem);
        };
        self.moves = candidates;
        moved
    }

    /// One iteration for the tardiness objectives: evaluate a sample of moves exactly.
    fn step_exact(&mut self, state: &mut State, best_cost: Cost) -> bool {
        let problem = self.problem;
        let end = self.path_end(state);
        self.trace_path(state, end);
        self.collect_moves(state);
        let mut candidates = std::mem::take(&mut self.moves);
        while candidates.len() > self.parameters.exact_sample {
            let index = self.rng.below(candidates.len());
            candidates.swap_remove(index);
        }
        let mut chosen: Option<(usize, Cost)> = None;
        let mut fallback: Option<(usize, Cost)> = None;
        for (index, &candidate) in candidates.iter().enumerate() {
            let tabu = self.is_tabu(state, &candidate);
            let undo = self.apply(state, &candidate, false);
            let cost = state.decode(problem).then(|| state.cost(problem));
            self.apply(state, &undo, false);
            let Some(cost) = cost else { continue };
            if !tabu || cost < best_cost {
                if chosen.is_none_or(|(_, chosen_cost)| cost < chosen_cost) {
                    chosen = Some((index, cost));
                }
            } else if fallback.is_none_or(|(_, fallback_cost)| cost < fallback_cost) {
                fallback = Some((index, cost));
            }
        }
        let moved = match chosen.or(fallback) {
            Some((index, _)) => {
                let candidate = candidates[index];
                self.apply(state, &candidate, true);
                true
            }
            None => false,
        };
        state.decode(problem);
        self.moves = candidates;
        moved
    }

    /// Applies a few random moves (used after a stall), skipping any that cycle. Most are
    /// critical moves; some relocate any operation anywhere, which keeps every solution
    /// reachable even when set-ups or windows hide the improving moves off the critical path.
    fn perturb(&mut self, state: &mut State) {
        let problem = self.problem;
        let count = 1 + self.rng.below(self.parameters.perturbation_moves);
        for _ in 0..count {
            let candidate = if self.rng.chance(1, 3) {
                match self.random_relocation(state) {
                    Some(candidate) => candidate,
                    None => continue,
                }
            } else {
                let end = self.path_end(state);
                self.trace_path(state, end);
                self.collect_moves(state);
                if self.moves.is_empty() {
                    break;
                }
                self.moves[self.rng.below(self.moves.len())]
            };
            let undo = self.apply(state, &candidate, false);
            if !state.decode(problem) {
                self.apply(state, &undo, false);
                state.decode(problem);
            }
            state.compute_tails(problem);
        }
        // Forget the tabu list: the perturbed solution is a fresh start.
        self.iteration += 10 * (self.parameters.tenure_min + self.parameters.tenure_span);
    }
}
