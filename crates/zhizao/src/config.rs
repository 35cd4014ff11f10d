//! The one typed configuration: built-in defaults, overridden by a TOML file, overridden by
//! `ZHIZAO_*` environment variables, overridden by command-line options.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;
use zhizao_web::CookieSecurity;

/// A value that must never appear in logs or error messages.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Settings shared by every command, as given on the command line (or in the environment,
/// which clap reads for each option).
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct ConfigArgs {
    /// A TOML configuration file.
    #[arg(long, global = true, env = "ZHIZAO_CONFIG", value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Where the embedded database and other files live [default: ./zhizao-data].
    #[arg(long, global = true, env = "ZHIZAO_DATA_DIR", value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// A PostgreSQL URL (postgres://user:password@host/database) instead of the embedded SQLite.
    #[arg(
        long,
        global = true,
        env = "ZHIZAO_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub(crate) database_url: Option<String>,
}

/// Options of `zhizao serve`.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "ZHIZAO_LISTEN", value_name = "ADDR")]
    pub(crate) listen: Option<SocketAddr>,
    /// Load the demo data set into an empty database.
    #[arg(long, env = "ZHIZAO_DEMO", num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub(crate) demo: Option<bool>,
    /// Believe X-Forwarded-For and X-Forwarded-Proto (only behind a reverse proxy).
    #[arg(long, env = "ZHIZAO_TRUST_FORWARDED_HEADERS", num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub(crate) trust_forwarded_headers: Option<bool>,
    /// The Secure attribute of cookies: auto (when a trusted proxy reports HTTPS), always or never.
    #[arg(long, env = "ZHIZAO_COOKIE_SECURE", value_name = "MODE")]
    pub(crate) cookie_secure: Option<String>,
    /// Address of the embedded MQTT broker for devices, or `off` [default: 127.0.0.1:1883].
    #[arg(long, env = "ZHIZAO_MQTT_LISTEN", value_name = "ADDR|off")]
    pub(crate) mqtt_listen: Option<String>,
    /// An external MQTT broker to take a share of the devices' messages from, with shared
    /// subscriptions: mqtt://[user[:password]@]host[:port][?group=NAME]. Turns the embedded
    /// broker off unless --mqtt-listen is also given.
    #[arg(
        long,
        env = "ZHIZAO_MQTT_BROKER",
        value_name = "URL",
        hide_env_values = true
    )]
    pub(crate) mqtt_broker: Option<String>,
    /// The address people reach the platform at, which links in messages start with, e.g.
    /// https://zhizao.zs.gov.cn [default: http:// and the listening address].
    #[arg(long, env = "ZHIZAO_PUBLIC_URL", value_name = "URL")]
    pub(crate) public_url: Option<String>,
    /// Where the notifier delivers messages (password-reset links, approved sign-ups): an HTTP
    /// endpoint of the city's e-mail or SMS gateway that takes one JSON message per POST
    /// ({"channel", "recipient", "subject", "body"}). Without it messages wait in the outbox,
    /// which city administrators read on the platform.
    #[arg(
        long,
        env = "ZHIZAO_NOTIFICATION_WEBHOOK",
        value_name = "URL",
        hide_env_values = true
    )]
    pub(crate) notification_webhook: Option<String>,
    /// Keep telemetry's Parquet files in S3-compatible object storage: s3://bucket[/prefix].
    /// Credentials, region and endpoint come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
    /// AWS_REGION and AWS_ENDPOINT (with AWS_ALLOW_HTTP=true for a plain-HTTP MinIO or Garage),
    /// or from `telemetry_object_store_options` in the configuration file.
    #[arg(long, env = "ZHIZAO_TELEMETRY_OBJECT_STORE", value_name = "URL")]
    pub(crate) telemetry_object_store: Option<String>,
    /// How long a shared factory's planner searches when a planner asks for a plan, in seconds,
    /// 1 to 600 [default: 10].
    #[arg(long, env = "ZHIZAO_PLAN_SECONDS", value_name = "SECONDS")]
    pub(crate) plan_seconds: Option<u64>,
    /// Telemetry rows held in memory (and in the write-ahead log) before they are written to a
    /// Parquet file, 100 to 100,000,000; a small server with little memory lowers it
    /// [default: 1000000].
    #[arg(long, env = "ZHIZAO_TELEMETRY_BUFFER_ROWS", value_name = "ROWS")]
    pub(crate) telemetry_buffer_rows: Option<usize>,
    /// How often telemetry's small Parquet files are compacted and retention is applied, in
    /// seconds, 1 to 3600 [default: 60].
    #[arg(
        long,
        env = "ZHIZAO_TELEMETRY_MAINTENANCE_SECONDS",
        value_name = "SECONDS"
    )]
    pub(crate) telemetry_maintenance_seconds: Option<u64>,
    /// The most the telemetry write-ahead log may hold while its data cannot be written to
    /// files (object storage refusing, a full disk), in MB, 16 to 1048576; past it writes are
    /// refused with 503 instead of the disk filling up [default: 8192].
    #[arg(long, env = "ZHIZAO_TELEMETRY_MAX_LOG_MB", value_name = "MB")]
    pub(crate) telemetry_max_log_mb: Option<u64>,
}

/// The configuration file's contents; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    demo: Option<bool>,
    trust_forwarded_headers: Option<bool>,
    cookie_secure: Option<String>,
    mqtt_listen: Option<String>,
    mqtt_broker: Option<String>,
    telemetry_object_store: Option<String>,
    public_url: Option<String>,
    notification_webhook: Option<String>,
    plan_seconds: Option<u64>,
    telemetry_buffer_rows: Option<usize>,
    telemetry_maintenance_seconds: Option<u64>,
    telemetry_max_log_mb: Option<u64>,
    /// object_store's S3 settings, e.g. `aws_endpoint = "http://127.0.0.1:9000"`.
    telemetry_object_store_options: Option<std::collections::BTreeMap<String, String>>,
}

/// Where telemetry's Parquet files go instead of the data directory.
#[derive(Debug, Clone)]
pub(crate) struct ObjectStoreConfig {
    /// `s3://bucket[/prefix]`.
    pub(crate) url: String,
    /// Settings for object_store's S3 client (values may be secrets: never logged).
    pub(crate) options: Vec<(String, Secret)>,
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) listen: SocketAddr,
    pub(crate) data_dir: PathBuf,
    pub(crate) database_url: Secret,
    pub(crate) demo: bool,
    pub(crate) trust_forwarded_headers: bool,
    pub(crate) cookie_security: CookieSecurity,
    /// The embedded MQTT broker's address; `None` when it is off.
    pub(crate) mqtt_listen: Option<SocketAddr>,
    /// The external MQTT broker, if any.
    pub(crate) mqtt_broker: Option<zhizao_mqtt::ExternalBroker>,
    /// Object storage for telemetry files, if not the data directory.
    pub(crate) telemetry_object_store: Option<ObjectStoreConfig>,
    /// The address links in messages start with, if configured.
    pub(crate) public_url: Option<String>,
    /// The gateway the notifier posts messages to, if any.
    pub(crate) notification_webhook: Option<Secret>,
    /// The shared factories' planning time limit.
    pub(crate) plan_seconds: u64,
    pub(crate) telemetry_buffer_rows: usize,
    pub(crate) telemetry_maintenance_seconds: u64,
    pub(crate) telemetry_max_log_mb: u64,
}

impl Config {
    /// Resolves the configuration: command line and environment (already merged by clap) over
    /// the file over the defaults.
    pub(crate) fn load(args: &ConfigArgs, serve: &ServeArgs) -> anyhow::Result<Self> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let data_dir = args
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("zhizao-data"));
        let database_url = args
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("zhizao.sqlite3").display()));
        let cookie_secure = serve
            .cookie_secure
            .clone()
            .or(file.cookie_secure)
            .unwrap_or_else(|| "auto".to_owned());
        let cookie_security = match cookie_secure.as_str() {
            "auto" => CookieSecurity::Auto,
            "always" => CookieSecurity::Always,
            "never" => CookieSecurity::Never,
            other => anyhow::bail!("cookie_secure must be auto, always or never, not {other:?}"),
        };
        let mqtt_broker = serve
            .mqtt_broker
            .clone()
            .or(file.mqtt_broker)
            .map(|url| zhizao_mqtt::ExternalBroker::parse(url.trim()))
            .transpose()
            .map_err(|error| anyhow::anyhow!("mqtt_broker: {error}"))?;
        let default_listen = if mqtt_broker.is_some() {
            "off"
        } else {
            "127.0.0.1:1883"
        };
        let mqtt_listen = match serve
            .mqtt_listen
            .clone()
            .or(file.mqtt_listen)
            .unwrap_or_else(|| default_listen.to_owned())
            .trim()
        {
            "off" | "none" | "false" => None,
            address => Some(address.parse::<SocketAddr>().map_err(|_| {
                anyhow::anyhow!(
                    "mqtt_listen must be an address such as 127.0.0.1:1883, or off; not {address:?}"
                )
            })?),
        };
        let telemetry_object_store = serve
            .telemetry_object_store
            .clone()
            .or(file.telemetry_object_store)
            .map(|url| {
                let url = url.trim().to_owned();
                if !url.starts_with("s3://") || url.len() <= "s3://".len() {
                    anyhow::bail!(
                        "telemetry_object_store must be an S3 URL such as s3://bucket/prefix, not {url:?}"
                    );
                }
                let options = file
                    .telemetry_object_store_options
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(key, value)| (key, Secret(value)))
                    .collect();
                Ok(ObjectStoreConfig { url, options })
            })
            .transpose()?;
        if file.telemetry_object_store_options.is_some() && telemetry_object_store.is_none() {
            anyhow::bail!("telemetry_object_store_options needs telemetry_object_store");
        }
        let public_url = serve.public_url.clone().or(file.public_url);
        if let Some(url) = &public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            anyhow::bail!("public_url must start with http:// or https://, not {url:?}");
        }
        let notification_webhook = serve
            .notification_webhook
            .clone()
            .or(file.notification_webhook);
        if let Some(url) = &notification_webhook
            && !url.starts_with("http://")
        {
            anyhow::bail!(
                "notification_webhook must be an http:// address (put a TLS-terminating proxy in front of an https gateway)"
            );
        }
        let plan_seconds = serve.plan_seconds.or(file.plan_seconds).unwrap_or(10);
        if !(1..=600).contains(&plan_seconds) {
            anyhow::bail!("plan_seconds must be 1 to 600, not {plan_seconds}");
        }
        let telemetry_buffer_rows = serve
            .telemetry_buffer_rows
            .or(file.telemetry_buffer_rows)
            .unwrap_or(1_000_000);
        if !(100..=100_000_000).contains(&telemetry_buffer_rows) {
            anyhow::bail!(
                "telemetry_buffer_rows must be 100 to 100000000, not {telemetry_buffer_rows}"
            );
        }
        let telemetry_maintenance_seconds = serve
            .telemetry_maintenance_seconds
            .or(file.telemetry_maintenance_seconds)
            .unwrap_or(60);
        if !(1..=3600).contains(&telemetry_maintenance_seconds) {
            anyhow::bail!(
                "telemetry_maintenance_seconds must be 1 to 3600, not {telemetry_maintenance_seconds}"
            );
        }
        let telemetry_max_log_mb = serve
            .telemetry_max_log_mb
            .or(file.telemetry_max_log_mb)
            .unwrap_or(8192);
        if !(16..=1_048_576).contains(&telemetry_max_log_mb) {
            anyhow::bail!("telemetry_max_log_mb must be 16 to 1048576, not {telemetry_max_log_mb}");
        }
        Ok(Config {
            plan_seconds,
            telemetry_buffer_rows,
            telemetry_maintenance_seconds,
            telemetry_max_log_mb,
            public_url,
            notification_webhook: notification_webhook.map(Secret),
            telemetry_object_store,
            mqtt_listen,
            mqtt_broker,
            listen: serve
                .listen
                .or(file.listen)
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            data_dir,
            database_url: Secret(database_url),
            demo: serve.demo.or(file.demo).unwrap_or(false),
            trust_forwarded_headers: serve
                .trust_forwarded_headers
                .or(file.trust_forwarded_headers)
                .unwrap_or(false),
            cookie_security,
        })
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    toml::from_str(&text)
        .map_err(|error| anyhow::anyhow!("configuration file {}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_beats_file_beats_defaults() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("zhizao.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/zhizao\"\ndemo = true\n",
        )
        .unwrap();
        let args = ConfigArgs {
            config: Some(path.clone()),
            ..ConfigArgs::default()
        };
        let config = Config::load(&args, &ServeArgs::default()).unwrap();
        assert_eq!(config.listen.to_string(), "0.0.0.0:9000");
        assert!(config.demo);
        assert_eq!(
            config.database_url.expose(),
            "sqlite:///srv/zhizao/zhizao.sqlite3"
        );

        let serve = ServeArgs {
            listen: Some("127.0.0.1:7000".parse().unwrap()),
            demo: Some(false),
            ..ServeArgs::default()
        };
        let args = ConfigArgs {
            config: Some(path),
            data_dir: Some("here".into()),
            database_url: None,
        };
        let config = Config::load(&args, &serve).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:7000");
        assert!(!config.demo);
        assert_eq!(config.data_dir, PathBuf::from("here"));

        let defaults = Config::load(&ConfigArgs::default(), &ServeArgs::default()).unwrap();
        assert_eq!(defaults.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(
            defaults.mqtt_listen.map(|a| a.to_string()).as_deref(),
            Some("127.0.0.1:1883")
        );
        assert_eq!(
            defaults.database_url.expose(),
            "sqlite://zhizao-data/zhizao.sqlite3"
        );
        assert_eq!(format!("{:?}", defaults.database_url), "Secret(…)");
        assert_eq!(defaults.plan_seconds, 10);
        let slow = ServeArgs {
            plan_seconds: Some(0),
            ..ServeArgs::default()
        };
        let error = Config::load(&ConfigArgs::default(), &slow).unwrap_err();
        assert!(error.to_string().contains("plan_seconds"), "{error}");
        assert_eq!(defaults.telemetry_buffer_rows, 1_000_000);
        assert_eq!(defaults.telemetry_maintenance_seconds, 60);
        assert_eq!(defaults.telemetry_max_log_mb, 8192);
        let tiny = ServeArgs {
            telemetry_max_log_mb: Some(1),
            ..ServeArgs::default()
        };
        let error = Config::load(&ConfigArgs::default(), &tiny).unwrap_err();
        assert!(
            error.to_string().contains("telemetry_max_log_mb"),
            "{error}"
        );
        let never = ServeArgs {
            telemetry_maintenance_seconds: Some(0),
            ..ServeArgs::default()
        };
        let error = Config::load(&ConfigArgs::default(), &never).unwrap_err();
        assert!(
            error.to_string().contains("telemetry_maintenance_seconds"),
            "{error}"
        );
        for (rows, accepted) in [(99, false), (100, true), (100_000_001, false)] {
            let buffer = ServeArgs {
                telemetry_buffer_rows: Some(rows),
                ..ServeArgs::default()
            };
            let loaded = Config::load(&ConfigArgs::default(), &buffer);
            assert_eq!(loaded.is_ok(), accepted, "{rows}");
            if let Err(error) = loaded {
                assert!(
                    error.to_string().contains("telemetry_buffer_rows"),
                    "{error}"
                );
            }
        }
    }

    #[test]
    fn object_storage_is_an_s3_url_with_options_from_the_file() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("zhizao.toml");
        std::fs::write(
            &path,
            "telemetry_object_store = \"s3://zhizao/city\"\n\
             [telemetry_object_store_options]\naws_endpoint = \"http://127.0.0.1:9000\"\n\
             aws_secret_access_key = \"very-secret\"\n",
        )
        .unwrap();
        let args = ConfigArgs {
            config: Some(path.clone()),
            ..ConfigArgs::default()
        };
        let config = Config::load(&args, &ServeArgs::default()).unwrap();
        let store = config.telemetry_object_store.unwrap();
        assert_eq!(store.url, "s3://zhizao/city");
        assert_eq!(store.options.len(), 2);
        assert!(!format!("{store:?}").contains("very-secret"));

        let serve = ServeArgs {
            telemetry_object_store: Some("/srv/telemetry".into()),
            ..ServeArgs::default()
        };
        let error = Config::load(&args, &serve).unwrap_err().to_string();
        assert!(
            error.contains("telemetry_object_store must be an S3 URL"),
            "{error}"
        );

        std::fs::write(
            &path,
            "[telemetry_object_store_options]\naws_region = \"x\"\n",
        )
        .unwrap();
        let error = Config::load(&args, &ServeArgs::default())
            .unwrap_err()
            .to_string();
        assert!(error.contains("needs telemetry_object_store"), "{error}");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("zhizao.toml");
        std::fs::write(&path, "listen = \"0.0.0.0:9000\"\nlisten_port = 1\n").unwrap();
        let error = Config::load(
            &ConfigArgs {
                config: Some(path.clone()),
                ..ConfigArgs::default()
            },
            &ServeArgs::default(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("listen_port"), "{error}");
        std::fs::write(&path, "listen = \"not an address\"\n").unwrap();
        let error = Config::load(
            &ConfigArgs {
                config: Some(path),
                ..ConfigArgs::default()
            },
            &ServeArgs::default(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("listen"), "{error}");
        for (value, expected) in [("off", None), (" 0.0.0.0:1884 ", Some("0.0.0.0:1884"))] {
            let serve = ServeArgs {
                mqtt_listen: Some(value.into()),
                ..ServeArgs::default()
            };
            let config = Config::load(&ConfigArgs::default(), &serve).unwrap();
            assert_eq!(
                config.mqtt_listen.map(|a| a.to_string()).as_deref(),
                expected
            );
        }
        let serve = ServeArgs {
            mqtt_listen: Some("port 1883".into()),
            ..ServeArgs::default()
        };
        let error = Config::load(&ConfigArgs::default(), &serve).unwrap_err();
        assert!(error.to_string().contains("mqtt_listen"), "{error}");
        let serve = ServeArgs {
            mqtt_broker: Some("mqtt://zhizao:pw@broker:1884".into()),
            ..ServeArgs::default()
        };
        let config = Config::load(&ConfigArgs::default(), &serve).unwrap();
        assert_eq!(config.mqtt_broker.map(|b| b.port), Some(1884));
        assert_eq!(
            config.mqtt_listen, None,
            "an external broker replaces the embedded one"
        );
        let serve = ServeArgs {
            mqtt_broker: Some("http://broker".into()),
            ..ServeArgs::default()
        };
        let error = Config::load(&ConfigArgs::default(), &serve).unwrap_err();
        assert!(error.to_string().contains("mqtt_broker"), "{error}");
    }
}
