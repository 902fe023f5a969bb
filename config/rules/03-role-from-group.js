// Choose the role from the user's `groups` claim; users in no group with AWS access are
// refused (403 unauthorized, with the message below).
function (user, context, callback) {
  var rolesByGroup = {
    admins: 'aws-admin',
    analysts: 'aws-analyst'
  };
  var groups = Array.isArray(user.groups) ? user.groups : [];
  var group = groups.filter(function (g) { return rolesByGroup.hasOwnProperty(g); })[0];
  if (!group) {
    return callback(new UnauthorizedError('You are not in a group with AWS access.'));
  }
  var account = configuration.AWS_ACCOUNT_ID;
  context.addonConfiguration.aws.role = 'arn:aws:iam::' + account + ':role/' + rolesByGroup[group];
  context.addonConfiguration.aws.principal =
    'arn:aws:iam::' + account + ':saml-provider/auth0-provider';
  callback(null, user, context);
}
