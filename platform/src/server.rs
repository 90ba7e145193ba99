//! The platform's process: its shared state, the router, and `serve`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use crate::auth::{Limiter, User};
use crate::config::Config;
use crate::db::Db;
use crate::events::Events;
use crate::metrics::Metrics;
use crate::store::Store;

/// What every request handler and worker shares; cheap to clone.
#[derive(Clone)]
pub struct App(Arc<Inner>);

pub struct Inner {
    pub config: Config,
    pub db: Db,
    pub store: Store,
    pub events: Events,
    pub metrics: Metrics,
    pub limiter: Limiter,
    /// Token hash → user, for tokens already looked up.
    pub tokens: Mutex<HashMap<String, User>>,
    /// The distributed queue, when configured.
    pub queue: Option<crate::redis_queue::RedisQueue>,
    /// Woken when a job is queued, so an idle worker starts at once.
    pub queued: Notify,
    pub stopping: Arc<AtomicBool>,
}

impl std::ops::Deref for App {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("database {url}: {message}")]
    Db { url: String, message: String },
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
    #[error("queue {url}: {message}")]
    Queue { url: String, message: String },
    #[error("cannot listen on {addr}: {message}")]
    Listen { addr: SocketAddr, message: String },
}

impl App {
    /// Opens the database and the store the configuration names.
    pub async fn open(config: Config) -> Result<App, ServeError> {
        std::fs::create_dir_all(&config.data).map_err(|e| ServeError::Db {
            url: config.data.display().to_string(),
            message: e.to_string(),
        })?;
        let url = config.db_url();
        let db = Db::connect(&url).await.map_err(|e| ServeError::Db {
            url: url.clone(),
            message: e.to_string(),
        })?;
        let store = match &config.store {
            Some(url) => Store::open(url)?,
            None => Store::local(&config.artifacts_dir())?,
        };
        let queue = match &config.queue {
            Some(url) => Some(
                crate::redis_queue::RedisQueue::connect(url, &config.prefix)
                    .await
                    .map_err(|e| ServeError::Queue {
                        url: url.clone(),
                        message: e.to_string(),
                    })?,
            ),
            None => None,
        };
        let limiter = Limiter::new(config.limits.requests_per_minute);
        Ok(App(Arc::new(Inner {
            config,
            db,
            store,
            events: Events::default(),
            metrics: Metrics::default(),
            limiter,
            tokens: Mutex::new(HashMap::new()),
            queue,
            queued: Notify::new(),
            stopping: Arc::new(AtomicBool::new(false)),
        })))
    }

    pub fn stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }

    /// The flag the workers of this process stop on.
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stopping.clone()
    }
}

/// A running server: its address, its state, and how to stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub app: App,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops taking requests and waits for the server to end (running jobs are re-queued when
    /// the embedded server starts next).
    pub async fn stop(self) {
        self.app.stopping.store(true, Ordering::Relaxed);
        self.app.queued.notify_waiters();
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Starts the API (and the configured in-process workers) and returns at once.
pub async fn start(config: Config) -> Result<Running, ServeError> {
    let addr = config.addr;
    let workers = config.workers;
    let app = App::open(config).await?;
    let requeued = app.db.requeue_running().await.unwrap_or(0);
    if requeued > 0 {
        tracing::info!(
            requeued,
            "jobs left running by the last process are queued again"
        );
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| ServeError::Listen {
            addr,
            message: e.to_string(),
        })?;
    let addr = listener.local_addr().map_err(|e| ServeError::Listen {
        addr,
        message: e.to_string(),
    })?;
    match &app.queue {
        Some(queue) => {
            crate::remote::consume(&app, queue);
            crate::remote::spawn(&app, queue, workers);
        }
        None => crate::worker::spawn(&app, workers),
    }
    let router = crate::api::router(app.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!("the server stopped: {e}");
        }
    });
    tracing::info!(%addr, workers, "yano serve is listening");
    Ok(Running {
        addr,
        app,
        stop,
        task,
    })
}

/// `yano serve`: runs until Ctrl+C or SIGTERM. `on_listen` gets the address bound (port 0 picks
/// a free one).
pub async fn serve(config: Config, on_listen: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let running = start(config).await?;
    on_listen(running.addr);
    shutdown_signal().await;
    tracing::info!("stopping");
    running.stop().await;
    Ok(())
}

/// Resolves on Ctrl+C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
