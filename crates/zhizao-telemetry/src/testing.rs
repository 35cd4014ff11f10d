//! What tests need of telemetry (feature `testing`): a real S3 protocol server (s3s over a
//! directory: signed requests, XML listings, multipart uploads) on a free loopback port, for
//! the object-storage tests of this crate and of the binary.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use hyper_util::rt::TokioIo;

/// The access key the server accepts.
pub const ACCESS_KEY: &str = "zhizao-test";

/// The secret that goes with [`ACCESS_KEY`].
pub const SECRET_KEY: &str = "zhizao-test-secret-0123456789";

/// An S3 server storing its buckets as directories under `root`; it stops when dropped.
#[derive(Debug)]
pub struct S3Server {
    /// `http://127.0.0.1:port`.
    pub endpoint: String,
    /// Where its buckets are.
    pub root: PathBuf,
    refusing: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl S3Server {
    /// Starts a server on a free port with an empty bucket `bucket` under `root` (on the
    /// current Tokio runtime).
    ///
    /// # Panics
    /// When the directory or the port cannot be had.
    pub async fn start(root: &Path, bucket: &str) -> S3Server {
        std::fs::create_dir_all(root.join(bucket)).unwrap();
        let service = {
            let mut builder =
                s3s::service::S3ServiceBuilder::new(s3s_fs::FileSystem::new(root).unwrap());
            builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
            builder.build()
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let refusing = Arc::new(AtomicBool::new(false));
        let task = {
            let refusing = Arc::clone(&refusing);
            tokio::spawn(async move {
                loop {
                    let Ok((socket, _)) = listener.accept().await else {
                        continue;
                    };
                    let (service, refusing) = (service.clone(), Arc::clone(&refusing));
                    let answer = hyper::service::service_fn(
                        move |request: hyper::Request<hyper::body::Incoming>| {
                            let (service, refusing) = (service.clone(), Arc::clone(&refusing));
                            async move {
                                if refusing.load(Ordering::Relaxed) {
                                    return Ok(hyper::Response::builder()
                                        .status(503)
                                        .body(s3s::Body::from(
                                            "<Error><Code>ServiceUnavailable</Code></Error>"
                                                .to_owned(),
                                        ))
                                        .unwrap());
                                }
                                hyper::service::Service::call(&service, request).await
                            }
                        },
                    );
                    tokio::spawn(async move {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(socket), answer)
                            .await;
                    });
                }
            })
        };
        S3Server {
            endpoint,
            root: root.to_owned(),
            refusing,
            task,
        }
    }

    /// The environment a `zhizao serve` child needs to reach this server as its object storage
    /// (endpoint, plain HTTP, region and the test credentials).
    pub fn client_environment(&self) -> [(&'static str, &str); 5] {
        [
            ("AWS_ENDPOINT", self.endpoint.as_str()),
            ("AWS_ALLOW_HTTP", "true"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
        ]
    }

    /// Answers every request with 503 (an outage of the storage) while `on`.
    pub fn refuse(&self, on: bool) {
        self.refusing.store(on, Ordering::Relaxed);
    }
}
