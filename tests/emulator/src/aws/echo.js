'use strict';
// Signed-request echo: any method, any path under /echo/. Verifies SigV4 (Authorization
// header or presigned query) for whatever service and region the credential scope names,
// with any key the emulator knows. No clock-skew check: tests sign at fixed past times.
// (Expiry of temporary credentials is still enforced.)

const { verifySigV4 } = require('./sigv4verify');
const { sendJson } = require('../util');

const FAILURE_TYPES = {
  missing: 'MissingAuthenticationTokenException',
  incomplete: 'IncompleteSignatureException',
  unsupported_scheme: 'IncompleteSignatureException',
  unknown_key: 'UnrecognizedClientException',
  invalid_token: 'UnrecognizedClientException',
  expired_token: 'ExpiredTokenException',
};

module.exports = {
  target: 'echo',
  counterNames: ['echo'],

  match(ctx) {
    return ctx.rawPath === '/echo' || ctx.rawPath.startsWith('/echo/');
  },

  counter() {
    return 'echo';
  },

  async handle(ctx, emu) {
    const iam = emu.state.aws.iam;
    const r = await verifySigV4(
      { method: ctx.method, rawPath: ctx.rawPath, rawQuery: ctx.rawQuery, headers: ctx.headers, body: ctx.body },
      { lookup: (akid) => iam.lookup(akid), nowMs: emu.now(), maxSkewSeconds: null },
    );
    ctx.recordSigV4(r);
    if (!r.ok) {
      const type = FAILURE_TYPES[r.reason] ?? 'InvalidSignatureException';
      return sendJson(
        ctx.res,
        403,
        {
          message: r.message,
          valid: false,
          reason: r.reason,
          access_key_id: r.accessKeyId,
          expected_signature: r.expectedSignature,
          canonical_request: r.canonicalRequest,
          string_to_sign: r.stringToSign,
        },
        { 'x-amzn-errortype': type },
      );
    }
    const query = { ...ctx.query };
    delete query['X-Amz-Signature'];
    if ('X-Amz-Security-Token' in query) query['X-Amz-Security-Token'] = '<redacted>';
    return sendJson(ctx.res, 200, {
      valid: true,
      access_key_id: r.accessKeyId,
      caller_arn: r.credentials.arn,
      temporary: r.credentials.kind === 'temporary',
      service: r.service,
      region: r.region,
      date: r.date,
      signed_headers: r.signedHeaders,
      signature: r.signature,
      presigned: r.presigned,
      expires_in: r.expiresIn ?? undefined,
      method: ctx.method,
      path: ctx.rawPath,
      query,
      body_sha256: r.bodySha256,
      body_length: ctx.body.length,
    });
  },

  faultResponse(ctx, fault) {
    const status = fault.status;
    const type =
      fault.code ??
      (status === 429 ? 'ThrottlingException'
        : status === 503 ? 'ServiceUnavailableException'
          : status >= 500 ? 'InternalServerException'
            : status === 403 ? 'AccessDeniedException'
              : 'ValidationException');
    sendJson(ctx.res, status, { message: fault.message ?? `Injected fault (HTTP ${status})` }, {
      'x-amzn-errortype': type,
      ...(fault.headers ?? {}),
    });
  },
};
