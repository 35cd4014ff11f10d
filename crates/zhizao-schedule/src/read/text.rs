//! The two whitespace-separated text formats, read line by line so errors can name the line.

use crate::model::{Alternative, InstanceParts, Job, MAX_MACHINES, MAX_TIME_VALUE, Operation};
use crate::{Error, Instance, Result};

/// Largest job count a header may announce (guards against absurd headers, not real shops).
const MAX_JOBS: u64 = 10_000_000;

/// The tokens of one non-blank line, consumed in order with descriptive errors.
struct LineTokens<'a> {
    number: usize,
    tokens: std::str::SplitWhitespace<'a>,
}

impl<'a> LineTokens<'a> {
    /// Reads the next token as an integer in `min..=max`, describing it as `what` in errors.
    fn integer(&mut self, what: &str, min: u64, max: u64) -> Result<u64> {
        let Some(token) = self.tokens.next() else {
            return Err(Error::parse(
                self.number,
                format!("expected {what}, found end of line"),
            ));
        };
        match token.parse::<u64>() {
            Ok(value) if (min..=max).contains(&value) => Ok(value),
            Ok(_) => Err(Error::parse(
                self.number,
                format!("expected {what} between {min} and {max}, found {token:?}"),
            )),
            Err(_) => Err(Error::parse(
                self.number,
                format!(
                    "expected {what} (a non-negative integer), found {:?}",
                    shorten(token)
                ),
            )),
        }
    }

    fn finish(mut self, what: &str) -> Result<()> {
        match self.tokens.next() {
            None => Ok(()),
            Some(token) => Err(Error::parse(
                self.number,
                format!(
                    "expected end of line after {what}, found {:?}",
                    shorten(token)
                ),
            )),
        }
    }
}

fn shorten(token: &str) -> String {
    token.chars().take(20).collect()
}

/// Non-blank, non-comment lines with their 1-based numbers.
fn content_lines(bytes: &[u8]) -> Result<Vec<LineTokens<'_>>> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let valid = &bytes[..error.valid_up_to()];
            let line = valid.iter().filter(|&&byte| byte == b'\n').count() + 1;
            return Err(Error::parse(
                line,
                "expected ASCII text, found invalid UTF-8",
            ));
        }
    };
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            let trimmed = line.trim();
            !trimmed.is_empty() && !trimmed.starts_with('#')
        })
        .map(|(index, line)| LineTokens {
            number: index + 1,
            tokens: line.split_whitespace(),
        })
        .collect())
}

fn last_line_number(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&byte| byte == b'\n').count() + 1
}

/// Parses the header `n_jobs n_machines` (plus, for `.fjs`, an optional informational number).
fn header(line: Option<LineTokens<'_>>, bytes: &[u8], optional_third: bool) -> Result<(u64, u64)> {
    let Some(mut line) = line else {
        return Err(Error::parse(
            last_line_number(bytes),
            "expected a header line \"n_jobs n_machines\", found end of file",
        ));
    };
    let n_jobs = line.integer("the number of jobs", 0, MAX_JOBS)?;
    let n_machines = line.integer("the number of machines", 1, MAX_MACHINES as u64)?;
    if optional_third && let Some(token) = line.tokens.next() {
        // Informational average flexibility; any number is accepted, nothing else.
        if token.parse::<f64>().is_err() {
            return Err(Error::parse(
                line.number,
                format!(
                    "expected the average number of machines per operation (a number), found {:?}",
                    shorten(token)
                ),
            ));
        }
    }
    line.finish("the header")?;
    Ok((n_jobs, n_machines))
}

fn finish_parts(
    name: &str,
    n_machines: u64,
    jobs: Vec<Job>,
    extra_line: Option<usize>,
) -> Result<Instance> {
    if let Some(line) = extra_line {
        return Err(Error::parse(
            line,
            "expected end of file after the last job, found more data",
        ));
    }
    Instance::new(InstanceParts {
        name: name.to_owned(),
        n_machines: n_machines as usize,
        jobs,
        ..InstanceParts::default()
    })
}

fn plain_job(operations: Vec<Operation>) -> Job {
    Job {
        name: None,
        release: 0,
        due: None,
        weight: 1,
        operations,
    }
}

/// `.fjs`: header, then one line per job: `n_ops`, then per operation `k` and `k` pairs
/// `machine time` with 1-based machines.
pub(super) fn parse_fjs(bytes: &[u8], name: &str) -> Result<Instance> {
    let lines = content_lines(bytes)?;
    let n_lines = lines.len();
    let mut lines = lines.into_iter();
    let (n_jobs, n_machines) = header(lines.next(), bytes, true)?;
    let mut jobs = Vec::new();
    for job_index in 0..n_jobs {
        let Some(mut line) = lines.next() else {
            return Err(Error::parse(
                last_line_number(bytes),
                format!(
                    "expected the line of job {} (the header announces {n_jobs} jobs, the file has {}), found end of file",
                    job_index + 1,
                    n_lines.saturating_sub(1)
                ),
            ));
        };
        let n_operations = line.integer("the number of operations of the job", 0, 1_000_000)?;
        let mut operations = Vec::new();
        for operation_index in 0..n_operations {
            let k = line.integer(
                &format!(
                    "the number of machines of operation {}",
                    operation_index + 1
                ),
                1,
                n_machines,
            )?;
            let mut alternatives = Vec::new();
            for _ in 0..k {
                let machine = line.integer(
                    &format!("a machine number of operation {}", operation_index + 1),
                    1,
                    n_machines,
                )?;
                let duration = line.integer(
                    &format!("a processing time of operation {}", operation_index + 1),
                    0,
                    MAX_TIME_VALUE as u64,
                )?;
                let machine = machine as usize - 1;
                if alternatives
                    .iter()
                    .any(|alternative: &Alternative| alternative.machine == machine)
                {
                    return Err(Error::parse(
                        line.number,
                        format!(
                            "operation {} lists machine {} twice",
                            operation_index + 1,
                            machine + 1
                        ),
                    ));
                }
                alternatives.push(Alternative {
                    machine,
                    duration: duration as i64,
                });
            }
            operations.push(Operation {
                family: 0,
                alternatives,
                frozen: None,
            });
        }
        line.finish(&format!(
            "the {n_operations} operations of job {}",
            job_index + 1
        ))?;
        jobs.push(plain_job(operations));
    }
    finish_parts(name, n_machines, jobs, lines.next().map(|line| line.number))
}

/// JSSP pair format: header `n_jobs n_machines`, then one line per job with `n_machines` pairs
/// `machine time`, machines 0-based. Lines starting with `#` are comments.
pub(super) fn parse_jssp(bytes: &[u8], name: &str) -> Result<Instance> {
    let lines = content_lines(bytes)?;
    let mut lines = lines.into_iter();
    let (n_jobs, n_machines) = header(lines.next(), bytes, false)?;
    let mut jobs = Vec::new();
    for job_index in 0..n_jobs {
        let Some(mut line) = lines.next() else {
            return Err(Error::parse(
                last_line_number(bytes),
                format!(
                    "expected the line of job {} (the header announces {n_jobs} jobs), found end of file",
                    job_index + 1
                ),
            ));
        };
        let mut operations = Vec::new();
        for operation_index in 0..n_machines {
            let machine = line.integer(
                &format!("the machine of operation {}", operation_index + 1),
                0,
                n_machines - 1,
            )?;
            let duration = line.integer(
                &format!("the processing time of operation {}", operation_index + 1),
                0,
                MAX_TIME_VALUE as u64,
            )?;
            operations.push(Operation {
                family: 0,
                alternatives: vec![Alternative {
                    machine: machine as usize,
                    duration: duration as i64,
                }],
                frozen: None,
            });
        }
        line.finish(&format!("{n_machines} pairs \"machine time\""))?;
        jobs.push(plain_job(operations));
    }
    finish_parts(name, n_machines, jobs, lines.next().map(|line| line.number))
}
