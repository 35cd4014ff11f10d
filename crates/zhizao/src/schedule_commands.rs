//! `zhizao solve`, `zhizao check` and `zhizao bench schedule`: thin wrappers over `zhizao-schedule`.

use clap::Args;

#[derive(Debug, Args)]
pub(crate) struct SolveArgs {}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {}

#[derive(Debug, Args)]
pub(crate) struct BenchScheduleArgs {}

pub(crate) fn solve(_args: SolveArgs) -> anyhow::Result<()> {
    anyhow::bail!("not yet implemented")
}

pub(crate) fn check(_args: CheckArgs) -> anyhow::Result<()> {
    anyhow::bail!("not yet implemented")
}

pub(crate) fn bench(_args: BenchScheduleArgs) -> anyhow::Result<()> {
    anyhow::bail!("not yet implemented")
}
