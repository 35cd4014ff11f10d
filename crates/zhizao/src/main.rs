//! The `zhizao` command: CLI definitions and wiring, nothing else.

mod schedule_commands;

use clap::{Parser, Subcommand};

/// Zhizao (智造): the smart-manufacturing public technology service platform.
#[derive(Debug, Parser)]
#[command(name = "zhizao", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Solve a scheduling instance (FJSP, JSSP or the JSON model).
    Solve(schedule_commands::SolveArgs),
    /// Validate a schedule against its instance, independently of the solver.
    Check(schedule_commands::CheckArgs),
    /// Run benchmarks.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Solve every instance of a benchmark directory and report gaps to the best-known bounds.
    Schedule(schedule_commands::BenchScheduleArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Solve(args) => schedule_commands::solve(args),
        Command::Check(args) => schedule_commands::check(args),
        Command::Bench(BenchCommand::Schedule(args)) => schedule_commands::bench(args),
    }
}
