/**
 * Why an outbound request produced no HTTP response (an HTTP response of any
 * status is not an error here: the caller decides what a 500 means).
 */
export type OutboundErrorCode =
  | 'invalid_url' // not a URL, or credentials/fragments we refuse to send
  | 'unsupported_scheme' // anything but http: and https:, also on a redirect hop
  | 'forbidden_address' // resolves to a loopback/private/link-local/... address
  | 'dns_failed' // the name does not resolve
  | 'connection_failed' // refused, reset, TLS failure, malformed response
  | 'timeout' // the whole exchange took longer than its budget
  | 'aborted' // the caller's signal fired (shutdown)
  | 'too_large' // the body passed the caller's cap
  | 'too_many_redirects'
  | 'bad_response'; // an unknown or broken content encoding

export class OutboundError extends Error {
  constructor(
    readonly code: OutboundErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OutboundError';
  }
}

export function isOutboundError(err: unknown): err is OutboundError {
  return err instanceof OutboundError;
}
