//! Unit tests of `import::scan`.

use super::*;

const RULE: &str = r#"function (user, context, callback) {
  const request = require('request');
  global.cache = global.cache || {};
  if (context.connection === 'github' && context.request.geoip.country_code === 'FR') {}
  auth0.users.updateAppMetadata(user.user_id, {seen: true});
  const key = configuration.API_KEY + configuration.KNOWN;
  // context.sso in a comment is not read
  if (!context.clientID) return callback(new UnauthorizedError('no'));
  callback(null, user, context);
}"#;

#[test]
fn each_kind_of_finding_names_its_line() {
    let found = scan(RULE, &["KNOWN".to_owned()]);
    let lines: Vec<(usize, &str)> = found
        .iter()
        .map(|f| {
            (
                f.line,
                f.what.split_whitespace().take(2).last().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (2, "module"),
            (3, "`global`,"),
            (4, "`context.connection`,"),
            (4, "`context.request.geoip`"),
            (5, "the"),
            (6, "`configuration.API_KEY`,"),
            (8, "with"),
        ],
        "{found:#?}"
    );
    assert!(found[0].what.contains("`request`"));
}

#[test]
fn a_rule_using_only_what_the_server_fills_has_no_findings() {
    let rule = "function (user, context, callback) {\n  context.addonConfiguration.aws.role = configuration.ROLE;\n  user.x = context.request.ip + context.targetClientID;\n  callback(null, user, context);\n}";
    assert!(scan(rule, &["ROLE".to_owned()]).is_empty());
}
