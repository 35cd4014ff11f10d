//! The solver's flat view of an instance ([`Problem`]) and of a solution ([`State`]).
//!
//! A solution is a machine assignment plus one operation sequence per machine. The schedule is
//! the semi-active decoding of those sequences: every operation starts as early as its job
//! predecessor, its machine predecessor plus the set-up between them, its release time and the
//! machine's unavailability windows allow. Extensions are therefore honoured by construction,
//! and the local search only ever changes sequences and assignments.

use crate::model::{Instance, SetupMatrix, Time, Window, earliest_start_avoiding_from};
use crate::schedule::Objective;

/// Marks "no operation" in the index arrays.
pub(crate) const NONE: u32 = u32::MAX;

/// Lexicographic cost: smaller is better.
pub(crate) type Cost = (Time, Time);

/// Flat, index-based copy of an instance, built once per solve.
#[derive(Debug)]
pub(crate) struct Problem {
    pub(crate) n_operations: usize,
    pub(crate) n_machines: usize,
    pub(crate) n_jobs: usize,
    pub(crate) job_of: Vec<u32>,
    pub(crate) job_previous: Vec<u32>,
    pub(crate) job_next: Vec<u32>,
    /// First operation id of each job, plus a final entry `n_operations`.
    pub(crate) job_start: Vec<u32>,
    /// Alternatives of operation `i` are `alternative_offset[i]..alternative_offset[i + 1]`.
    pub(crate) alternative_offset: Vec<u32>,
    pub(crate) alternative_machine: Vec<u32>,
    pub(crate) alternative_duration: Vec<Time>,
    pub(crate) family: Vec<u32>,
    /// Earliest start of each operation (release and current time); the start itself if frozen.
    pub(crate) earliest: Vec<Time>,
    /// Alternative index the operation is frozen on, or `NONE`.
    pub(crate) frozen_alternative: Vec<u32>,
    pub(crate) setups: Vec<Option<SetupMatrix>>,
    pub(crate) has_setups: bool,
    pub(crate) windows: Vec<Vec<Window>>,
    pub(crate) has_windows: bool,
    pub(crate) due: Vec<Option<Time>>,
    pub(crate) weight: Vec<Time>,
    /// Sum of the shortest processing times from this operation to the end of its job.
    pub(crate) remaining_work: Vec<Time>,
    pub(crate) objective: Objective,
    /// A lower bound on the makespan (job chains and single-machine loads).
    pub(crate) makespan_lower_bound: Time,
}

impl Problem {
    pub(crate) fn new(instance: &Instance, objective: Objective) -> Problem {
        let n_machines = instance.n_machines();
        let n_jobs = instance.jobs().len();
        let mut problem = Problem {
            n_operations: instance.n_operations(),
            n_machines,
            n_jobs,
            job_of: Vec::new(),
            job_previous: Vec::new(),
            job_next: Vec::new(),
            job_start: Vec::new(),
            alternative_offset: vec![0],
            alternative_machine: Vec::new(),
            alternative_duration: Vec::new(),
            family: Vec::new(),
            earliest: Vec::new(),
            frozen_alternative: Vec::new(),
            setups: (0..n_machines)
                .map(|machine| instance.setup_matrix(machine).cloned())
                .collect(),
            has_setups: false,
            windows: (0..n_machines)
                .map(|machine| instance.windows(machine).to_vec())
                .collect(),
            has_windows: false,
            due: Vec::new(),
            weight: Vec::new(),
            remaining_work: Vec::new(),
            objective,
            makespan_lower_bound: 0,
        };
        problem.has_setups = problem.setups.iter().any(Option::is_some);
        problem.has_windows = problem.windows.iter().any(|windows| !windows.is_empty());
        let mut exclusive_load = vec![0 as Time; n_machines];
        let mut total_min_work: Time = 0;
        for (job_index, job) in instance.jobs().iter().enumerate() {
            let first = problem.job_of.len() as u32;
            problem.job_start.push(first);
            problem.due.push(job.due);
            problem.weight.push(job.weight);
            let n = job.operations.len() as u32;
            let mut chain = job.release.max(instance.now());
            for (index, operation) in job.operations.iter().enumerate() {
                let id = first + index as u32;
                problem.job_of.push(job_index as u32);
                problem
                    .job_previous
                    .push(if index == 0 { NONE } else { id - 1 });
                problem
                    .job_next
                    .push(if index as u32 + 1 == n { NONE } else { id + 1 });
                problem.family.push(operation.family as u32);
                let mut frozen_alternative = NONE;
                for (alternative_index, alternative) in operation.alternatives.iter().enumerate() {
                    problem.alternative_machine.push(alternative.machine as u32);
                    problem.alternative_duration.push(alternative.duration);
                    if let Some(frozen) = operation.frozen
                        && frozen.machine == alternative.machine
                    {
                        frozen_alternative = alternative_index as u32;
                    }
                }
                problem
                    .alternative_offset
                    .push(problem.alternative_machine.len() as u32);
                problem.frozen_alternative.push(frozen_alternative);
                let min_duration = operation
                    .alternatives
                    .iter()
                    .map(|alternative| alternative.duration)
                    .min()
                    .unwrap_or(0);
                total_min_work += min_duration;
                if operation.alternatives.len() == 1 {
                    exclusive_load[operation.alternatives[0].machine] += min_duration;
                }
                match operation.frozen {
                    Some(frozen) => {
                        problem.earliest.push(frozen.start);
                        let duration = operation.duration_on(frozen.machine).unwrap_or(0);
                        chain = frozen.start + duration;
                    }
                    None => {
                        problem.earliest.push(job.release.max(instance.now()));
                        chain += min_duration;
                    }
                }
            }
            problem.makespan_lower_bound = problem.makespan_lower_bound.max(chain);
            let mut remaining = 0;
            for index in (0..job.operations.len()).rev() {
                let id = (first as usize) + index;
                let offset = problem.alternative_offset[id] as usize;
                let end = problem.alternative_offset[id + 1] as usize;
                remaining += problem.alternative_duration[offset..end]
                    .iter()
                    .copied()
                    .min()
                    .unwrap_or(0);
                problem.remaining_work.push(remaining);
            }
            let length = problem.remaining_work.len();
            problem.remaining_work[length - job.operations.len()..].reverse();
        }
        problem.job_start.push(problem.job_of.len() as u32);
        if instance.now() == 0 && !problem.has_windows {
            let machine_bound = exclusive_load.iter().copied().max().unwrap_or(0);
            let average_bound = (total_min_work + n_machines as Time - 1) / n_machines as Time;
            problem.makespan_lower_bound = problem
                .makespan_lower_bound
                .max(machine_bound)
                .max(average_bound);
        }
        problem
    }

    pub(crate) fn alternatives(&self, operation: u32) -> std::ops::Range<usize> {
        self.alternative_offset[operation as usize] as usize
            ..self.alternative_offset[operation as usize + 1] as usize
    }

    pub(crate) fn is_frozen(&self, operation: u32) -> bool {
        self.frozen_alternative[operation as usize] != NONE
    }

    /// Set-up time on `machine` when `to` directly follows `from`.
    #[inline]
    pub(crate) fn setup(&self, machine: u32, from: u32, to: u32) -> Time {
        if !self.has_setups {
            return 0;
        }
        match &self.setups[machine as usize] {
            Some(matrix) => matrix.time(
                self.family[from as usize] as usize,
                self.family[to as usize] as usize,
            ),
            None => 0,
        }
    }

    pub(crate) fn job_last(&self, job: usize) -> Option<u32> {
        let (first, end) = (self.job_start[job], self.job_start[job + 1]);
        (end > first).then(|| end - 1)
    }
}

/// A solution and its decoded schedule (heads, tails, topological order).
#[derive(Debug, Clone)]
pub(crate) struct State {
    /// Chosen alternative per operation (global alternative index).
    pub(crate) alternative: Vec<u32>,
    pub(crate) machine: Vec<u32>,
    pub(crate) duration: Vec<Time>,
    pub(crate) sequences: Vec<Vec<u32>>,
    pub(crate) position: Vec<u32>,
    /// Machine predecessor and successor of each operation (`NONE` at the ends).
    previous_on_machine: Vec<u32>,
    next_on_machine: Vec<u32>,
    pub(crate) start: Vec<Time>,
    /// Longest path from an operation's end to the end of the schedule (windows ignored).
    pub(crate) tail: Vec<Time>,
    pub(crate) topological: Vec<u32>,
    pub(crate) topological_rank: Vec<u32>,
    indegree: Vec<u8>,
    stack: Vec<u32>,
    /// Per operation, the first unavailability window that mattered when it was last decoded.
    window_hint: Vec<u32>,
}

impl State {
    /// Builds a state from alternatives (global indices) and machine sequences; not decoded yet.
    pub(crate) fn new(problem: &Problem, alternative: Vec<u32>, sequences: Vec<Vec<u32>>) -> State {
        let n = problem.n_operations;
        let machine = alternative
            .iter()
            .map(|&index| problem.alternative_machine[index as usize])
            .collect();
        let duration = alternative
            .iter()
            .map(|&index| problem.alternative_duration[index as usize])
            .collect();
        let mut position = vec![0; n];
        let mut previous_on_machine = vec![NONE; n];
        let mut next_on_machine = vec![NONE; n];
        for sequence in &sequences {
            for (index, &operation) in sequence.iter().enumerate() {
                position[operation as usize] = index as u32;
            }
            for pair in sequence.windows(2) {
                next_on_machine[pair[0] as usize] = pair[1];
                previous_on_machine[pair[1] as usize] = pair[0];
            }
        }
        State {
            alternative,
            machine,
            duration,
            sequences,
            position,
            previous_on_machine,
            next_on_machine,
            start: vec![0; n],
            tail: vec![0; n],
            topological: Vec::with_capacity(n),
            topological_rank: vec![0; n],
            indegree: vec![0; n],
            stack: Vec::with_capacity(n),
            window_hint: vec![0; n],
        }
    }

    #[inline]
    pub(crate) fn machine_previous(&self, operation: u32) -> u32 {
        self.previous_on_machine[operation as usize]
    }

    #[inline]
    pub(crate) fn machine_next(&self, operation: u32) -> u32 {
        self.next_on_machine[operation as usize]
    }

    #[inline]
    pub(crate) fn end(&self, operation: u32) -> Time {
        self.start[operation as usize] + self.duration[operation as usize]
    }

    /// Computes start times (semi-active) and the topological order; false if the sequences
    /// contain a cycle, in which case the state must be changed back before further use.
    pub(crate) fn decode(&mut self, problem: &Problem) -> bool {
        let n = problem.n_operations;
        self.topological.clear();
        self.stack.clear();
        for operation in 0..n {
            let degree = u8::from(problem.job_previous[operation] != NONE)
                + u8::from(self.previous_on_machine[operation] != NONE);
            self.indegree[operation] = degree;
            if degree == 0 {
                self.stack.push(operation as u32);
            }
        }
        self.topological.resize(n, NONE);
        self.run_kahn(problem, 0) == n
    }

    /// Like [`State::decode`], after a move whose changed arcs all end at operations whose
    /// previous topological rank is at least `first_rank`: the operations ranked below keep
    /// their start (none of their predecessors changed), only the rest is recomputed.
    pub(crate) fn decode_from(&mut self, problem: &Problem, first_rank: usize) -> bool {
        let n = problem.n_operations;
        if first_rank == 0 || self.topological.len() != n {
            return self.decode(problem);
        }
        self.stack.clear();
        let first = first_rank as u32;
        for rank in first_rank..n {
            let operation = self.topological[rank];
            let index = operation as usize;
            let job_previous = problem.job_previous[index];
            let machine_previous = self.previous_on_machine[index];
            let degree = u8::from(
                job_previous != NONE && self.topological_rank[job_previous as usize] >= first,
            ) + u8::from(
                machine_previous != NONE
                    && self.topological_rank[machine_previous as usize] >= first,
            );
            self.indegree[index] = degree;
            if degree == 0 {
                self.stack.push(operation);
            }
        }
        self.run_kahn(problem, first_rank) == n
    }

    /// Kahn's algorithm from the operations on the stack, writing ranks from `next_rank` on;
    /// returns the rank after the last operation placed.
    fn run_kahn(&mut self, problem: &Problem, mut next_rank: usize) -> usize {
        while let Some(operation) = self.stack.pop() {
            let index = operation as usize;
            let start = if problem.frozen_alternative[index] != NONE {
                problem.earliest[index]
            } else {
                let mut time = problem.earliest[index];
                let job_previous = problem.job_previous[index];
                if job_previous != NONE {
                    time = time.max(self.end(job_previous));
                }
                let machine_previous = self.previous_on_machine[index];
                let machine = self.machine[index];
                let mut setup = 0;
                if machine_previous != NONE {
                    setup = problem.setup(machine, machine_previous, operation);
                    time = time.max(self.end(machine_previous) + setup);
                }
                if problem.has_windows {
                    let mut hint = self.window_hint[index] as usize;
                    time = earliest_start_avoiding_from(
                        &problem.windows[machine as usize],
                        &mut hint,
                        time,
                        setup,
                        self.duration[index],
                    );
                    self.window_hint[index] = hint as u32;
                }
                time
            };
            self.start[index] = start;
            self.topological_rank[index] = next_rank as u32;
            self.topological[next_rank] = operation;
            next_rank += 1;
            let job_next = problem.job_next[index];
            if job_next != NONE {
                self.indegree[job_next as usize] -= 1;
                if self.indegree[job_next as usize] == 0 {
                    self.stack.push(job_next);
                }
            }
            let machine_next = self.next_on_machine[index];
            if machine_next != NONE {
                self.indegree[machine_next as usize] -= 1;
                if self.indegree[machine_next as usize] == 0 {
                    self.stack.push(machine_next);
                }
            }
        }
        next_rank
    }

    /// Computes tails in reverse topological order (after a successful [`State::decode`]).
    pub(crate) fn compute_tails(&mut self, problem: &Problem) {
        for index in (0..self.topological.len()).rev() {
            let operation = self.topological[index];
            let mut tail = 0;
            let job_next = problem.job_next[operation as usize];
            if job_next != NONE {
                tail = self.tail[job_next as usize] + self.duration[job_next as usize];
            }
            let machine_next = self.machine_next(operation);
            if machine_next != NONE {
                let setup =
                    problem.setup(self.machine[operation as usize], operation, machine_next);
                tail = tail.max(
                    self.tail[machine_next as usize] + self.duration[machine_next as usize] + setup,
                );
            }
            self.tail[operation as usize] = tail;
        }
    }

    pub(crate) fn makespan(&self) -> Time {
        (0..self.start.len())
            .map(|operation| self.end(operation as u32))
            .max()
            .unwrap_or(0)
    }

    pub(crate) fn total_weighted_tardiness(&self, problem: &Problem) -> Time {
        let mut total = 0;
        for job in 0..problem.n_jobs {
            if let (Some(due), Some(last)) = (problem.due[job], problem.job_last(job)) {
                let tardiness = (self.end(last) - due).max(0);
                total = problem.weight[job]
                    .saturating_mul(tardiness)
                    .saturating_add(total);
            }
        }
        total
    }

    /// The cost of the decoded schedule under the problem's objective.
    pub(crate) fn cost(&self, problem: &Problem) -> Cost {
        match problem.objective {
            Objective::Makespan => (self.makespan(), 0),
            Objective::Tardiness => (self.total_weighted_tardiness(problem), 0),
            Objective::TardinessThenMakespan => {
                (self.total_weighted_tardiness(problem), self.makespan())
            }
        }
    }

    /// Moves `operation` to alternative `alternative` (global index) at `position` in that
    /// machine's sequence (counted after removing the operation from its current sequence).
    pub(crate) fn relocate(
        &mut self,
        problem: &Problem,
        operation: u32,
        alternative: u32,
        position: usize,
    ) {
        let index = operation as usize;
        let old_machine = self.machine[index] as usize;
        let old_position = self.position[index] as usize;
        let (previous, next) = (self.previous_on_machine[index], self.next_on_machine[index]);
        if previous != NONE {
            self.next_on_machine[previous as usize] = next;
        }
        if next != NONE {
            self.previous_on_machine[next as usize] = previous;
        }
        self.sequences[old_machine].remove(old_position);
        for (offset, &other) in self.sequences[old_machine][old_position..]
            .iter()
            .enumerate()
        {
            self.position[other as usize] = (old_position + offset) as u32;
        }
        let machine = problem.alternative_machine[alternative as usize];
        self.alternative[index] = alternative;
        self.machine[index] = machine;
        self.duration[index] = problem.alternative_duration[alternative as usize];
        let sequence = &mut self.sequences[machine as usize];
        sequence.insert(position, operation);
        let previous = if position > 0 {
            sequence[position - 1]
        } else {
            NONE
        };
        let next = sequence.get(position + 1).copied().unwrap_or(NONE);
        self.previous_on_machine[index] = previous;
        self.next_on_machine[index] = next;
        if previous != NONE {
            self.next_on_machine[previous as usize] = operation;
        }
        if next != NONE {
            self.previous_on_machine[next as usize] = operation;
        }
        for (offset, &other) in sequence[position..].iter().enumerate() {
            self.position[other as usize] = (position + offset) as u32;
        }
    }
}
