//! `[rules]`: the rule files, read in order, and the engine's limits.

use std::path::Path;
use std::time::Duration;

use super::{Problems, in_range, read};
use crate::config::file::RulesSection;
use crate::rules::{RuleSource, RulesConfig, RulesSettings};

/// The rule files (paths relative to the configuration's directory) and the engine's
/// settings; every rule's time limit together must fit in `server.request_timeout_ms`.
pub(super) fn rules(
    r: &RulesSection,
    request_timeout_ms: u64,
    base: &Path,
    p: &mut Problems,
) -> RulesConfig {
    in_range(p, "rules.timeout_ms", r.timeout_ms, 10, 30_000);
    // Every rule may use its whole limit; they must fit in the request's own deadline, or
    // a slow rule would end as a timeout instead of a failure naming it.
    let budget = r.timeout_ms.saturating_mul(r.files.len() as u64);
    if budget.saturating_add(1_000) > request_timeout_ms {
        p.add(
            "rules.timeout_ms",
            format!(
                "{} rules × {} ms do not fit in server.request_timeout_ms ({request_timeout_ms} ms) with 1 s to spare",
                r.files.len(),
                r.timeout_ms
            ),
        );
    }
    in_range(p, "rules.memory_limit_mb", r.memory_limit_mb, 1, 1024);
    in_range(p, "rules.workers", r.workers as u64, 0, 64);
    let mut sources: Vec<RuleSource> = Vec::new();
    for (i, path) in r.files.iter().enumerate() {
        let name = path.display().to_string();
        if sources.iter().any(|s| s.name == name) {
            p.add(
                &format!("rules.files[{i}]"),
                format!("`{name}` is listed twice"),
            );
        }
        if let Some(source) = read(p, &format!("rules.files[{i}]"), base, path) {
            sources.push(RuleSource { name, source });
        }
    }
    RulesConfig {
        sources,
        settings: RulesSettings {
            timeout: Duration::from_millis(r.timeout_ms),
            memory_limit_bytes: usize::try_from(r.memory_limit_mb.min(1024) << 20)
                .unwrap_or(usize::MAX),
            workers: r.workers,
            configuration: r.configuration.clone(),
        },
    }
}
