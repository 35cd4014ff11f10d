//! `zhizao serve`, `migrate`, `demo`, `user create`, `token create`, `openapi`: wiring the
//! platform's crates together.

use std::io::Read;
use std::sync::Arc;

use anyhow::Context;
use zhizao_core::{Classified, Clock, SystemClock};
use zhizao_db::{Database, PoolSettings};
use zhizao_identity::{
    Actor, Identity, IdentitySettings, NewUser, PasswordHashing, create_user_in,
};
use zhizao_registry::Registry;
use zhizao_telemetry::{StoreOptions, TelemetryStore};
use zhizao_web::{AppState, WebSettings};

use crate::config::{Config, ConfigArgs, ServeArgs};

/// Opens the database and brings its schema and reference data up to date.
async fn open_database(config: &Config) -> anyhow::Result<Database> {
    prepare_database(&config.data_dir, config.database_url.expose()).await
}

/// Creates `data_dir`, connects to the database at `url` and brings its schema and reference
/// data up to date.
pub(crate) async fn prepare_database(
    data_dir: &std::path::Path,
    url: &str,
) -> anyhow::Result<Database> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
    let db = Database::connect(url, PoolSettings::default()).await?;
    db.migrate().await.context("migrating the database")?;
    zhizao_registry::reference::sync(&db)
        .await
        .context("writing reference data")?;
    Ok(db)
}

/// This node's client id at an external MQTT broker: made once and kept in the data directory
/// (`mqtt-client-id`), so that after a restart the node resumes its persistent session and
/// takes the messages the broker queued for it meanwhile.
fn node_client_id(data_dir: &std::path::Path) -> anyhow::Result<String> {
    let path = data_dir.join("mqtt-client-id");
    if let Ok(text) = std::fs::read_to_string(&path) {
        let id = text.trim();
        if !id.is_empty()
            && id.len() <= 64
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Ok(id.to_owned());
        }
        anyhow::bail!(
            "{} holds {id:?}, not an MQTT client id (letters, digits and '-', at most 64)",
            path.display()
        );
    }
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).map_err(|e| anyhow::anyhow!("random bytes: {e}"))?;
    let id = format!(
        "zhizao-{}",
        random
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    zhizao_core::files::write_durably(&path, id.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(id)
}

/// The operating system's clock, as the services take it.
pub(crate) fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

/// Loads the demo data set into an empty database, with the documents its applications carry
/// under `attachments`.
async fn load_demo(
    db: &Database,
    attachments: &std::path::Path,
) -> anyhow::Result<zhizao_demo::DemoSummary> {
    let clock = system_clock();
    let summary = zhizao_demo::load(db, &PasswordHashing::default(), &clock).await?;
    if summary.loaded {
        zhizao_demo::attach_documents(db, attachments, clock.now())
            .await
            .context("writing the demo applications' documents")?;
        zhizao_demo::attach_order_files(db, attachments, clock.now())
            .await
            .context("writing the demo orders' files")?;
    }
    Ok(summary)
}

fn print_demo_logins(summary: &zhizao_demo::DemoSummary) {
    if summary.loaded {
        println!(
            "Demo data loaded: {} organisations, {} enterprises.",
            summary.organizations, summary.enterprises
        );
    }
    println!("Demo logins (password: {}):", zhizao_demo::DEMO_PASSWORD);
    for login in &summary.logins {
        println!(
            "  {:<12} {:<16} {}",
            login.username, login.role, login.description
        );
    }
}

/// `zhizao serve`.
pub(crate) async fn serve(args: &ConfigArgs, serve: &ServeArgs) -> anyhow::Result<()> {
    let config = Config::load(args, serve)?;
    // Every connected device holds a socket: take all the open files the system allows.
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::info!(limit, "open-file limit"),
        Err(error) => tracing::warn!(%error, "cannot raise the open-file limit"),
    }
    let db = open_database(&config).await?;
    let demo = if config.demo {
        Some(load_demo(&db, &config.data_dir.join("attachments")).await?)
    } else {
        None
    };
    let clock = system_clock();
    let identity = Identity::new(
        db.clone(),
        Arc::clone(&clock),
        PasswordHashing::default(),
        IdentitySettings::default(),
    );
    let registry = Registry::new(db.clone(), Arc::clone(&clock));
    let projects = zhizao_projects::Projects::new(db.clone(), Arc::clone(&clock))
        .with_attachment_dir(config.data_dir.join("attachments"));
    let devices = zhizao_devices::Devices::new(db.clone(), Arc::clone(&clock));
    let commands = zhizao_devices::rpc::CommandHub::new(Arc::clone(&clock));

    let settings = WebSettings {
        cookie_security: config.cookie_security,
        trust_forwarded_headers: config.trust_forwarded_headers,
        public_url: config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", config.listen)),
        ..WebSettings::default()
    };
    let telemetry = TelemetryStore::open(StoreOptions {
        object_storage: object_storage(&config)?,
        freeze_rows: config.telemetry_buffer_rows,
        maintenance_interval: std::time::Duration::from_secs(config.telemetry_maintenance_seconds),
        max_log_bytes: config.telemetry_max_log_mb << 20,
        ..StoreOptions::new(config.data_dir.join("telemetry"))
    })
    .context("opening the telemetry store")?;
    telemetry
        .check_file_storage()
        .await
        .context("telemetry_object_store")?;
    if config.demo {
        let history = zhizao_demo::load_history(&db, &devices, &telemetry, clock.now())
            .await
            .context("writing the demo telemetry history")?;
        if history.loaded {
            println!(
                "Demo telemetry: a day of readings from {} devices ({} points), and a week of the shared factories' {} robots and lines ({} points).",
                history.devices, history.points, history.floors.devices, history.floors.points
            );
        }
    }
    let broker = zhizao_mqtt::Broker::new(
        devices.clone(),
        telemetry.clone(),
        commands.clone(),
        zhizao_mqtt::BrokerSettings {
            // Persistent sessions belong to the embedded broker; without it there are none.
            session_directory: config
                .mqtt_listen
                .map(|_| config.data_dir.join("mqtt-sessions")),
            ..zhizao_mqtt::BrokerSettings::default()
        },
        Arc::clone(&clock),
    )
    .context("starting the MQTT broker")?;
    let factories = zhizao_factory::Factories::new(db.clone(), Arc::clone(&clock))
        .with_telemetry(telemetry.clone())
        .with_planning_limit(std::time::Duration::from_secs(config.plan_seconds))
        .with_file_dir(config.data_dir.join("attachments").join("factory-orders"));
    // Runs searching when the service last stopped are marked interrupted; queued ones start.
    let (interrupted, resumed) = factories
        .resume_nesting_runs()
        .await
        .context("resuming the marker runs")?;
    if interrupted + resumed as u64 > 0 {
        tracing::info!(interrupted, resumed, "marker runs after a restart");
    }
    if config.demo {
        let plans = zhizao_demo::publish_floor_plans(&identity, &factories)
            .await
            .context("publishing the demo factories' plans")?;
        if plans > 0 {
            println!("Demo factories: {plans} plans published for the shop floor.");
        }
        let runs = zhizao_demo::start_demo_markers(&identity, &factories)
            .await
            .context("starting the demo cutting centre's markers")?;
        if runs > 0 {
            println!("Demo cutting centre: a marker and a cut plan are being nested.");
        }
    }
    let notifier_identity = identity.clone();
    let fleet_devices = devices.clone();
    let assessments = zhizao_assessment::Assessments::new(db.clone(), Arc::clone(&clock))
        .with_file_dir(
            config
                .data_dir
                .join("attachments")
                .join("maturity-evidence"),
        );
    let state = AppState::new(
        zhizao_web::Services {
            identity,
            registry,
            devices,
            commands,
            telemetry: telemetry.clone(),
            projects,
            factories,
            services: zhizao_services::PublicServices::new(db.clone(), Arc::clone(&clock))
                .with_file_dir(config.data_dir.join("attachments").join("service-requests")),
            assessments: assessments.clone(),
            solutions: zhizao_solutions::Solutions::new(
                db.clone(),
                Arc::clone(&clock),
                assessments,
            ),
            training: zhizao_training::Training::new(db.clone(), Arc::clone(&clock))
                .with_file_dir(config.data_dir.join("attachments").join("training")),
            talents: zhizao_talent::Talents::new(db.clone(), Arc::clone(&clock)),
            open_data: zhizao_opendata::OpenData::new(db.clone(), Arc::clone(&clock)),
        },
        db.clone(),
        settings,
    );
    if config.mqtt_broker.is_some() {
        let broker = broker.clone();
        state.add_readiness(
            "external_broker",
            Arc::new(move || broker.external_failure()),
        );
    }
    let router = zhizao_web::router(state);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let address = listener.local_addr()?;
    let mqtt_listener = match config.mqtt_listen {
        Some(mqtt_address) => Some(tokio::net::TcpListener::bind(mqtt_address).await.with_context(|| {
            format!("cannot listen for MQTT on {mqtt_address}; choose another address with --mqtt-listen, or turn the broker off with --mqtt-listen off")
        })?),
        None => None,
    };
    println!("Zhizao is running at http://{address}/  (Ctrl-C to stop)");
    if let Some(mqtt_listener) = &mqtt_listener {
        println!(
            "MQTT broker for devices at mqtt://{}",
            mqtt_listener.local_addr()?
        );
    }
    if let Some(summary) = &demo {
        print_demo_logins(summary);
    }
    tracing::info!(%address, "listening");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let persister = {
        let telemetry = telemetry.clone();
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            telemetry
                .run_background(std::time::Duration::from_secs(1), async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                })
                .await;
        })
    };
    let external = match config.mqtt_broker.clone() {
        Some(external) => Some(external.with_client_id(node_client_id(&config.data_dir)?)),
        None => None,
    };
    let external = external.map(|external| {
        println!(
            "Taking devices' messages from mqtt://{}:{} (shared subscription group {:?})",
            external.host, external.port, external.group
        );
        let mut stopped = stopped.clone();
        tokio::spawn(broker.clone().run_external(external, async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }))
    });
    let notifier = match &config.notification_webhook {
        Some(webhook) => {
            let mut stopped = stopped.clone();
            Some(tokio::spawn(crate::notifier::run(
                notifier_identity,
                webhook.expose().to_owned(),
                std::time::Duration::from_secs(5),
                async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                },
            )))
        }
        None => {
            println!(
                "Messages to people (password-reset links, approved sign-ups) wait in the outbox: set notification_webhook to deliver them."
            );
            None
        }
    };
    let fleet = match (&demo, &mqtt_listener) {
        (Some(_), Some(mqtt_listener)) => {
            let tasks = crate::demo_fleet::start(
                &db,
                &fleet_devices,
                mqtt_listener.local_addr()?,
                &stopped,
            )
            .await
            .context("starting the demo's simulated devices")?;
            println!(
                "Demo: {} simulated devices of the maker login report every few seconds.",
                tasks.len()
            );
            tasks
        }
        _ => Vec::new(),
    };
    let mqtt = mqtt_listener.map(|mqtt_listener| {
        let mut stopped = stopped.clone();
        tokio::spawn(broker.serve(mqtt_listener, async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }))
    });
    zhizao_web::serve(listener, router, shutdown_signal()).await?;
    tracing::info!("requests finished; persisting telemetry and closing the database");
    let _ = stop.send(true);
    for task in fleet
        .into_iter()
        .chain([mqtt, external, notifier].into_iter().flatten())
    {
        let _ = task.await;
    }
    let _ = persister.await;
    db.close().await;
    println!("Zhizao stopped.");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// `zhizao migrate`.
pub(crate) async fn migrate(args: &ConfigArgs) -> anyhow::Result<()> {
    let config = Config::load(args, &ServeArgs::default())?;
    let db = open_database(&config).await?;
    println!("The {} database is up to date.", db.backend().name());
    db.close().await;
    Ok(())
}

/// `zhizao demo`.
pub(crate) async fn demo(args: &ConfigArgs) -> anyhow::Result<()> {
    let config = Config::load(args, &ServeArgs::default())?;
    let db = open_database(&config).await?;
    let summary = load_demo(&db, &config.data_dir.join("attachments")).await?;
    if !summary.loaded {
        println!("The database already holds data; the demo data set was not loaded again.");
    }
    print_demo_logins(&summary);
    db.close().await;
    Ok(())
}

/// `zhizao user create`.
pub(crate) async fn create_user(
    args: &ConfigArgs,
    organization: &str,
    username: &str,
    role: &str,
    display_name: &str,
    password_stdin: bool,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        password_stdin,
        "give the password on standard input with --password-stdin (never on the command line)"
    );
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .context("reading the password from standard input")?;
    let password = password.trim_end_matches(['\n', '\r']).to_owned();
    let config = Config::load(args, &ServeArgs::default())?;
    let db = open_database(&config).await?;
    let new = NewUser {
        organization_code: organization.to_owned(),
        username: username.to_owned(),
        display_name: display_name.to_owned(),
        role: role.to_owned(),
        password,
        email: String::new(),
        phone: String::new(),
        org_admin: false,
    };
    let mut transaction = db.begin().await?;
    let user = create_user_in(
        &mut transaction,
        &PasswordHashing::default(),
        &Actor::command_line(),
        system_clock().now(),
        &new,
    )
    .await
    .map_err(|error| match error.field_errors().as_slice() {
        [] => anyhow::anyhow!(error),
        fields => anyhow::anyhow!(
            fields
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message.en))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    })?;
    transaction.commit().await?;
    println!(
        "Created user {} ({}) in {}.",
        user.username, user.role, user.organization_code
    );
    db.close().await;
    Ok(())
}

/// `zhizao token create`.
pub(crate) async fn create_token(
    args: &ConfigArgs,
    username: &str,
    name: &str,
) -> anyhow::Result<()> {
    let config = Config::load(args, &ServeArgs::default())?;
    let db = open_database(&config).await?;
    let identity = Identity::new(
        db.clone(),
        system_clock(),
        PasswordHashing::default(),
        IdentitySettings::default(),
    );
    let token = identity
        .create_token_for_user(&Actor::command_line(), username, name)
        .await?;
    eprintln!(
        "Token {:?} created for {username}. It is shown once; store it now:",
        token.view.name
    );
    println!("{}", token.secret);
    db.close().await;
    Ok(())
}

/// `zhizao openapi`.
pub(crate) fn openapi() {
    println!("{}", zhizao_web::openapi_json());
}

/// The object storage for telemetry files that the configuration names, if any.
#[cfg(feature = "s3")]
fn object_storage(config: &Config) -> anyhow::Result<Option<zhizao_telemetry::ObjectStorage>> {
    let Some(store) = &config.telemetry_object_store else {
        return Ok(None);
    };
    let options: Vec<(String, String)> = store
        .options
        .iter()
        .map(|(key, value)| (key.clone(), value.expose().to_owned()))
        .collect();
    let storage = zhizao_telemetry::ObjectStorage::s3(&store.url, &options)
        .context("telemetry_object_store")?;
    Ok(Some(storage))
}

/// Without the `s3` feature there is no object storage to use.
#[cfg(not(feature = "s3"))]
fn object_storage(config: &Config) -> anyhow::Result<Option<zhizao_telemetry::ObjectStorage>> {
    if config.telemetry_object_store.is_some() {
        anyhow::bail!("telemetry_object_store: this build has no S3 support (cargo feature `s3`)");
    }
    Ok(None)
}
