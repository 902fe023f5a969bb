//! Unit tests of `rules::settings`.

use serde_json::json;

use super::*;

#[test]
fn debug_output_leaves_the_configuration_out() {
    let mut configuration = Map::new();
    configuration.insert("API_KEY".into(), json!("s3cr3t-value"));
    let config = RulesConfig {
        sources: Vec::new(),
        settings: RulesSettings {
            configuration,
            ..RulesSettings::default()
        },
    };
    let shown = format!("{config:?}");
    assert!(!shown.contains("s3cr3t-value"), "{shown}");
    assert!(!shown.contains("API_KEY"), "{shown}");
}

#[test]
fn zero_workers_means_one_per_available_cpu() {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let settings = |workers| RulesSettings {
        workers,
        ..RulesSettings::default()
    };
    assert_eq!(settings(0).worker_count(), cpus);
    assert_eq!(settings(3).worker_count(), 3);
}
