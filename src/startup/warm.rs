//! Before the server answers its first request, connections to the STS endpoints the
//! clients use (DNS, TCP, TLS) and to Redis are opened, so the first delegations after a
//! start cost what later ones do. It takes at most `sts.warm_up_ms` and
//! `state.warm_up_ms`, the two side by side.

use crate::app::App;
use crate::config::Settings;
use crate::domain::Region;

/// Opens one connection to the STS endpoint of each region in use. One that cannot be
/// opened in time is logged and connected at its first call, as usual.
pub(super) async fn open_sts_connections(app: &App) {
    let within = app.settings.sts.warm_up;
    let regions = regions_in_use(&app.settings);
    if within.is_zero() || regions.is_empty() {
        return;
    }
    for opened in app.sts.open_connections(&regions, within).await {
        match opened.error {
            None => tracing::debug!(endpoint = %opened.endpoint, "STS connection opened ahead"),
            Some(error) => tracing::warn!(
                endpoint = %opened.endpoint,
                %error,
                "could not open a connection to STS ahead; the first call will"
            ),
        }
    }
}

/// Connects to Redis when `[state]` is set. One that does not answer in time is logged;
/// requests then meet it as they do a Redis that went down.
pub(super) async fn connect_state(app: &App) {
    let Some(state) = &app.state else { return };
    let within = state.settings().warm_up;
    if within.is_zero() {
        return;
    }
    match state.connect_ahead(within).await {
        Ok(()) => {
            tracing::debug!(store = %state.settings().display_url, "Redis connection opened ahead")
        }
        Err(error) => tracing::warn!(
            store = %state.settings().display_url,
            %error,
            "could not connect to Redis ahead; requests will try again"
        ),
    }
}

/// The regions the clients' AWS settings name, or their role's partition's default region;
/// rules may pick others, which connect at their first call.
fn regions_in_use(settings: &Settings) -> Vec<Region> {
    let mut regions: Vec<Region> = settings
        .clients
        .values()
        .filter_map(|client| client.aws.as_ref())
        .filter_map(|aws| match (&aws.region, &aws.role) {
            (Some(region), _) => Some(region.clone()),
            (None, Some(role)) => Region::parse(role.partition().default_region()).ok(),
            (None, None) => None,
        })
        .collect();
    regions.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    regions.dedup_by(|a, b| a.as_str() == b.as_str());
    regions
}
