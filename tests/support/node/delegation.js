// Auth0's Node.js client library (node-auth0 2.x) calling /delegation as apps did with
// Auth0: AuthenticationClient.tokens.getDelegationToken. Reads DOMAIN (host:port, served
// over https), CLIENT_ID and REFRESH_TOKEN; prints the answer as JSON, or the error and
// exits 1. NODE_EXTRA_CA_CERTS names the test server's certificate.
const { AuthenticationClient } = require('auth0');

const auth0 = new AuthenticationClient({
  domain: process.env.DOMAIN,
  clientId: process.env.CLIENT_ID,
});

auth0.tokens.getDelegationToken(
  {
    refresh_token: process.env.REFRESH_TOKEN,
    target: process.env.CLIENT_ID,
    api_type: 'aws',
    grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    scope: 'openid',
  },
  (err, result) => {
    if (err) {
      console.error(err.message || String(err));
      process.exit(1);
    }
    console.log(JSON.stringify(result));
  }
);
