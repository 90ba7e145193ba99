//! `yano serve` and `yano token create`: the platform (yano-platform) from the command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use yano_platform::config::{Config, Limits};

/// Where the platform keeps its data when `--data` is not given.
fn default_data() -> PathBuf {
    match std::env::var_os("XDG_DATA_HOME").or_else(|| std::env::var_os("HOME")) {
        Some(base) if std::env::var_os("XDG_DATA_HOME").is_some() => {
            PathBuf::from(base).join("yano")
        }
        Some(home) => PathBuf::from(home).join(".local/share/yano"),
        None => PathBuf::from("yano-data"),
    }
}

#[derive(Args)]
pub struct ServeArgs {
    /// The address to listen on (port 0 picks a free one, printed on standard output).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The folder of the embedded database (SQLite) and artifacts (default: ~/.local/share/yano).
    #[arg(long)]
    data: Option<PathBuf>,
    /// The database: sqlite://FILE (the default, in --data) or postgres://…
    #[arg(long)]
    db: Option<String>,
    /// The queue: redis://HOST:PORT (the default is the database itself, with workers here).
    #[arg(long)]
    queue: Option<String>,
    /// The artifact store: s3://BUCKET[/PREFIX]?endpoint=URL (default: --data/artifacts).
    /// Credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
    #[arg(long)]
    store: Option<String>,
    /// What the queue's Redis keys start with.
    #[arg(long, default_value = "yano")]
    prefix: String,
    /// Workers in this process (with --queue, 0 makes an API tier whose workers run elsewhere).
    #[arg(long, default_value_t = 1)]
    workers: usize,
    /// Requests a minute per user.
    #[arg(long, default_value_t = Limits::default().requests_per_minute)]
    rate: u32,
    /// Jobs a user may have queued or running at once.
    #[arg(long, default_value_t = Limits::default().active_jobs)]
    max_active_jobs: u32,
    /// The largest upload, in MB.
    #[arg(long, default_value_t = 200)]
    max_upload_mb: u64,
    /// Logs as JSON lines (structured) instead of text.
    #[arg(long)]
    log_json: bool,
}

#[derive(Args)]
pub struct WorkerArgs {
    /// The queue: redis://HOST:PORT.
    #[arg(long)]
    queue: String,
    /// The artifact store: s3://BUCKET[/PREFIX]?endpoint=URL or a folder shared with the API.
    #[arg(long)]
    store: String,
    /// What the queue's Redis keys start with (as given to `yano serve --prefix`).
    #[arg(long, default_value = "yano")]
    prefix: String,
    /// Jobs run at once by this process.
    #[arg(long, default_value_t = 1)]
    workers: usize,
    /// Where inputs are unpacked and results written before they are stored.
    #[arg(long)]
    scratch: Option<PathBuf>,
    /// Logs as JSON lines (structured) instead of text.
    #[arg(long)]
    log_json: bool,
}

pub fn worker(args: WorkerArgs) -> Result<(), String> {
    logs(args.log_json);
    let scratch = args.scratch.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("yano-worker-{}", std::process::id()))
    });
    runtime()?.block_on(yano_platform::remote::work(
        &args.queue,
        &args.prefix,
        &args.store,
        scratch,
        args.workers,
    ))
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Make a user (if new) and an API token for them, printed once on the last line.
    Create {
        name: String,
        /// The platform's data folder (as given to `yano serve --data`).
        #[arg(long)]
        data: Option<PathBuf>,
        /// The database, as given to `yano serve --db`.
        #[arg(long)]
        db: Option<String>,
    },
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

fn logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,flacenc=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

pub fn serve(args: ServeArgs) -> Result<(), String> {
    logs(args.log_json);
    let data = args.data.unwrap_or_else(default_data);
    let mut config = Config::embedded(args.addr, data);
    config.db = args.db;
    config.queue = args.queue;
    config.store = args.store;
    config.prefix = args.prefix;
    config.workers = args.workers;
    config.limits.requests_per_minute = args.rate.max(1);
    config.limits.active_jobs = args.max_active_jobs.max(1);
    config.limits.upload_bytes = args.max_upload_mb.max(1) << 20;
    runtime()?
        .block_on(yano_platform::serve(config, |addr| {
            println!("listening on http://{addr}");
        }))
        .map_err(|e| e.to_string())
}

pub fn token(command: TokenCommand) -> Result<(), String> {
    match command {
        TokenCommand::Create { name, data, db } => {
            let name = name.trim().to_string();
            if name.is_empty() || name.len() > 100 || name.chars().any(char::is_control) {
                return Err(format!(
                    "the user name {name:?} must be 1 to 100 printable characters"
                ));
            }
            let mut config = Config::embedded(
                ([127, 0, 0, 1], 0).into(),
                data.unwrap_or_else(default_data),
            );
            config.db = db;
            let url = config.db_url();
            let token = runtime()?.block_on(async {
                std::fs::create_dir_all(&config.data)
                    .map_err(|e| format!("cannot create {}: {e}", config.data.display()))?;
                let db = yano_platform::db::Db::connect(&url)
                    .await
                    .map_err(|e| format!("database {url}: {e}"))?;
                db.create_token(&name)
                    .await
                    .map_err(|e| format!("database {url}: {e}"))
            })?;
            eprintln!(
                "a token for {name} (user {}); it is shown only now:",
                token.0
            );
            println!("{}", token.1);
            Ok(())
        }
    }
}
