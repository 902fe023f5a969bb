//! The Kubernetes manifests: the Deployment, its ConfigMap, Secret and Service.

use crate::{check_config, parent, read, strings, toml_value, yaml};

#[test]
fn the_deployment_runs_two_locked_down_replicas_with_probes_and_requests() {
    let d = yaml("deploy/kubernetes/deployment.yaml");
    assert_eq!(d["kind"].as_str(), Some("Deployment"));
    assert_eq!(d["spec"]["replicas"].as_i64(), Some(2));
    let pod = &d["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"].as_bool(), Some(true));
    assert!(pod["securityContext"]["runAsUser"].as_i64().unwrap() > 0);
    let c = &pod["containers"][0];
    assert_eq!(
        c["readinessProbe"]["httpGet"]["path"].as_str(),
        Some("/readyz")
    );
    assert_eq!(
        c["livenessProbe"]["httpGet"]["path"].as_str(),
        Some("/healthz")
    );
    assert_eq!(c["ports"][0]["containerPort"].as_i64(), Some(8080));
    let sc = &c["securityContext"];
    assert_eq!(sc["runAsNonRoot"].as_bool(), Some(true));
    assert_eq!(sc["readOnlyRootFilesystem"].as_bool(), Some(true));
    assert_eq!(sc["allowPrivilegeEscalation"].as_bool(), Some(false));
    assert_eq!(strings(&sc["capabilities"]["drop"]), ["ALL"]);
    let requests = &c["resources"]["requests"];
    assert!(requests["cpu"].as_str().is_some() && requests["memory"].as_str().is_some());
}

#[test]
fn the_deployment_mounts_the_configmap_and_the_secret_where_the_config_looks() {
    let d = yaml("deploy/kubernetes/deployment.yaml");
    let pod = &d["spec"]["template"]["spec"];
    let c = &pod["containers"][0];
    let cm = yaml("deploy/kubernetes/configmap.yaml");
    let secret = yaml("deploy/kubernetes/secret.yaml");
    let toml = cm["data"]["delegation.toml"].as_str().unwrap();

    let volume = |name: &str| {
        let volumes = pod["volumes"].as_vec().unwrap();
        let v = volumes.iter().find(|v| v["name"].as_str() == Some(name));
        v.unwrap_or_else(|| panic!("no volume {name}")).clone()
    };
    let mount_of = |source: &str| {
        let mounts = c["volumeMounts"].as_vec().unwrap();
        let m = mounts.iter().find(|m| m["name"].as_str() == Some(source));
        assert_eq!(m.unwrap()["readOnly"].as_bool(), Some(true));
        m.unwrap()["mountPath"].as_str().unwrap().to_owned()
    };
    assert_eq!(
        volume("config")["configMap"]["name"].as_str(),
        cm["metadata"]["name"].as_str()
    );
    assert_eq!(
        volume("saml")["secret"]["secretName"].as_str(),
        secret["metadata"]["name"].as_str()
    );
    let env = &c["env"].as_vec().unwrap();
    let config_path = env
        .iter()
        .find(|e| e["name"].as_str() == Some("DELEGATION_CONFIG"))
        .and_then(|e| e["value"].as_str())
        .unwrap();
    assert_eq!(
        config_path,
        format!("{}/delegation.toml", mount_of("config"))
    );
    for key in ["signing_key", "signing_cert"] {
        let path = toml_value(toml, key);
        assert_eq!(parent(path), mount_of("saml"), "{key}");
        let file = path.rsplit('/').next().unwrap();
        assert!(
            !secret["stringData"][file].is_badvalue(),
            "Secret lacks {file}"
        );
    }
    let listed = strings(&yaml("deploy/kubernetes/kustomization.yaml")["resources"]).join(" ");
    for file in ["configmap.yaml", "deployment.yaml", "service.yaml"] {
        assert!(listed.contains(file), "kustomization lacks {file}");
    }
}

#[test]
fn the_configmap_carries_the_production_config_and_check_config_accepts_it() {
    let cm = yaml("deploy/kubernetes/configmap.yaml");
    let toml = cm["data"]["delegation.toml"].as_str().unwrap();
    assert_eq!(toml, read("deploy/production/delegation.toml"));

    let summary = check_config(toml, &["/run/secrets/delegation"], &[]);

    assert!(summary.contains("AWS regional endpoints"), "{summary}");
}

#[test]
fn the_service_targets_the_container_port() {
    let s = yaml("deploy/kubernetes/service.yaml");
    assert_eq!(s["spec"]["ports"][0]["targetPort"].as_str(), Some("http"));
    let d = yaml("deploy/kubernetes/deployment.yaml");
    let labels = &d["spec"]["template"]["metadata"]["labels"];
    for (k, v) in s["spec"]["selector"].as_hash().unwrap() {
        assert_eq!(&labels[k.as_str().unwrap()], v);
    }
}
