//! The command line: `serve`, `check-config`, `keygen`, `metadata`, `healthcheck`,
//! `explain`, `reload` and `try-rule` (docs/deployment.md).

mod explain;
mod healthcheck;
mod import;
mod keygen;
mod reload;
mod try_rule;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};

use crate::app::{App, SystemClock};
use crate::config::{self, Settings};
use crate::server::Server;
use crate::{saml, startup, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "delegation-server",
    version,
    about = "Auth0-compatible /delegation for AWS"
)]
pub struct Cli {
    /// Configuration file.
    #[arg(
        long,
        global = true,
        env = "DELEGATION_CONFIG",
        default_value = "config/delegation.toml"
    )]
    pub config: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

/// What `keygen` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyKind {
    Saml,
    Oidc,
}

/// The signing algorithm of a `keygen --kind oidc` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OidcAlgorithm {
    /// EC P-256 (ES256): the default; one signature costs a small fraction of RSA's.
    Es256,
    /// RSA-2048 (RS256).
    Rs256,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the HTTP server.
    Serve,
    /// Validate the configuration and keys, print a summary; non-zero exit on error.
    CheckConfig,
    /// Write keys into DIR: `--kind saml` (the default) an RSA-2048 SAML signing key and a
    /// self-signed certificate (saml.key, saml.crt); `--kind oidc` a key for the server's
    /// own OIDC issuer (oidc.key), EC P-256 for ES256 unless `--algorithm rs256`.
    Keygen {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value_t = KeyKind::Saml)]
        kind: KeyKind,
        /// Certificate subject common name.
        #[arg(long, default_value = "delegation-server")]
        common_name: String,
        /// For `--kind oidc`: `es256` (EC P-256, the default) or `rs256` (RSA-2048).
        #[arg(long, value_enum)]
        algorithm: Option<OidcAlgorithm>,
        /// Replace existing files.
        #[arg(long)]
        force: bool,
        /// Succeed without writing when DIR already holds a key and a certificate (for an
        /// init step that runs at every start).
        #[arg(long, conflicts_with = "force")]
        if_missing: bool,
    },
    /// Run the rules for a user (a JSON object of id_token claims, with `sub`) and print the
    /// resulting AWS settings and SAML attributes. STS is not called.
    TryRule {
        /// JSON file with the user's claims.
        #[arg(long)]
        user: PathBuf,
        /// The calling client (may be left out when only one is configured).
        #[arg(long)]
        client: Option<String>,
        /// The target client (default: the calling client).
        #[arg(long)]
        target: Option<String>,
    },
    /// Show step by step what /delegation would do for an id_token (token checks, role
    /// rules, what each rule changed, the final settings and SAML attributes). Nothing is
    /// signed and STS is not called.
    Explain {
        /// A file holding the id_token.
        #[arg(long)]
        token: PathBuf,
        /// The calling client (may be left out when only one is configured).
        #[arg(long)]
        client: Option<String>,
        /// The target client (default: the calling client).
        #[arg(long)]
        target: Option<String>,
    },
    /// Ask the running server to reload its configuration (sends it SIGHUP).
    Reload {
        /// The server's process ID; by default read from `server.pid_file`.
        #[arg(long)]
        pid: Option<i32>,
    },
    /// GET /healthz on the configured listener (loopback when it listens on every address);
    /// exit 0 when it answers 200. For container health checks.
    Healthcheck {
        /// Connect, write and read timeout, in milliseconds.
        #[arg(long, default_value_t = 2000)]
        timeout_ms: u64,
    },
    /// Turn another product's export into this server's configuration, rules and a
    /// migration report (docs/migrating-from-auth0.md).
    #[command(subcommand)]
    Import(import::ImportSource),
    /// Print the IdP metadata XML to upload to IAM as the SAML provider.
    Metadata {
        /// Use this client's SAML issuer instead of the server-wide one.
        #[arg(long)]
        client: Option<String>,
    },
}

/// Runs a command; the error text is what the user sees.
pub async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve => serve(&cli.config).await,
        Command::CheckConfig => check_config(&cli.config),
        Command::Keygen {
            out,
            kind,
            common_name,
            algorithm,
            force,
            if_missing,
        } => {
            if kind == KeyKind::Saml && algorithm.is_some() {
                return Err(
                    "--algorithm applies to --kind oidc; SAML keys are RSA-2048 (AWS verifies RSA-SHA256)"
                        .into(),
                );
            }
            let files: &[&str] = match kind {
                KeyKind::Saml => &["saml.key", "saml.crt"],
                KeyKind::Oidc => &["oidc.key"],
            };
            if if_missing && files.iter().all(|f| out.join(f).exists()) {
                println!("{} already holds keys; keeping them", out.display());
                return Ok(());
            }
            match kind {
                KeyKind::Saml => keygen::keygen(&out, &common_name, force),
                KeyKind::Oidc => {
                    keygen::keygen_oidc(&out, algorithm.unwrap_or(OidcAlgorithm::Es256), force)
                }
            }
        }
        Command::Healthcheck { timeout_ms } => {
            healthcheck::healthcheck(&cli.config, std::time::Duration::from_millis(timeout_ms))
        }
        Command::Metadata { client } => metadata(&cli.config, client.as_deref()),
        Command::Import(source) => import::import(source),
        Command::Reload { pid } => reload::send(&cli.config, pid),
        Command::Explain {
            token,
            client,
            target,
        } => {
            telemetry::init(false, "warn");
            let app = load_app(&cli.config)?;
            let report =
                explain::explain(&app, &token, client.as_deref(), target.as_deref()).await?;
            println!("{report}");
            Ok(())
        }
        Command::TryRule {
            user,
            client,
            target,
        } => {
            // What rules print with console.log is the point of trying them.
            telemetry::init(false, "warn,delegation_server::rules=debug");
            let app = load_app(&cli.config)?;
            let report =
                try_rule::try_rule(&app, &user, client.as_deref(), target.as_deref()).await?;
            println!("{report}");
            Ok(())
        }
    }
}

fn load_app(path: &Path) -> Result<Arc<App>, String> {
    let settings = config::load(path).map_err(|e| e.to_string())?;
    App::build(settings, Arc::new(SystemClock)).map_err(|e| e.to_string())
}

async fn serve(path: &Path) -> Result<(), String> {
    let settings = config::load(path).map_err(|e| e.to_string())?;
    let server = Server::build(settings, Some(path.to_owned()), Arc::new(SystemClock))
        .map_err(|e| e.to_string())?;
    let app = server.app();
    telemetry::init(app.settings.server.json_logs, "info");
    let listeners = startup::Listeners::bind(&server).await?;
    let _pid_file = match &app.settings.server.pid_file {
        Some(file) => Some(reload::PidFile::write(file)?),
        None => None,
    };
    for warning in config::warnings(&app.settings) {
        tracing::warn!(warning, "configuration");
    }
    tracing::info!(
        addr = %app.settings.server.listen,
        tls = app.tls.is_some(),
        management = %app.settings.server.management_listen,
        clients = app.settings.clients.len(),
        "listening"
    );
    startup::reload_on_sighup(Arc::clone(&server));
    startup::serve(listeners, server, startup::shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))
}

fn check_config(path: &Path) -> Result<(), String> {
    let app = load_app(path)?;
    print!("{}", summary(&app.settings, app.signer.key_bits()));
    for warning in config::warnings(&app.settings) {
        println!("  warning: {warning}");
    }
    Ok(())
}

fn summary(s: &Settings, key_bits: usize) -> String {
    let mut out = format!(
        "configuration OK\n  listen: {}\n  saml issuer: {} (RSA-{key_bits}, assertions valid {} s)\n  sts: {}\n",
        s.server.listen,
        s.saml.issuer,
        s.saml.lifetime.as_secs(),
        s.sts
            .endpoint
            .as_ref()
            .map_or("AWS regional endpoints".to_owned(), |u| u.to_string()),
    );
    for i in &s.verifier.issuers {
        let algs: Vec<_> = i.algorithms.iter().map(|a| format!("{a:?}")).collect();
        out += &format!("  issuer: {} [{}]\n", i.issuer, algs.join(", "));
    }
    for c in s.clients.values() {
        let role = c
            .aws
            .as_ref()
            .and_then(|a| a.role.as_ref())
            .map_or("-".into(), |r| r.to_string());
        out += &format!(
            "  client: {} role={role} callers={}\n",
            c.client_id,
            c.allowed_callers.len()
        );
        if let Some(aws) = &c.aws {
            let mut extras = Vec::new();
            if !aws.role_rules.is_empty() {
                extras.push(format!("role_rules={}", aws.role_rules.len()));
            }
            if !aws.session_tags.is_empty() {
                extras.push(format!("session_tags={}", aws.session_tags.len()));
            }
            if let Some(policy) = &aws.session_policy {
                extras.push(format!(
                    "session_policy={} characters with sample values (AWS limit 2048)",
                    policy.sample_length()
                ));
            }
            if !extras.is_empty() {
                out += &format!("    {}\n", extras.join(" "));
            }
        }
    }
    let names: Vec<&str> = s.rules.sources.iter().map(|r| r.name.as_str()).collect();
    out += &match names.len() {
        0 => "  rules: none\n".to_owned(),
        n => format!("  rules: {n} compiled, in order: {}\n", names.join(", ")),
    };
    out
}

fn metadata(path: &Path, client: Option<&str>) -> Result<(), String> {
    let app = load_app(path)?;
    let s = &app.settings;
    let issuer = match client {
        None => s.saml.issuer.as_str(),
        Some(id) => {
            let c = s
                .clients
                .get(id)
                .ok_or_else(|| format!("unknown client `{id}`"))?;
            c.aws
                .as_ref()
                .and_then(|a| a.saml_issuer.as_deref())
                .unwrap_or(&s.saml.issuer)
        }
    };
    println!(
        "{}",
        saml::metadata_xml(issuer, &s.saml.sso_url, &app.signer)
    );
    Ok(())
}
