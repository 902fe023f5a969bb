//! Several replicas in Kubernetes: the PodDisruptionBudget and the HorizontalPodAutoscaler
//! match the Deployment, and its shutdown and rollout timing agrees with the server's
//! configuration (the ConfigMap's).

use yaml_rust2::Yaml;

use crate::{strings, toml_int, yaml};

fn deployment() -> Yaml {
    yaml("deploy/kubernetes/deployment.yaml")
}

/// A CPU quantity (`100m`, `0.5`, `2`) in millicores.
fn millicores(quantity: &str) -> f64 {
    match quantity.strip_suffix('m') {
        Some(milli) => milli.parse().unwrap(),
        None => quantity.parse::<f64>().unwrap() * 1000.0,
    }
}

fn int(value: &Yaml, what: &str) -> i64 {
    value
        .as_i64()
        .unwrap_or_else(|| panic!("{what} is not a number"))
}

#[test]
fn the_disruption_budget_selects_the_deployments_pods_and_lets_drains_proceed() {
    let pdb = yaml("deploy/kubernetes/pdb.yaml");
    let d = deployment();
    assert_eq!(pdb["apiVersion"].as_str(), Some("policy/v1"));
    assert_eq!(pdb["kind"].as_str(), Some("PodDisruptionBudget"));
    let selector = pdb["spec"]["selector"]["matchLabels"].as_hash().unwrap();
    assert!(!selector.is_empty());
    let labels = &d["spec"]["template"]["metadata"]["labels"];
    for (k, v) in selector {
        assert_eq!(&labels[k.as_str().unwrap()], v, "label {k:?}");
    }
    // With the fewest replicas there are, one may go and one stays.
    let replicas = int(&d["spec"]["replicas"], "replicas");
    let spec = &pdb["spec"];
    let (may_go, stay) = match (
        spec["maxUnavailable"].as_i64(),
        spec["minAvailable"].as_i64(),
    ) {
        (Some(max), None) => (max, replicas - max),
        (None, Some(min)) => (replicas - min, min),
        other => panic!("one of maxUnavailable, minAvailable as a number: {other:?}"),
    };
    assert!(may_go >= 1, "a drain would wait for ever");
    assert!(stay >= 1, "a drain could take every replica");
}

#[test]
fn the_autoscaler_targets_the_deployment_from_its_replicas_on_cpu_it_requests() {
    let hpa = yaml("deploy/kubernetes/hpa.yaml");
    let d = deployment();
    assert_eq!(hpa["apiVersion"].as_str(), Some("autoscaling/v2"));
    let target = &hpa["spec"]["scaleTargetRef"];
    assert_eq!(target["apiVersion"].as_str(), Some("apps/v1"));
    assert_eq!(target["kind"].as_str(), Some("Deployment"));
    assert_eq!(target["name"].as_str(), d["metadata"]["name"].as_str());
    let min = int(&hpa["spec"]["minReplicas"], "minReplicas");
    assert!(min >= 2, "minReplicas {min}");
    assert_eq!(int(&d["spec"]["replicas"], "replicas"), min);
    assert!(int(&hpa["spec"]["maxReplicas"], "maxReplicas") > min);
    let metrics = hpa["spec"]["metrics"].as_vec().unwrap();
    let cpu = metrics
        .iter()
        .find(|m| {
            m["type"].as_str() == Some("Resource") && m["resource"]["name"].as_str() == Some("cpu")
        })
        .expect("no CPU metric");
    assert_eq!(
        cpu["resource"]["target"]["type"].as_str(),
        Some("Utilization")
    );
    // Utilisation is measured against the request: every container must have one.
    let containers = d["spec"]["template"]["spec"]["containers"]
        .as_vec()
        .unwrap();
    for c in containers {
        let request = c["resources"]["requests"]["cpu"]
            .as_str()
            .expect("no CPU request");
        assert!(millicores(request) > 0.0, "{request}");
    }
    let listed = strings(&yaml("deploy/kubernetes/kustomization.yaml")["resources"]).join(" ");
    for file in ["pdb.yaml", "hpa.yaml"] {
        assert!(listed.contains(file), "kustomization lacks {file}");
    }
}

#[test]
fn shutdown_and_rollout_timing_agree_with_the_servers_configuration() {
    let d = deployment();
    let pod = &d["spec"]["template"]["spec"];
    let c = &pod["containers"][0];
    let cm = yaml("deploy/kubernetes/configmap.yaml");
    let toml = cm["data"]["delegation.toml"].as_str().unwrap();
    let ms = |key: &str| toml_int(toml, &format!("server.{key}"));

    // The image has no shell: only the kubelet's own sleep can hold SIGTERM back, and it
    // must cover the endpoints' removal spreading to every node and load balancer.
    let pre_stop = &c["lifecycle"]["preStop"];
    assert!(
        pre_stop["exec"].is_badvalue(),
        "an exec hook cannot run in the image"
    );
    let sleep = int(&pre_stop["sleep"]["seconds"], "preStop sleep");
    assert!(sleep >= 5, "preStop sleep {sleep} s");
    // After SIGTERM the server serves on for its shutdown delay, then stops accepting and
    // finishes its requests, which the three timeouts bound; the kill must come after that.
    let delay_ms = ms("shutdown_delay_seconds") * 1000;
    let drain_ms =
        ms("header_read_timeout_ms") + ms("body_read_timeout_ms") + ms("request_timeout_ms");
    let grace = int(
        &pod["terminationGracePeriodSeconds"],
        "terminationGracePeriodSeconds",
    );
    assert!(
        grace * 1000 > sleep * 1000 + delay_ms + drain_ms,
        "grace {grace} s, preStop {sleep} s, delay {delay_ms} ms, drain {drain_ms} ms"
    );

    // A new pod whose issuers' keys cannot be fetched turns ready once the readiness grace
    // is over: a rollout must wait that long (and one probe period) before failing, and
    // must not stop an old pod before a new one is ready.
    let probe = &c["readinessProbe"];
    assert_eq!(probe["httpGet"]["path"].as_str(), Some("/readyz"));
    let period = probe["periodSeconds"].as_i64().unwrap_or(10);
    let deadline = d["spec"]["progressDeadlineSeconds"].as_i64().unwrap_or(600);
    let grace_seconds = toml_int(toml, "server.readiness_grace_seconds");
    assert!(
        deadline > grace_seconds + period,
        "progressDeadlineSeconds {deadline}"
    );
    let rolling = &d["spec"]["strategy"]["rollingUpdate"];
    assert_eq!(rolling["maxUnavailable"].as_i64(), Some(0));
    // The liveness probe must not restart a pod that is only waiting for an issuer.
    assert_ne!(
        c["livenessProbe"]["httpGet"]["path"].as_str(),
        Some("/readyz")
    );
}

#[test]
fn cpu_quantities_read_as_kubernetes_reads_them() {
    assert_eq!(millicores("100m"), 100.0);
    assert_eq!(millicores("0.5"), 500.0);
    assert_eq!(millicores("2"), 2000.0);
}
