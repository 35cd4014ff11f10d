//! The `zhizao` binary as an operator runs it: a telemetry write acknowledged over HTTP survives
//! `kill -9`, and the platform comes back with it; with object storage configured, telemetry
//! files go to the bucket.

use std::process::Command;
use std::time::{Duration, Instant};

use zhizao_telemetry::testing::S3Server;

use crate::support::{demo_with_token, files_under, http, serve, serve_with, zhizao};

#[test]
fn acknowledged_telemetry_survives_kill_9() {
    let data = tempfile::tempdir().unwrap();
    let token = demo_with_token(data.path(), "durability");

    let server = serve(data.path());
    let mut acknowledged = 0;
    for batch in 0..40 {
        let lines: String = (0..25)
            .map(|i| {
                format!(
                    "press,device=p{i} temperature={}.5 {}\n",
                    batch,
                    1_795_700_000_000_000_000i64 + batch * 1000 + i
                )
            })
            .collect();
        let (status, body) = http(
            &server.http,
            "POST",
            "/api/v2/write?bucket=plant",
            &format!("Token {token}"),
            "text/plain",
            &lines,
        );
        assert_eq!(status, 204, "{body}");
        acknowledged += 25;
    }
    // kill -9: no chance to flush anything that was not already durable.
    drop(server);

    let server = serve(data.path());
    let query = r#"{"sql": "SELECT count(*) AS n FROM press", "database": "plant"}"#;
    let (status, body) = http(
        &server.http,
        "POST",
        "/api/v1/query",
        &format!("Token {token}"),
        "application/json",
        query,
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(&format!("\"n\":{acknowledged}")),
        "expected {acknowledged} points: {body}"
    );
}

/// Every file under `directory` whose name ends in `.parquet`.
fn parquet_under(directory: &std::path::Path) -> Vec<std::path::PathBuf> {
    files_under(directory)
        .into_iter()
        .filter(|path| path.to_string_lossy().ends_with(".parquet"))
        .collect()
}

/// `serve --telemetry-object-store`: a real S3 protocol server (s3s over a directory, signed
/// requests) gets the Parquet files when the platform stops; the data directory keeps none,
/// and a restarted platform answers from the bucket.
#[cfg(feature = "s3")]
#[test]
fn telemetry_files_go_to_the_configured_object_storage() {
    let bucket_root = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let s3 = runtime.block_on(S3Server::start(bucket_root.path(), "telemetry"));

    let data = tempfile::tempdir().unwrap();
    let token = demo_with_token(data.path(), "durability");
    let options = ["--telemetry-object-store", "s3://telemetry/zhongshan"];
    let environment = s3.client_environment();
    // Wrong credentials: the platform refuses to start and says why.
    let refused = zhizao(data.path())
        .args(["serve", "--listen", "127.0.0.1:0", "--mqtt-listen", "off"])
        .args(options)
        .envs(environment.iter().copied())
        .env("AWS_SECRET_ACCESS_KEY", "not-the-secret")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains("telemetry_object_store")
            && stderr.contains("cannot use the object storage s3://telemetry/zhongshan"),
        "{stderr}"
    );

    let server = serve_with(data.path(), &options, &environment);
    let lines: String = (0..300)
        .map(|i| {
            format!(
                "press,device=p{} temperature={i}.5 {}\n",
                i % 6,
                1_795_700_000_000_000_000i64 + i * 1_000_000_000
            )
        })
        .collect();
    let (status, body) = http(
        &server.http,
        "POST",
        "/api/v2/write?bucket=plant",
        &format!("Token {token}"),
        "text/plain",
        &lines,
    );
    assert_eq!(status, 204, "{body}");
    // A graceful stop persists everything.
    crate::support::stop(server);
    let store_id = std::fs::read_to_string(data.path().join("telemetry/store-id")).unwrap();
    let objects = parquet_under(
        &bucket_root
            .path()
            .join(format!("telemetry/zhongshan/{store_id}/tables")),
    );
    assert_eq!(objects.len(), 1, "{objects:?}");
    assert!(
        parquet_under(data.path()).is_empty(),
        "no Parquet file in the data directory: {:?}",
        parquet_under(data.path())
    );

    let server = serve_with(data.path(), &options, &environment);
    let query = r#"{"sql": "SELECT count(*) AS n, count(DISTINCT device) AS d FROM press", "database": "plant"}"#;
    let (status, body) = http(
        &server.http,
        "POST",
        "/api/v1/query",
        &format!("Token {token}"),
        "application/json",
        query,
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("\"n\":300") && body.contains("\"d\":6"),
        "{body}"
    );
    drop(server);

    // The bucket refuses for a while: readiness names object storage, queries go on, and once
    // it answers again persisting catches up by itself and readiness recovers.
    let buffered = [("ZHIZAO_TELEMETRY_BUFFER_ROWS", "100")];
    let server = serve_with(
        data.path(),
        &options,
        &[environment.as_slice(), buffered.as_slice()].concat(),
    );
    s3.refuse(true);
    let (status, body) = http(
        &server.http,
        "POST",
        "/api/v2/write?bucket=plant",
        &format!("Token {token}"),
        "text/plain",
        &lines.replace("press,", "press2,"),
    );
    assert_eq!(status, 204, "{body}");
    let ready = |wanted: u16| {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (status, body) = http(&server.http, "GET", "/readyz", "", "", "");
            if status == wanted {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "readiness stayed {status}: {body}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    let body = ready(503);
    assert!(body.contains("object_storage: unavailable"), "{body}");
    let query = r#"{"sql": "SELECT count(*) AS n FROM press2", "database": "plant"}"#;
    let (status, body) = http(
        &server.http,
        "POST",
        "/api/v1/query",
        &format!("Token {token}"),
        "application/json",
        query,
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"n\":300"), "{body}");
    s3.refuse(false);
    let body = ready(200);
    assert!(body.contains("object_storage: ok"), "{body}");
    drop(server);
    drop(runtime);
}

/// A small tmpfs mounted over a directory for one test (its files copied in), unmounted after.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    /// Mounts a `kilobytes` tmpfs over `directory`, keeping its files; `None` where this
    /// process may not mount (not root), which a CI run must be able to.
    fn over(directory: &std::path::Path, kilobytes: u32) -> Option<SmallDisk> {
        let saved = directory.with_extension("saved");
        std::fs::create_dir_all(directory).unwrap();
        std::fs::rename(directory, &saved).unwrap();
        std::fs::create_dir(directory).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kilobytes}k"), "tmpfs"])
            .arg(directory)
            .status()
            .is_ok_and(|status| status.success());
        if !mounted {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI runs as root and must fill a real tmpfs"
            );
            eprintln!("cannot mount a tmpfs here; the full-disk test is skipped");
            return None;
        }
        for entry in std::fs::read_dir(&saved).unwrap().flatten() {
            std::fs::copy(entry.path(), directory.join(entry.file_name())).unwrap();
        }
        Some(SmallDisk(directory.to_owned()))
    }

    /// Fills the disk with a file of its own; returns the file.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let filler = self.0.join("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        let chunk = vec![7u8; 4096];
        while file
            .write_all(&chunk)
            .and_then(|()| file.sync_all())
            .is_ok()
        {}
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_refuses_telemetry_says_so_and_writing_resumes_when_space_returns() {
    let data = tempfile::tempdir().unwrap();
    let token = demo_with_token(data.path(), "full-disk");
    let Some(disk) = SmallDisk::over(&data.path().join("telemetry").join("wal"), 512) else {
        return;
    };
    let server = serve(data.path());
    let write = |batch: i64| {
        let lines: String = (0..20)
            .map(|i| {
                format!(
                    "press,device=p{i} temperature={batch}.5 {}\n",
                    1_795_700_000_000_000_000i64 + batch * 1000 + i
                )
            })
            .collect();
        http(
            &server.http,
            "POST",
            "/api/v2/write?bucket=plant",
            &format!("Token {token}"),
            "text/plain",
            &lines,
        )
    };
    let ready = || http(&server.http, "GET", "/readyz", "", "text/plain", "");
    let mut acknowledged = 0;
    assert_eq!(write(0).0, 204);
    acknowledged += 20;
    assert_eq!(ready().0, 200);

    // The disk fills: writes are refused with 503 and a reason, readiness names the log,
    // the metrics show it down, and reads go on.
    let filler = disk.fill();
    let mut refused = None;
    for batch in 1..500 {
        let (status, body) = write(batch);
        match status {
            204 => acknowledged += 20,
            503 => {
                refused = Some(body);
                break;
            }
            other => panic!("{other}: {body}"),
        }
    }
    let refused = refused.expect("a full disk refuses a write");
    assert!(refused.contains("telemetry store"), "{refused}");
    let (status, body) = ready();
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("telemetry_log: unavailable"), "{body}");
    assert!(body.contains("database: ok"), "{body}");
    let (_, metrics) = http(&server.http, "GET", "/metrics", "", "text/plain", "");
    assert!(
        metrics.contains("zhizao_component_up{component=\"telemetry_log\"} 0"),
        "{metrics}"
    );
    let query = r#"{"sql": "SELECT count(*) AS n FROM press", "database": "plant"}"#;
    let count = || {
        http(
            &server.http,
            "POST",
            "/api/v1/query",
            &format!("Token {token}"),
            "application/json",
            query,
        )
    };
    let (status, body) = count();
    assert_eq!(status, 200, "reads go on while the disk is full: {body}");
    assert!(body.contains(&format!("\"n\":{acknowledged}")), "{body}");

    // Space returns: writing resumes by itself, no restart.
    std::fs::remove_file(filler).unwrap();
    assert_eq!(write(1_000).0, 204);
    acknowledged += 20;
    assert_eq!(ready().0, 200);

    // Nothing acknowledged is lost across a restart.
    drop(server);
    let server = serve(data.path());
    let (status, body) = http(
        &server.http,
        "POST",
        "/api/v1/query",
        &format!("Token {token}"),
        "application/json",
        query,
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(&format!("\"n\":{acknowledged}")),
        "expected {acknowledged} points: {body}"
    );
    drop(server);
    drop(disk);
}

#[test]
fn a_full_database_disk_refuses_an_edit_cleanly_and_the_database_stays_whole() {
    let data = tempfile::tempdir().unwrap();
    let token = demo_with_token(data.path(), "db-full");
    // The database alone on a small tmpfs, beside the rest of the data directory.
    let database = data.path().join("database");
    std::fs::create_dir(&database).unwrap();
    for name in ["zhizao.sqlite3", "zhizao.sqlite3-wal", "zhizao.sqlite3-shm"] {
        let from = data.path().join(name);
        if from.exists() {
            std::fs::rename(&from, database.join(name)).unwrap();
        }
    }
    let Some(disk) = SmallDisk::over(&database, 96 * 1024) else {
        return;
    };
    let url = format!("sqlite://{}", database.join("zhizao.sqlite3").display());
    let server = crate::support::serve_with(data.path(), &["--database-url", &url], &[]);
    let (status, listed) =
        crate::support::api(&server.http, "GET", "/api/v1/enterprises", &token, None);
    assert_eq!(status, 200, "{listed}");
    let code = listed["items"][0]["credit_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/enterprises/{code}");
    let edit = |address: String| {
        crate::support::api(
            &server.http,
            "PATCH",
            &path,
            &token,
            Some(serde_json::json!({ "address": address })),
        )
    };
    assert_eq!(edit("中山市南头镇升辉北路 1 号".into()).0, 200);

    // The disk fills: an edit is refused with 503 (never a 500), and what was saved stays.
    let filler = disk.fill();
    let mut saved = String::new();
    let mut refused = None;
    for n in 0..400 {
        let address = format!("中山市南头镇升辉北路 {n} 号{}", "甲".repeat(250));
        let (status, body) = edit(address.clone());
        match status {
            200 => saved = address,
            503 => {
                refused = Some(body);
                break;
            }
            other => panic!("{other}: {body}"),
        }
    }
    let refused = refused.expect("a full disk refuses an edit");
    assert_eq!(refused["status"], 503, "{refused}");
    let (status, read) = crate::support::api(&server.http, "GET", &path, &token, None);
    assert_eq!(status, 200, "reads go on: {read}");
    if !saved.is_empty() {
        assert_eq!(read["address"], saved.as_str());
    }
    // Space returns: edits go through again.
    std::fs::remove_file(filler).unwrap();
    let (status, body) = edit("中山市南头镇升辉北路 2 号".into());
    assert_eq!(status, 200, "{body}");
    drop(server);
    // The file passes SQLite's integrity check.
    let problems = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let db = zhizao_db::Database::connect(&url, zhizao_db::PoolSettings::default())
            .await
            .unwrap();
        db.integrity_problems().await.unwrap()
    });
    assert!(problems.is_empty(), "{problems:?}");
    drop(disk);
}

/// Uploads `bytes` as a PDF attachment of application `number`; the status and the body.
fn upload(address: &str, token: &str, number: &str, bytes: &[u8]) -> (u16, serde_json::Value) {
    let boundary = "zhizao-durability-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nquotation\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"quotation.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    use std::io::{Read, Write};
    write!(
        stream,
        "POST /api/v1/project-applications/{number}/attachments HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(&body).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).unwrap().parse().unwrap();
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    (status, serde_json::from_str(body).unwrap_or_default())
}

/// A PDF of about `size` bytes whose bytes say `mark`.
fn pdf(size: usize, mark: u8) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n%".to_vec();
    bytes.resize(size - 6, mark);
    bytes.extend_from_slice(b"\n%%EOF");
    bytes
}

#[test]
fn a_full_attachment_disk_refuses_an_upload_and_never_lists_a_half_written_file() {
    let data = tempfile::tempdir().unwrap();
    let token = demo_with_token(data.path(), "attachments-full");
    let server = serve(data.path());
    let (status, drafts) = crate::support::api(
        &server.http,
        "GET",
        "/api/v1/project-applications?status=draft",
        &token,
        None,
    );
    assert_eq!(status, 200, "{drafts}");
    let number = drafts["items"][0]["number"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/project-applications/{number}");
    let first = pdf(100_000, b'a');
    let (status, stored) = upload(&server.http, &token, &number, &first);
    assert_eq!(status, 201, "{stored}");
    // The application's attachment directory on a small disk of its own, which then fills.
    let attachments = data.path().join("attachments");
    let name = format!("{}.bin", stored["id"]);
    let directory = files_under(&attachments)
        .into_iter()
        .find(|file| {
            file.file_name()
                .is_some_and(|n| n.to_string_lossy() == name)
        })
        .and_then(|file| file.parent().map(std::path::Path::to_path_buf))
        .expect("the stored file");
    let Some(disk) = SmallDisk::over(&directory, 1024) else {
        return;
    };
    let filler = disk.fill();

    let listed = |server: &crate::support::Platform| {
        let (status, application) = crate::support::api(&server.http, "GET", &path, &token, None);
        assert_eq!(status, 200, "{application}");
        application["attachments"].as_array().unwrap().len()
    };
    let before = listed(&server);
    let second = pdf(600_000, b'b');
    let (status, refused) = upload(&server.http, &token, &number, &second);
    assert_eq!(status, 503, "a full disk refuses the upload: {refused}");
    assert_eq!(listed(&server), before, "nothing half-written is listed");
    let mut left: Vec<String> = std::fs::read_dir(&directory)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        vec![name.clone(), "filler".to_owned()],
        "no half-written file stays"
    );

    // Space returns: the same upload is stored, listed and read back whole.
    std::fs::remove_file(filler).unwrap();
    let (status, stored) = upload(&server.http, &token, &number, &second);
    assert_eq!(status, 201, "{stored}");
    assert_eq!(listed(&server), before + 1);
    let file = std::fs::read(directory.join(format!("{}.bin", stored["id"]))).unwrap();
    assert_eq!(file, second);
    drop(server);
    drop(disk);
}
