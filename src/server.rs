//! The live swap: holds the current [`App`] snapshot, replaces it whole on reload, and
//! keeps what outlives reloads (metrics, the admin guard, the configuration's path, the
//! start time). Requests take the snapshot once, at their start.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use arc_swap::ArcSwap;

use crate::app::{App, Clock, StartupError};
use crate::config::{self, Settings};
use crate::ops::Metrics;

pub struct Server {
    live: ArcSwap<App>,
    pub metrics: Arc<Metrics>,
    /// The file reloads read; `None` when the settings did not come from a file.
    config_path: Option<PathBuf>,
    pub started: Instant,
    /// Set when the shutdown signal arrived: `/readyz` answers 503 from then on.
    pub stopping: AtomicBool,
    clock: Arc<dyn Clock>,
    /// Failed admin tokens by address, kept across reloads.
    pub admin_guard: crate::ops::admin::AdminGuard,
}

/// Why a reload kept the old settings.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error("the settings were not read from a file, so there is nothing to reload")]
    NoFile,
    #[error("{0}")]
    Config(#[from] config::ConfigError),
    #[error("{0}")]
    Startup(#[from] StartupError),
    /// Turning TLS on or off would change what the open listener speaks: never done live.
    #[error(
        "`[server.tls]` was {0}; whether the listener uses TLS changes only at a restart, so the running settings stay"
    )]
    TlsChanged(&'static str),
    #[error("the reload panicked (location in the log line before)")]
    Panicked,
}

impl Server {
    /// Builds the app from `settings`, with a fresh metrics registry.
    pub fn build(
        settings: Settings,
        config_path: Option<PathBuf>,
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<Self>, StartupError> {
        let metrics = Arc::new(Metrics::new());
        let app = App::build_with(settings, Arc::clone(&clock), &metrics, None)?;
        Ok(Arc::new(Self {
            live: ArcSwap::new(app),
            metrics,
            config_path,
            started: Instant::now(),
            stopping: AtomicBool::new(false),
            clock,
            admin_guard: Default::default(),
        }))
    }

    /// The current settings and components. A request takes this once, at its start, and
    /// keeps it to its end, whatever reloads happen meanwhile.
    pub fn app(&self) -> Arc<App> {
        self.live.load_full()
    }

    /// Reads the configuration file again and, when it is valid in full (settings, keys,
    /// rules), switches to it; otherwise the running settings stay. Components whose
    /// settings did not change are kept. Counted in `config_reloads_total`.
    /// A panic while reloading is caught, logged without its message and counted as an
    /// error like any other failed reload.
    pub fn reload(&self) -> Result<(), ReloadError> {
        let attempt = std::panic::AssertUnwindSafe(|| self.try_reload());
        let result = crate::telemetry::redacting_panics(|| std::panic::catch_unwind(attempt))
            .unwrap_or(Err(ReloadError::Panicked));
        if result.is_ok() {
            // Outside the guard: the new settings are live once stored, whatever follows.
            // A new verifier starts with empty caches for changed issuers: fill them now.
            self.app().verifier.warm_up();
        }
        self.metrics.config_reload(result.is_ok());
        match &result {
            Ok(()) => tracing::info!("configuration reloaded"),
            Err(error) => {
                tracing::error!(%error, "configuration reload failed; the running settings stay");
            }
        }
        result
    }

    fn try_reload(&self) -> Result<(), ReloadError> {
        let path = self.config_path.as_ref().ok_or(ReloadError::NoFile)?;
        let settings = config::load(path)?;
        let current = self.app();
        let unchangeable = [
            (
                "server.listen",
                settings.server.listen != current.settings.server.listen,
            ),
            (
                "server.management_listen",
                settings.server.management_listen != current.settings.server.management_listen,
            ),
            (
                "server.metrics",
                settings.server.metrics != current.settings.server.metrics,
            ),
        ];
        // A listener that speaks TLS never starts answering in plain text (nor the other
        // way round): such a reload is refused as a whole.
        match (
            current.settings.server.tls.is_some(),
            settings.server.tls.is_some(),
        ) {
            (true, false) => return Err(ReloadError::TlsChanged("removed")),
            (false, true) => return Err(ReloadError::TlsChanged("added")),
            _ => {}
        }
        for (key, changed) in unchangeable {
            if changed {
                tracing::warn!(
                    key,
                    "this setting changed, but it takes effect only after a restart"
                );
            }
        }
        let next = App::build_with(
            settings,
            Arc::clone(&self.clock),
            &self.metrics,
            Some(&current),
        )?;
        self.live.store(next);
        Ok(())
    }
}
