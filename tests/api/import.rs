//! `import auth0` end to end: the deploy-cli directory fixture imported with the real
//! binary, the server started on the result with the issuer and STS pointed at the test's
//! through environment overrides, and delegations through moto. The role comes from the
//! add-on or from the rules, the rules run in Auth0's order, and the disabled rule does not
//! run.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use crate::helpers::*;
use crate::shared_state::support::{free_port, until_healthy};

const BIN: &str = env!("CARGO_BIN_EXE_delegation-server");
const WEB: &str = "web-client-id-0001";

struct Imported {
    address: String,
    child: Child,
}

impl Drop for Imported {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn import_and_serve(dir: &Path, issuer: &Issuer, sts: &StsFront) -> Imported {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/auth0/directory");
    let out = dir.join("imported");
    let imported = Command::new(BIN)
        .args(["import", "auth0"])
        .arg(&fixture)
        .arg("--out")
        .arg(&out)
        .args(["--keyword", "SPA_HOST=spa.example.com"])
        .args(["--keyword", "DEFAULT_DEPARTMENT=finance"])
        .args(["--keyword", "ENVIRONMENT=prod"])
        .output()
        .unwrap();
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let (port, management) = (free_port(), free_port());
    let child = Command::new(BIN)
        .arg("serve")
        .arg("--config")
        .arg(out.join("delegation.toml"))
        .env("DELEGATION_ISSUERS__0__ISSUER", &issuer.issuer)
        .env("DELEGATION_ISSUERS__0__JWKS_URI", issuer.jwks_uri())
        .env("DELEGATION_STS__ENDPOINT", &sts.url)
        .env("DELEGATION_SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .env(
            "DELEGATION_SERVER__MANAGEMENT_LISTEN",
            format!("127.0.0.1:{management}"),
        )
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("server.log")).unwrap())
        .spawn()
        .unwrap();
    let server = Imported {
        address: format!("http://127.0.0.1:{port}"),
        child,
    };
    until_healthy("the imported server", &server.address).await;
    server
}

async fn delegate(server: &Imported, issuer: &Issuer, client: &str, extra: Value) -> Value {
    let claims = issuer.claims("auth0|imported", client, extra);
    let body = json!({
        "client_id": client,
        "grant_type": JWT_BEARER,
        "id_token": issuer.sign(&claims),
        "target": WEB,
        "api_type": "aws",
    });
    let response = reqwest::Client::new()
        .post(format!("{}/delegation", server.address))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let json: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{json}");
    json
}

fn assumed_role(answer: &Value) -> &str {
    let arn = answer["AssumedRoleUser"]["Arn"].as_str().unwrap();
    arn.split('/').nth(1).unwrap()
}

#[tokio::test]
async fn an_imported_tenant_hands_out_the_roles_its_add_on_and_rules_choose() {
    let dir = tempfile::tempdir().unwrap();
    let issuer = Issuer::start().await;
    let sts = StsFront::start().await;
    let server = import_and_serve(dir.path(), &issuer, &sts).await;

    // The first rule fills in the department from the rule settings, the second turns it
    // into the finance role; the disabled rule would have chosen disabled-role.
    let answer = delegate(&server, &issuer, WEB, json!({})).await;
    assert_eq!(assumed_role(&answer), "finance-role", "{answer}");
    assert_eq!(sts.last_form()["Action"], "AssumeRoleWithSAML");

    // Another department keeps the add-on's role.
    let answer = delegate(&server, &issuer, WEB, json!({"department": "sales"})).await;
    assert_eq!(assumed_role(&answer), "web-role", "{answer}");

    // The SPA was in the add-on application's allowed_clients: it may call for it.
    let answer = delegate(
        &server,
        &issuer,
        "spa-client-id-0001",
        json!({"department": "sales"}),
    )
    .await;
    assert_eq!(assumed_role(&answer), "web-role");
    assert_eq!(sts.attempts(), 3);
}
