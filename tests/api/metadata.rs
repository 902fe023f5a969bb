use crate::test_app::TestApp;

#[tokio::test]
async fn metadata_publishes_the_issuer_and_signing_certificate() {
    let app = TestApp::spawn().await;
    let response = app.get("/samlp/metadata").await;
    assert_eq!(response.status(), 200);
    let xml = response.text().await.unwrap();
    assert!(xml.contains(r#"entityID="urn:delegation.test""#), "{xml}");
    assert!(xml.contains(r#"use="signing""#));
    assert!(xml.contains("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"));
    assert!(xml.contains("SingleSignOnService"));
    let pem = app.published_cert_pem().await;
    assert_eq!(
        pem::parse(&pem).unwrap(),
        pem::parse(&crate::helpers::saml_key_pem().1).unwrap()
    );
}

#[tokio::test]
async fn per_client_metadata_uses_the_clients_issuer() {
    let extra = r#"
[[clients]]
client_id = "tenant-b"
[clients.aws]
role = "arn:aws:iam::123456789012:role/b"
principal = "arn:aws:iam::123456789012:saml-provider/b"
saml_issuer = "urn:tenant-b.example.com"
"#;
    let app = TestApp::spawn_with(extra).await;
    let xml = app
        .get("/samlp/metadata/tenant-b")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        xml.contains(r#"entityID="urn:tenant-b.example.com""#),
        "{xml}"
    );
    let xml = app.get("/samlp/metadata/app").await.text().await.unwrap();
    assert!(xml.contains(r#"entityID="urn:delegation.test""#), "{xml}");
    assert_eq!(app.get("/samlp/metadata/nobody").await.status(), 404);
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 200);
}
