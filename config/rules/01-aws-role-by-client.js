// The rule from Auth0's AWS delegation guide: pick the IAM role and SAML provider for one
// application. CLIENT_ID and the account come from [rules.configuration] so this file needs
// no edits; a rule copied from Auth0 with the values written in works just as well.
// It tests `context.targetClientID`, the application whose AWS settings apply, so it also
// fires when another allowed caller names that application as `target` (Auth0's guide
// tests `context.clientID`, the caller, which is the same when no target is given).
function (user, context, callback) {
  if (context.targetClientID === configuration.AWS_CLIENT_ID &&
      context.protocol === 'delegation') {
    // set AWS settings
    context.addonConfiguration = context.addonConfiguration || {};
    context.addonConfiguration.aws = context.addonConfiguration.aws || {};
    context.addonConfiguration.aws.principal =
      'arn:aws:iam::' + configuration.AWS_ACCOUNT_ID + ':saml-provider/auth0-provider';
    context.addonConfiguration.aws.role =
      'arn:aws:iam::' + configuration.AWS_ACCOUNT_ID + ':role/auth0-role';
  }

  callback(null, user, context);
}
