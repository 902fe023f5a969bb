// Send the user's affiliation to AWS as eduPersonAffiliation, so IAM policies can test it
// with the SAML:eduPersonAffiliation condition key. Replaces the mappings wholesale, keeping
// the three defaults, as in Auth0's guide.
function (user, context, callback) {
  user.awsGroup = user.awsGroup || user.affiliation;
  context.addonConfiguration.aws.mappings = {
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier': 'name',
    'https://aws.amazon.com/SAML/Attributes/Role': 'awsrole',
    'https://aws.amazon.com/SAML/Attributes/RoleSessionName': 'rolesessionname',
    'urn:oid:1.3.6.1.4.1.5923.1.1.1.1': 'awsGroup'
  };
  callback(null, user, context);
}
