//! The `zhizao` command: CLI definitions and wiring, nothing else.

mod backup_commands;
mod bench_support;
mod config;
mod dashboard_bench;
mod demo_fleet;
mod factory_bench;
mod mqtt_bench;
mod nesting_commands;
mod notifier;
mod oee_bench;
mod platform_commands;
mod schedule_commands;
mod simulate_command;
mod soak_bench;
mod telemetry_bench;

use clap::{Parser, Subcommand};

use crate::config::{ConfigArgs, ServeArgs};

/// The allocator: ingest allocates small strings on the request threads and frees them on the
/// log's thread, which glibc's allocator handles several times slower than mimalloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Zhizao (智造): the smart-manufacturing public technology service platform.
#[derive(Debug, Parser)]
#[command(name = "zhizao", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    config: ConfigArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the platform: web pages, REST API, metrics.
    Serve(ServeArgs),
    /// Bring the database schema and reference data up to date.
    Migrate,
    /// Write the demo data set into an empty database.
    Demo,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Print the OpenAPI document of the REST API.
    Openapi,
    /// Solve a scheduling instance (FJSP, JSSP or the JSON model).
    Solve(schedule_commands::SolveArgs),
    /// Validate a schedule against its instance, independently of the solver.
    Check(schedule_commands::CheckArgs),
    /// Nest garment pieces into the shortest marker (Zhizao problem JSON or ESICUP instance).
    Nest(nesting_commands::NestArgs),
    /// Validate a marker against its problem, independently of the optimiser.
    CheckMarker(nesting_commands::CheckMarkerArgs),
    /// Plan the markers and lays that cut an order's sizes and colours at the least cost.
    CutPlan(nesting_commands::CutPlanArgs),
    /// Run benchmarks.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Copy the platform's data (database, telemetry, attachments, MQTT sessions) into a new
    /// directory while it runs.
    Backup(backup_commands::BackupArgs),
    /// Bring a backup back into an empty data directory and database.
    Restore(backup_commands::RestoreArgs),
    /// Run a fleet of simulated equipment against a running platform (MQTT or HTTP).
    Simulate(simulate_command::SimulateArgs),
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Create {
        /// The organisation's code (`city`, a township code, a credit code or a slug).
        #[arg(long = "org")]
        organization: String,
        /// Login name.
        #[arg(long)]
        username: String,
        /// city_admin, city_staff, town_staff, platform_staff, enterprise_user or expert.
        #[arg(long)]
        role: String,
        /// Name shown on pages.
        #[arg(long, default_value = "")]
        display_name: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create an API token for a user and print it once.
    Create {
        /// The user the token acts as.
        #[arg(long)]
        username: String,
        /// A label for the token.
        #[arg(long, default_value = "command line")]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Solve every instance of a benchmark directory and report gaps to the best-known bounds.
    Schedule(schedule_commands::BenchScheduleArgs),
    /// HTTP line-protocol ingest into Zhizao (durable) and into InfluxDB 1.x, same data, same run.
    Ingest(telemetry_bench::BenchIngestArgs),
    /// Bytes per stored field value of the simulator's data after compaction, against InfluxDB 1.x.
    Disk(telemetry_bench::BenchDiskArgs),
    /// Query latencies: latest values of every device, one device's day, a full-table aggregate.
    Query(telemetry_bench::BenchQueryArgs),
    /// Tens of thousands of devices connected to the embedded MQTT broker, publishing, held.
    Mqtt(mqtt_bench::BenchMqttArgs),
    /// The polishing centre's day: 300 orders on 72 robots planned by ATCS and by the solver,
    /// and instant quotes against that plan.
    Factory(factory_bench::BenchFactoryArgs),
    /// Nest every instance of a directory and report density gaps to the published records.
    Nesting(nesting_commands::BenchNestingArgs),
    /// Cut-order plans of graded shirts and trousers against a lower bound and one marker per
    /// size.
    CutPlan(nesting_commands::BenchCutPlanArgs),
    /// The polishing centre's OEE over a month of its 72 robots' one-second reports, cold and
    /// warm.
    Oee(oee_bench::BenchOeeArgs),
    /// A platform under a simulated fleet, API users and the planner at once for a long while:
    /// memory, open files and latencies over time.
    Soak(soak_bench::BenchSoakArgs),
    /// The city's dashboard over the demo scaled to a city: the whole city and drill-downs,
    /// warm.
    Dashboard(dashboard_bench::BenchDashboardArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging();
    match cli.command {
        Command::Solve(args) => schedule_commands::solve(args),
        Command::Check(args) => schedule_commands::check(args),
        Command::Bench(BenchCommand::Schedule(args)) => schedule_commands::bench(args),
        Command::Bench(BenchCommand::Factory(args)) => factory_bench::factory(args),
        Command::Nest(args) => nesting_commands::nest(args),
        Command::CheckMarker(args) => nesting_commands::check_marker(args),
        Command::CutPlan(args) => nesting_commands::cut_plan(args),
        Command::Bench(BenchCommand::Nesting(args)) => nesting_commands::bench(args),
        Command::Bench(BenchCommand::CutPlan(args)) => nesting_commands::bench_cut_plan(args),
        Command::Openapi => {
            platform_commands::openapi();
            Ok(())
        }
        command => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                match command {
                    Command::Serve(serve) => platform_commands::serve(&cli.config, &serve).await,
                    Command::Migrate => platform_commands::migrate(&cli.config).await,
                    Command::Demo => platform_commands::demo(&cli.config).await,
                    Command::Backup(args) => backup_commands::backup(&cli.config, &args).await,
                    Command::Restore(args) => backup_commands::restore(&cli.config, &args).await,
                    Command::Simulate(args) => simulate_command::simulate(args).await,
                    Command::Bench(BenchCommand::Ingest(args)) => {
                        telemetry_bench::ingest(args).await
                    }
                    Command::Bench(BenchCommand::Disk(args)) => telemetry_bench::disk(args).await,
                    Command::Bench(BenchCommand::Query(args)) => telemetry_bench::query(args).await,
                    Command::Bench(BenchCommand::Mqtt(args)) => mqtt_bench::mqtt(args).await,
                    Command::Bench(BenchCommand::Oee(args)) => oee_bench::oee(args).await,
                    Command::Bench(BenchCommand::Soak(args)) => soak_bench::soak(args).await,
                    Command::Bench(BenchCommand::Dashboard(args)) => {
                        dashboard_bench::dashboard(args).await
                    }
                    Command::User(UserCommand::Create {
                        organization,
                        username,
                        role,
                        display_name,
                        password_stdin,
                    }) => {
                        platform_commands::create_user(
                            &cli.config,
                            &organization,
                            &username,
                            &role,
                            &display_name,
                            password_stdin,
                        )
                        .await
                    }
                    Command::Token(TokenCommand::Create { username, name }) => {
                        platform_commands::create_token(&cli.config, &username, &name).await
                    }
                    Command::Solve(_)
                    | Command::Check(_)
                    | Command::Bench(BenchCommand::Schedule(_))
                    | Command::Bench(BenchCommand::Factory(_))
                    | Command::Nest(_)
                    | Command::CheckMarker(_)
                    | Command::CutPlan(_)
                    | Command::Bench(BenchCommand::Nesting(_))
                    | Command::Bench(BenchCommand::CutPlan(_))
                    | Command::Openapi => unreachable!("handled above"),
                }
            })
        }
    }
}

/// Logs to standard error; `ZHIZAO_LOG` (or `RUST_LOG`) sets the filter, default `info`.
fn init_logging() {
    let filter = std::env::var("ZHIZAO_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn,jagua_rs=warn".to_owned());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(filter)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
}
